// The OpenAI wire format read back into normalized events: shared by the providers whose
// upstream speaks it (openai_compat, and the mock when it answers over its loopback server).
#pragma once

#include <turnpike/json_scan.hpp>
#include <turnpike/plugin.hpp>
#include <turnpike/sse_parser.hpp>

#include <nlohmann/json.hpp>
#include <optional>

namespace turnpike::sdk::openai_wire {

using nlohmann::json;

// Usage without its token counts (absent, null, fractional, renamed) is no usage: the core then
// counts the text itself rather than billing zero tokens. Embeddings report no completion.
inline std::optional<Usage> parseUsage(std::string_view usageJson, bool hasCompletion) {
  if (usageJson.empty() || usageJson.front() != '{') return std::nullopt;
  auto prompt = json_scan::findUint(usageJson, "prompt_tokens");
  auto completion = json_scan::findUint(usageJson, "completion_tokens");
  if (!prompt || (hasCompletion && !completion)) return std::nullopt;
  Usage u;
  u.promptTokens = *prompt;
  u.completionTokens = completion.value_or(0);
  if (auto details = json_scan::find(usageJson, "prompt_tokens_details"))
    u.cachedTokens = json_scan::findUint(details->value, "cached_tokens").value_or(0);
  if (auto details = json_scan::find(usageJson, "completion_tokens_details"))
    u.reasoningTokens = json_scan::findUint(details->value, "reasoning_tokens").value_or(0);
  return u;
}

// The upstream's error body, in whatever shape it came.
inline void emitUpstreamError(int status, std::string_view body, Emitter& emitter) {
  json parsed = json::parse(body, nullptr, false);
  std::string type;
  std::string code;
  std::string param;
  std::string message;
  if (parsed.is_object()) {
    const json* error = parsed.contains("error") ? &parsed["error"] : &parsed;
    if (error->is_object()) {
      auto text = [&](const char* name, std::string& out) {
        auto it = error->find(name);
        if (it == error->end()) return;
        if (it->is_string()) out = it->get<std::string>();
        if (it->is_number_integer()) out = std::to_string(it->get<int64_t>());  // some upstreams' codes are numbers
      };
      text("message", message);
      text("type", type);
      text("code", code);
      text("param", param);
    } else if (error->is_string()) {
      message = error->get<std::string>();
    }
  }
  if (message.empty()) {
    // Not JSON: keep a short, printable excerpt.
    for (char c : body.substr(0, 200)) message.push_back(c >= 0x20 && c < 0x7f ? c : ' ');
  }
  emitter.error(status, type, code, param, message);
}

class OpenAiStream final : public ResponseStream {
 public:
  OpenAiStream(bool stream, bool hasCompletion) : stream_(stream), hasCompletion_(hasCompletion) {}

  void onData(int status, std::string_view bytes, bool end, Emitter& emitter) override {
    if (status >= 400) {
      emitUpstreamError(status, bytes, emitter);
      return;
    }
    if (!stream_) {
      if (auto usage = json_scan::find(bytes, "usage"))
        if (auto u = parseUsage(usage->value, hasCompletion_)) emitter.usage(*u);
      emitter.chunk(bytes);
      return;
    }
    parser_.feed(bytes, [&](const SseEvent& event) { onEvent(event.data, emitter); });
    if (end && parser_.pending()) {
      // A final event without its blank line still counts.
      parser_.feed("\n\n", [&](const SseEvent& event) { onEvent(event.data, emitter); });
    }
  }

 private:
  void onEvent(std::string_view data, Emitter& emitter) {
    if (data == "[DONE]") return;
    static constexpr std::string_view kMembers[] = {"choices", "usage", "error"};
    std::optional<json_scan::Member> found[3];
    json_scan::findEach(data, kMembers, found);
    const auto& [choices, usage, error] = found;
    if (!choices && error) {
      emitUpstreamError(502, data, emitter);
      return;
    }
    uint32_t flags = 0;
    if (usage) {
      if (auto u = parseUsage(usage->value, hasCompletion_)) {
        emitter.usage(*u);
        if (!choices || json_scan::isEmptyArray(choices->value)) flags |= TP_CHUNK_USAGE_ONLY;
      }
    }
    emitter.chunk(data, flags);
  }

  bool stream_;
  bool hasCompletion_;
  SseParser parser_;
};

}  // namespace turnpike::sdk::openai_wire
