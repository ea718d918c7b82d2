#include "gemini/gemini_response.hpp"

#include <turnpike/encoding.hpp>

#include <cctype>
#include <chrono>
#include <cstring>

#include "gemini/tool_call_id.hpp"

namespace turnpike::gemini {

using nlohmann::json;
using sdk::Emitter;
using sdk::Usage;

namespace {

uint64_t count(const json& usage, const char* name) {
  auto it = usage.find(name);
  return it != usage.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
    text.replace(at, secret.size(), "[redacted]");
  return text;
}

const json& partsOf(const json& candidate) {
  static const json kNone = json::array();
  auto content = candidate.find("content");
  if (content == candidate.end() || !content->is_object()) return kNone;
  auto parts = content->find("parts");
  return parts != content->end() && parts->is_array() ? *parts : kNone;
}

bool isThought(const json& part) { return part.value("thought", false) == true; }

}  // namespace

std::optional<Usage> usageOf(const json& usageMetadata) {
  // Protobuf JSON leaves zero counts out, so any count makes it usage.
  if (!usageMetadata.is_object() ||
      (!usageMetadata.contains("promptTokenCount") && !usageMetadata.contains("totalTokenCount")))
    return std::nullopt;
  Usage u;
  u.promptTokens = count(usageMetadata, "promptTokenCount") + count(usageMetadata, "toolUsePromptTokenCount");
  u.cachedTokens = count(usageMetadata, "cachedContentTokenCount");
  u.reasoningTokens = count(usageMetadata, "thoughtsTokenCount");
  u.completionTokens = count(usageMetadata, "candidatesTokenCount") + u.reasoningTokens;
  return u;
}

json usageJson(const Usage& u) {
  return {{"prompt_tokens", u.promptTokens},
          {"completion_tokens", u.completionTokens},
          {"total_tokens", u.promptTokens + u.completionTokens},
          {"prompt_tokens_details", {{"cached_tokens", u.cachedTokens}, {"cache_write_tokens", 0}}},
          {"completion_tokens_details", {{"reasoning_tokens", u.reasoningTokens}}}};
}

std::string finishReasonOf(const std::string& reason, bool calledTools) {
  // Gemini says STOP after function calls, possibly in a later chunk than the calls.
  if (calledTools && (reason == "STOP" || reason.empty())) return "tool_calls";
  if (reason == "STOP") return "stop";
  if (reason == "MAX_TOKENS") return "length";
  static const char* kFiltered[] = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
                                    "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION"};
  for (const char* f : kFiltered)
    if (reason == f) return "content_filter";
  if (calledTools) return "tool_calls";
  return "stop";
}

void emitGeminiError(int status, std::string_view body, const std::string& secret, Emitter& emitter) {
  json parsed = json::parse(body, nullptr, false);
  std::string code;
  std::string message;
  if (parsed.is_array() && !parsed.empty()) parsed = parsed.front();  // the non-SSE stream shape
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    const json& error = parsed["error"];
    if (error.contains("status") && error["status"].is_string()) code = lower(error["status"]);
    if (error.contains("message") && error["message"].is_string()) message = error["message"];
  }
  if (message.empty())
    for (char c : body.substr(0, 200)) message.push_back(c >= 0x20 && c < 0x7f ? c : ' ');
  if (status < 400) status = 502;
  std::string type = status == 429 ? "rate_limit_error" : status < 500 ? "invalid_request_error" : "server_error";
  emitter.error(status, type, code, "", scrub(message, secret));
}

GeminiStream::GeminiStream(tp_operation operation, bool stream, std::string model, std::string secret,
                           bool base64Embeddings)
    : operation_(operation),
      stream_(stream),
      base64Embeddings_(base64Embeddings),
      model_(std::move(model)),
      secret_(std::move(secret)),
      created_(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count()),
      random_(std::random_device{}()) {
  id_ = "chatcmpl-" + randomHex(12);
}

std::string GeminiStream::randomHex(int bytes) {
  std::string raw;
  for (int i = 0; i < bytes; ++i) raw.push_back(static_cast<char>(random_() & 0xff));
  return sdk::encoding::hexEncode(raw);
}

