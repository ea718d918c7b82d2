#include "anthropic/anthropic_stream.hpp"

#include <turnpike/json_scan.hpp>

#include "openai_wire.hpp"

namespace turnpike::sdk::anthropic {

namespace {

// The text of a JSON string without escapes (event and error types are plain identifiers), or
// empty.
std::string_view plainString(std::string_view raw) {
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return {};
  std::string_view inner = raw.substr(1, raw.size() - 2);
  return inner.find('\\') == std::string_view::npos ? inner : std::string_view{};
}

std::string_view memberString(std::string_view json, std::string_view key) {
  auto m = json_scan::find(json, key);
  return m ? plainString(m->value) : std::string_view{};
}

bool isObject(std::string_view json) {
  size_t i = json.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && json[i] == '{';
}

}  // namespace

int statusForErrorType(std::string_view type) {
  struct Entry {
    std::string_view type;
    int status;
  };
  // Anthropic's table (errors.md), but for overloaded_error (see the header).
  static constexpr Entry kStatuses[] = {
      {"invalid_request_error", 400}, {"authentication_error", 401}, {"billing_error", 402},
      {"permission_error", 403},      {"not_found_error", 404},      {"request_too_large", 413},
      {"rate_limit_error", 429},      {"api_error", 500},            {"timeout_error", 504},
      {"overloaded_error", 503},
  };
  for (const auto& e : kStatuses)
    if (e.type == type) return e.status;
  return 502;
}

void MessageUsage::update(std::string_view usageJson) {
  // A usage object is a few members: four lookups cost less than anything cleverer.
  if (auto v = json_scan::findUint(usageJson, "input_tokens")) input = v;
  if (auto v = json_scan::findUint(usageJson, "output_tokens")) output = v;
  if (auto v = json_scan::findUint(usageJson, "cache_creation_input_tokens")) cacheCreation = *v;
  if (auto v = json_scan::findUint(usageJson, "cache_read_input_tokens")) cacheRead = *v;
}

std::optional<Usage> MessageUsage::toUsage() const {
  if (!input || !output) return std::nullopt;
  Usage u;
  // Anthropic's input_tokens leaves the cache out; the host's prompt holds all three.
  u.promptTokens = *input + cacheCreation + cacheRead;
  u.cachedTokens = cacheRead;
  u.cacheWriteTokens = cacheCreation;
  u.completionTokens = *output;
  return u;
}

void AnthropicStream::onData(int status, std::string_view bytes, bool end, Emitter& emitter) {
  if (status >= 400) {
    // {"type":"error","error":{"type","message"},"request_id"}: Anthropic's own type is kept.
    openai_wire::emitUpstreamError(status, bytes, emitter);
    return;
  }
  if (!stream_) {
    if (billable_) {
      if (auto usage = json_scan::find(bytes, "usage")) {
        usage_.update(usage->value);
        emitUsage(emitter);
      }
    }
    emitter.chunk(bytes);
    return;
  }
  parser_.feed(bytes, [&](const SseEvent& event) { onEvent(event, emitter); });
  if (!end) return;
  // A final event without its blank line still counts.
  if (parser_.pending()) parser_.feed("\n\n", [&](const SseEvent& event) { onEvent(event, emitter); });
  // Cut before message_stop: message_delta's counts are the upstream's last word.
  if (sawDelta_ && !failed_) emitUsage(emitter);
}

void AnthropicStream::onEvent(const SseEvent& event, Emitter& emitter) {
  if (failed_ || !isObject(event.data)) return;
  std::string_view type = memberString(event.data, "type");
  if (type == "error" || event.event == "error") {
    failed_ = true;
    if (sawDelta_) emitUsage(emitter);
    auto error = json_scan::find(event.data, "error");
    std::string_view errorType = error ? memberString(error->value, "type") : std::string_view{};
    openai_wire::emitUpstreamError(statusForErrorType(errorType), event.data, emitter);
    return;
  }
  if (type == "message_start") {
    if (auto message = json_scan::find(event.data, "message"))
      if (auto usage = json_scan::find(message->value, "usage")) usage_.update(usage->value);
  } else if (type == "message_delta") {
    if (auto usage = json_scan::find(event.data, "usage")) {
      usage_.update(usage->value);
      sawDelta_ = true;
    }
  } else if (type == "message_stop") {
    emitUsage(emitter);
  }
  emitter.chunk(event.data);
}

void AnthropicStream::emitUsage(Emitter& emitter) {
  if (usageSent_) return;
  if (auto u = usage_.toUsage()) {
    emitter.usage(*u);
    usageSent_ = true;
  }
}

}  // namespace turnpike::sdk::anthropic
