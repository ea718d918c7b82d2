// mock: answers locally and deterministically, so the gateway runs, streams and can be tested
// with no upstream and no secrets. The reply echoes the last user message; tools get a tool
// call; embeddings are stable unit vectors derived from the text (float or base64, as the
// official SDKs ask); usage is estimated at four characters per token.
#include <turnpike/plugin.hpp>

#include <chrono>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

namespace {

using namespace turnpike::sdk;
using nlohmann::json;

constexpr const char* kSchema = R"json({
  "reply_prefix": {"type": "string", "default": "Mock reply",
                   "doc": "text the reply starts with, before the echoed user message"},
  "embedding_dimensions": {"type": "integer", "default": 8,
                           "doc": "length of embedding vectors unless the request sets dimensions"}
})json";

uint64_t fnv1a(std::string_view s, uint64_t seed = 1469598103934665603ull) {
  uint64_t h = seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string textOf(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array()) {
    for (const auto& part : content)
      if (part.is_object() && part.value("type", "") == "text" && part.contains("text") && part["text"].is_string())
        out += part["text"].get<std::string>();
  }
  return out;
}

uint64_t estimateTokens(size_t chars) { return std::max<uint64_t>(1, (chars + 3) / 4); }

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ' ') {
      out.push_back(text.substr(start, i - start));
      start = i;
    }
  }
  return out;
}

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
  }
  if (i + 1 == bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class NoStream final : public ResponseStream {
 public:
  void onData(int, std::string_view, bool, Emitter& emitter) override {
    emitter.error(500, "mock_error", "the mock provider has no upstream");
  }
};

class MockProvider final : public Provider {
 public:
  MockProvider(Host, std::string_view configJson) {
    json config = json::parse(configJson);
    prefix_ = config.value("reply_prefix", "Mock reply");
    dimensions_ = config.value("embedding_dimensions", 8);
    if (dimensions_ < 1 || dimensions_ > 8192) throw std::invalid_argument("embedding_dimensions must be 1..8192");
  }

  Dispatch buildRequest(const Call&, UpstreamRequest&) override { return Dispatch::Local; }
  std::unique_ptr<ResponseStream> openStream(const Call&) override { return std::make_unique<NoStream>(); }

  void respondLocal(const Call& call, Emitter& emitter) override {
    json request = json::parse(call.body);
    switch (call.operation) {
      case TP_OP_CHAT: chat(call, request, emitter); break;
      case TP_OP_COMPLETION: completion(call, request, emitter); break;
      case TP_OP_EMBEDDING: embedding(call, request, emitter); break;
    }
  }

 private:
  struct Answer {
    std::string text;
    uint64_t promptTokens = 0;
    uint64_t completionTokens = 0;
    std::string finishReason = "stop";
  };

  Answer answer(const std::string& model, const std::string& input, size_t promptChars, const json& request) const {
    Answer a;
    std::string echo = input.size() > 200 ? input.substr(0, 200) : input;
    auto pieces = words(prefix_ + " from " + model + ": " + echo);
    uint64_t limit = UINT64_MAX;
    for (const char* key : {"max_completion_tokens", "max_tokens"})
      if (request.contains(key) && request[key].is_number_unsigned()) limit = request[key].get<uint64_t>();
    if (pieces.size() > limit) {
      pieces.resize(limit);
      a.finishReason = "length";
    }
    for (const auto& p : pieces) a.text += p;
    a.promptTokens = estimateTokens(promptChars);
    a.completionTokens = pieces.size();
    return a;
  }

  static json usageJson(const Answer& a, uint64_t choices) {
    uint64_t completion = a.completionTokens * choices;
    return json{{"prompt_tokens", a.promptTokens},
                {"completion_tokens", completion},
                {"total_tokens", a.promptTokens + completion},
                {"prompt_tokens_details", {{"cached_tokens", 0}}},
                {"completion_tokens_details", {{"reasoning_tokens", 0}}}};
  }

  static void emitUsage(Emitter& emitter, const Answer& a, uint64_t choices) {
    Usage u;
    u.promptTokens = a.promptTokens;
    u.completionTokens = a.completionTokens * choices;
    emitter.usage(u);
  }

  // The tool the request forces or offers first; empty when the model should just talk.
  static std::string toolToCall(const json& request) {
    if (!request.contains("tools") || !request["tools"].is_array() || request["tools"].empty()) return {};
    const json& choice = request.value("tool_choice", json("auto"));
    if (choice.is_string() && choice.get<std::string>() == "none") return {};
    if (choice.is_object() && choice.contains("function")) return choice["function"].value("name", "");
    const json& first = request["tools"][0];
    return first.contains("function") ? first["function"].value("name", "") : "";
  }

  void chat(const Call& call, const json& request, Emitter& emitter) const {
    std::string lastUser;
    size_t promptChars = 0;
    for (const auto& m : request["messages"]) {
      std::string text = m.contains("content") ? textOf(m["content"]) : "";
      promptChars += text.size();
      if (m.value("role", "") == "user") lastUser = text;
    }
    Answer a = answer(std::string(call.model), lastUser, promptChars, request);
    uint64_t n = request.contains("n") && request["n"].is_number_unsigned() ? request["n"].get<uint64_t>() : 1;
    std::string tool = toolToCall(request);
    std::string id = "chatcmpl-mock-" + std::to_string(fnv1a(call.body) % 1000000000000ull);
    json toolCalls;
    if (!tool.empty()) {
      toolCalls = json::array({{{"id", "call_mock_" + std::to_string(fnv1a(tool) % 100000000ull)},
                                {"type", "function"},
                                {"function", {{"name", tool}, {"arguments", json{{"input", lastUser}}.dump()}}}}});
      a.finishReason = "tool_calls";
    }
    if (!call.stream) {
      json choices = json::array();
      for (uint64_t i = 0; i < n; ++i) {
        json message{{"role", "assistant"}, {"content", tool.empty() ? json(a.text) : json(nullptr)}};
        if (!tool.empty()) message["tool_calls"] = toolCalls;
        choices.push_back({{"index", i}, {"message", message}, {"logprobs", nullptr}, {"finish_reason", a.finishReason}});
      }
      json body{{"id", id},         {"object", "chat.completion"}, {"created", now()},
                {"model", call.model}, {"choices", choices},        {"usage", usageJson(a, n)}};
      emitUsage(emitter, a, n);
      emitter.chunk(body.dump());
      return;
    }
    int64_t created = now();
    auto chunk = [&](uint64_t index, json delta, json finish) {
      json c{{"id", id},
             {"object", "chat.completion.chunk"},
             {"created", created},
             {"model", call.model},
             {"choices", json::array({{{"index", index}, {"delta", delta}, {"logprobs", nullptr}, {"finish_reason", finish}}})}};
      emitter.chunk(c.dump());
    };
    for (uint64_t i = 0; i < n; ++i) {
      if (!tool.empty()) {
        json call0 = toolCalls[0];
        call0["index"] = 0;
        chunk(i, {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", json::array({call0})}}, nullptr);
      } else {
        chunk(i, {{"role", "assistant"}, {"content", ""}}, nullptr);
        for (const auto& w : words(a.text)) chunk(i, {{"content", w}}, nullptr);
      }
      chunk(i, json::object(), a.finishReason);
    }
    json usageChunk{{"id", id},         {"object", "chat.completion.chunk"}, {"created", created},
                    {"model", call.model}, {"choices", json::array()},          {"usage", usageJson(a, n)}};
    emitUsage(emitter, a, n);
    emitter.chunk(usageChunk.dump(), TP_CHUNK_USAGE_ONLY);
  }

  void completion(const Call& call, const json& request, Emitter& emitter) const {
    std::string prompt;
    if (request["prompt"].is_string()) {
      prompt = request["prompt"];
    } else {
      for (const auto& p : request["prompt"])
        if (p.is_string()) prompt += p.get<std::string>();
    }
    Answer a = answer(std::string(call.model), prompt, prompt.size(), request);
    std::string id = "cmpl-mock-" + std::to_string(fnv1a(call.body) % 1000000000000ull);
    int64_t created = now();
    if (!call.stream) {
      json body{{"id", id},
                {"object", "text_completion"},
                {"created", created},
                {"model", call.model},
                {"choices", json::array({{{"index", 0}, {"text", a.text}, {"logprobs", nullptr}, {"finish_reason", a.finishReason}}})},
                {"usage", usageJson(a, 1)}};
      emitUsage(emitter, a, 1);
      emitter.chunk(body.dump());
      return;
    }
    for (const auto& w : words(a.text)) {
      json c{{"id", id},           {"object", "text_completion"}, {"created", created}, {"model", call.model},
             {"choices", json::array({{{"index", 0}, {"text", w}, {"logprobs", nullptr}, {"finish_reason", nullptr}}})}};
      emitter.chunk(c.dump());
    }
    json last{{"id", id},          {"object", "text_completion"}, {"created", created}, {"model", call.model},
              {"choices", json::array({{{"index", 0}, {"text", ""}, {"logprobs", nullptr}, {"finish_reason", a.finishReason}}})}};
    emitter.chunk(last.dump());
    json usageChunk{{"id", id},         {"object", "text_completion"}, {"created", created},
                    {"model", call.model}, {"choices", json::array()},    {"usage", usageJson(a, 1)}};
    emitUsage(emitter, a, 1);
    emitter.chunk(usageChunk.dump(), TP_CHUNK_USAGE_ONLY);
  }

  void embedding(const Call& call, const json& request, Emitter& emitter) const {
    std::vector<std::string> inputs;
    const json& in = request["input"];
    if (in.is_string()) {
      inputs.push_back(in);
    } else {
      for (const auto& item : in) inputs.push_back(item.is_string() ? item.get<std::string>() : item.dump());
    }
    int dims = request.contains("dimensions") && request["dimensions"].is_number_unsigned() ? request["dimensions"].get<int>() : dimensions_;
    if (dims < 1 || dims > 8192) throw std::invalid_argument("dimensions must be between 1 and 8192");
    bool asBase64 = request.value("encoding_format", "float") == "base64";
    json data = json::array();
    size_t chars = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      chars += inputs[i].size();
      std::vector<float> v(static_cast<size_t>(dims));
      double norm = 0;
      for (int d = 0; d < dims; ++d) {
        uint64_t h = fnv1a(inputs[i], 1469598103934665603ull + static_cast<uint64_t>(d) * 7919);
        v[static_cast<size_t>(d)] = static_cast<float>((h % 20001) / 10000.0 - 1.0);
        norm += v[static_cast<size_t>(d)] * v[static_cast<size_t>(d)];
      }
      norm = std::sqrt(norm);
      for (auto& x : v) x = norm > 0 ? static_cast<float>(x / norm) : 0.0f;
      json item{{"object", "embedding"}, {"index", i}};
      if (asBase64) {
        std::string bytes(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
        item["embedding"] = base64(bytes);
      } else {
        item["embedding"] = v;
      }
      data.push_back(std::move(item));
    }
    uint64_t tokens = estimateTokens(chars);
    json body{{"object", "list"},
              {"data", data},
              {"model", call.model},
              {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
    Usage u;
    u.promptTokens = tokens;
    emitter.usage(u);
    emitter.chunk(body.dump());
  }

  std::string prefix_;
  int dimensions_;
};

}  // namespace

TURNPIKE_PROVIDER_PLUGIN(MockProvider, "mock", "1.0.0", kSchema)