void GeminiStream::onData(int status, std::string_view bytes, bool end, Emitter& emitter) {
  if (failed_) return;
  if (status >= 400) {
    failed_ = true;
    emitGeminiError(status, bytes, secret_, emitter);
    return;
  }
  if (!stream_ || operation_ != TP_OP_CHAT) {
    onWhole(bytes, emitter);
    return;
  }
  parser_.feed(bytes, [&](const sdk::SseEvent& event) { onFrame(event.data, emitter); });
  if (end) {
    // A final frame without its blank line still counts.
    if (parser_.pending()) parser_.feed("\n\n", [&](const sdk::SseEvent& event) { onFrame(event.data, emitter); });
    finishStream(emitter);
  }
}

void GeminiStream::onWhole(std::string_view body, Emitter& emitter) {
  json response = json::parse(body, nullptr, false);
  if (!response.is_object()) throw std::runtime_error("Gemini answered with a body that is not a JSON object");
  if (response.contains("error")) {
    failed_ = true;
    emitGeminiError(502, body, secret_, emitter);
    return;
  }
  switch (operation_) {
    case TP_OP_COUNT_TOKENS: {
      // Protobuf JSON leaves zero counts out.
      auto total = response.find("totalTokens");
      if (total != response.end() && !total->is_number_unsigned())
        throw std::runtime_error("Gemini's countTokens answer has no token count");
      emit({{"input_tokens", total != response.end() ? total->get<uint64_t>() : 0}}, emitter);
      return;
    }
    case TP_OP_EMBEDDING: onEmbeddings(response, emitter); return;
    default: onChat(response, emitter); return;
  }
}

json GeminiStream::toolCall(const json& part, Candidate& candidate) {
  const json& call = part["functionCall"];
  std::string given = call.is_object() ? call.value("id", "") : "";
  // Gemini often sends no id, or "" (pitfall of parallel calls sharing one): make a unique one.
  std::string callId = usableCallId(given) ? given : "call_" + std::to_string(candidate.toolCalls) + "_" + randomHex(8);
  std::string signature = part.contains("thoughtSignature") && part["thoughtSignature"].is_string()
                              ? part["thoughtSignature"].get<std::string>()
                              : std::string();
  json args = call.is_object() && call.contains("args") ? call["args"] : json::object();
  if (args.is_null()) args = json::object();
  candidate.calledTools = true;
  return {{"index", candidate.toolCalls++},
          {"id", encodeToolCallId(callId, signature)},
          {"type", "function"},
          {"function", {{"name", call.is_object() ? call.value("name", "") : ""}, {"arguments", dump(args)}}}};
}

void GeminiStream::onChat(const json& response, Emitter& emitter) {
  json choices = json::array();
  if (response.contains("candidates") && response["candidates"].is_array()) {
    for (const auto& c : response["candidates"]) {
      if (!c.is_object()) continue;
      int index = c.value("index", 0);
      Candidate& state = candidates_[index];
      std::string text;
      std::string reasoning;
      json calls = json::array();
      for (const auto& part : partsOf(c)) {
        if (!part.is_object()) continue;
        if (part.contains("functionCall")) {
          calls.push_back(toolCall(part, state));
        } else if (part.contains("text") && part["text"].is_string()) {
          (isThought(part) ? reasoning : text) += part["text"].get<std::string>();
        }
      }
      json message = {{"role", "assistant"}, {"content", text.empty() && !calls.empty() ? json() : json(text)}};
      if (!reasoning.empty()) message["reasoning_content"] = reasoning;
      if (!calls.empty()) message["tool_calls"] = calls;
      choices.push_back({{"index", index},
                         {"message", message},
                         {"finish_reason", finishReasonOf(c.value("finishReason", ""), state.calledTools)}});
    }
  }
  if (choices.empty()) {
    // Blocked prompts come back without candidates, the reason in promptFeedback.
    bool blocked = response.contains("promptFeedback") && response["promptFeedback"].is_object() &&
                   response["promptFeedback"].contains("blockReason");
    choices.push_back({{"index", 0},
                       {"message", {{"role", "assistant"}, {"content", ""}}},
                       {"finish_reason", blocked ? "content_filter" : "stop"}});
  }
  json completion = {{"id", id_}, {"object", "chat.completion"}, {"created", created_}, {"model", model_},
                     {"choices", choices}};
  if (auto usage = usageOf(response.value("usageMetadata", json()))) {
    completion["usage"] = usageJson(*usage);
    emitter.usage(*usage);
  }
  emit(completion, emitter);
}

void GeminiStream::onEmbeddings(const json& response, Emitter& emitter) {
  auto embeddings = response.find("embeddings");
  if (embeddings == response.end() || !embeddings->is_array())
    throw std::runtime_error("Gemini's batchEmbedContents answer has no embeddings");
  json data = json::array();
  for (size_t i = 0; i < embeddings->size(); ++i) {
    const json& values = (*embeddings)[i].value("values", json::array());
    json item = {{"object", "embedding"}, {"index", i}};
    if (base64Embeddings_) {
      // OpenAI's base64 form: little-endian float32s.
      std::string raw;
      for (const auto& v : values) {
        float f = v.is_number() ? v.get<float>() : 0.0f;
        char bytes[sizeof f];
        std::memcpy(bytes, &f, sizeof f);
        raw.append(bytes, sizeof f);
      }
      item["embedding"] = sdk::encoding::base64Encode(raw);
    } else {
      item["embedding"] = values;
    }
    data.push_back(std::move(item));
  }
  emit({{"object", "list"}, {"data", data}, {"model", model_}}, emitter);
}

json GeminiStream::chunk(int index, json delta, const json& finish) const {
  return {{"id", id_},
          {"object", "chat.completion.chunk"},
          {"created", created_},
          {"model", model_},
          {"choices", json::array({{{"index", index}, {"delta", std::move(delta)}, {"finish_reason", finish}}})}};
}

void GeminiStream::emit(const json& j, Emitter& emitter, uint32_t flags) const { emitter.chunk(dump(j), flags); }

void GeminiStream::onFrame(std::string_view data, Emitter& emitter) {
  if (failed_) return;
  json frame = json::parse(data, nullptr, false);
  if (!frame.is_object()) throw std::runtime_error("Gemini sent a stream frame that is not a JSON object");
  if (frame.contains("error")) {
    failed_ = true;
    int status = frame["error"].is_object() ? frame["error"].value("code", 502) : 502;
    emitGeminiError(status, data, secret_, emitter);
    return;
  }
  auto start = [&](int index, Candidate& state) {
    if (state.started) return;
    state.started = true;
    emit(chunk(index, {{"role", "assistant"}}), emitter);
  };
  bool any = false;
  if (frame.contains("candidates") && frame["candidates"].is_array()) {
    for (const auto& c : frame["candidates"]) {
      if (!c.is_object()) continue;
      any = true;
      int index = c.value("index", 0);
      Candidate& state = candidates_[index];
      start(index, state);
      for (const auto& part : partsOf(c)) {
        if (!part.is_object()) continue;
        if (part.contains("functionCall")) {
          emit(chunk(index, {{"tool_calls", json::array({toolCall(part, state)})}}), emitter);
        } else if (part.contains("text") && part["text"].is_string() && !part["text"].get<std::string>().empty()) {
          emit(chunk(index, {{isThought(part) ? "reasoning_content" : "content", part["text"]}}), emitter);
        }
      }
      if (c.contains("finishReason") && c["finishReason"].is_string() && !state.finished) {
        state.finished = true;
        emit(chunk(index, json::object(), finishReasonOf(c["finishReason"], state.calledTools)), emitter);
      }
    }
  }
  if (!any && frame.contains("promptFeedback") && frame["promptFeedback"].is_object() &&
      frame["promptFeedback"].contains("blockReason")) {
    Candidate& state = candidates_[0];
    start(0, state);
    if (!state.finished) {
      state.finished = true;
      emit(chunk(0, json::object(), "content_filter"), emitter);
    }
  }
  if (auto usage = usageOf(frame.value("usageMetadata", json()))) usage_ = usage;
}

void GeminiStream::finishStream(Emitter& emitter) {
  if (failed_ || !usage_) return;
  emitter.usage(*usage_);
  json last = {{"id", id_},         {"object", "chat.completion.chunk"}, {"created", created_},
               {"model", model_},   {"choices", json::array()},          {"usage", usageJson(*usage_)}};
  emit(last, emitter, TP_CHUNK_USAGE_ONLY);
}

}  // namespace turnpike::gemini
