#include "mock/mock_reply.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "mock/schema_instance.hpp"

namespace turnpike::mock {

namespace {

using nlohmann::json;

constexpr std::string_view kFailPrefix = "mock:fail=";
// Echoed text and string arguments are cut here, so a long prompt does not make a long answer.
constexpr size_t kEchoChars = 200;

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

std::string cut(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  std::string out = text.substr(0, max);
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
  if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
  return out;
}

// Words with their leading space: the stream's text deltas, one token each.
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

// JSON text in four-byte pieces (never splitting a UTF-8 sequence): one token each.
std::vector<std::string> tokenPieces(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + 4);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    out.push_back(text.substr(start, end - start));
    start = end;
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

uint64_t outputLimit(const json& request) {
  uint64_t limit = UINT64_MAX;
  for (const char* key : {"max_completion_tokens", "max_tokens"})
    if (request.contains(key) && request[key].is_number_unsigned()) limit = request[key].get<uint64_t>();
  return limit;
}

uint64_t choiceCount(const json& request) {
  return request.contains("n") && request["n"].is_number_unsigned() ? std::max<uint64_t>(1, request["n"].get<uint64_t>()) : 1;
}

// OpenAI caches prompts of 1024 tokens and more, in steps of 128: half of such a prompt is
// reported cached, as if an earlier request had shared its first half.
uint64_t cachedTokens(uint64_t promptTokens) { return promptTokens < 1024 ? 0 : promptTokens / 2 / 128 * 128; }

// Reasoning models think before they answer: hidden tokens, a multiple of the visible ones.
uint64_t reasoningFactor(const json& request) {
  if (!request.contains("reasoning_effort") || !request["reasoning_effort"].is_string()) return 0;
  std::string effort = request["reasoning_effort"];
  if (effort == "low") return 1;
  if (effort == "medium") return 2;
  if (effort == "high") return 4;
  return 0;
}

struct Tokens {
  uint64_t prompt = 0;
  uint64_t completion = 0;  // visible + reasoning, per choice
  uint64_t reasoning = 0;
};

Tokens tokens(const json& request, uint64_t promptChars, uint64_t visible) {
  Tokens t;
  t.prompt = estimateTokens(promptChars);
  uint64_t limit = outputLimit(request);
  uint64_t room = limit > visible ? limit - visible : 0;
  t.reasoning = std::min(room, visible * reasoningFactor(request));
  t.completion = visible + t.reasoning;
  return t;
}

json usageJson(const Tokens& t, uint64_t choices) {
  uint64_t completion = t.completion * choices;
  return json{{"prompt_tokens", t.prompt},
              {"completion_tokens", completion},
              {"total_tokens", t.prompt + completion},
              {"prompt_tokens_details", {{"cached_tokens", cachedTokens(t.prompt)}, {"audio_tokens", 0}}},
              {"completion_tokens_details", {{"reasoning_tokens", t.reasoning * choices}, {"audio_tokens", 0}}}};
}

sdk::Usage usageOf(const Tokens& t, uint64_t choices) {
  sdk::Usage u;
  u.promptTokens = t.prompt;
  u.completionTokens = t.completion * choices;
  u.cachedTokens = cachedTokens(t.prompt);
  u.reasoningTokens = t.reasoning * choices;
  return u;
}

// The conversation as the mock reads it.
struct Conversation {
  std::string lastUser;
  size_t promptChars = 0;
  // The tool results after the last assistant turn: the model now answers from them.
  std::vector<std::pair<std::string, std::string>> toolResults;  // (tool name, content)
};

Conversation readConversation(const json& messages) {
  Conversation c;
  if (!messages.is_array()) return c;
  std::vector<std::pair<std::string, std::string>> callNames;  // (call id, tool name)
  for (const auto& m : messages) {
    if (!m.is_object()) continue;
    std::string role = m.value("role", "");
    std::string text = m.contains("content") ? textOf(m["content"]) : "";
    c.promptChars += text.size();
    if (role == "tool") {
      std::string id = m.value("tool_call_id", "");
      std::string name = "the tool";
      for (const auto& [callId, callName] : callNames)
        if (callId == id) name = callName;
      c.toolResults.emplace_back(name, text);
      continue;
    }
    c.toolResults.clear();
    if (role == "user") c.lastUser = text;
    if (role == "assistant" && m.contains("tool_calls") && m["tool_calls"].is_array()) {
      for (const auto& call : m["tool_calls"]) {
        if (!call.is_object() || !call.contains("function") || !call["function"].is_object()) continue;
        std::string id = call.contains("id") && call["id"].is_string() ? call["id"].get<std::string>() : "";
        callNames.emplace_back(id, call["function"].value("name", ""));
      }
    }
  }
  return c;
}

const json* functionOf(const json& tool) {
  if (!tool.is_object() || !tool.contains("function") || !tool["function"].is_object()) return nullptr;
  const json& f = tool["function"];
  return f.contains("name") && f["name"].is_string() ? &f : nullptr;
}

// The functions to call: none when the model should talk (no tools, tool_choice "none", or the
// tool results are in); the forced one; every offered tool the prompt names when parallel calls
// are allowed, else the first named; else the first offered.
std::vector<const json*> functionsToCall(const json& request, const Conversation& c) {
  std::vector<const json*> offered;
  if (request.contains("tools") && request["tools"].is_array())
    for (const auto& t : request["tools"])
      if (const json* f = functionOf(t)) offered.push_back(f);
  if (offered.empty() || !c.toolResults.empty()) return {};
  json choice = request.contains("tool_choice") ? request["tool_choice"] : json("auto");
  if (choice.is_string() && choice.get<std::string>() == "none") return {};
  if (choice.is_object()) {
    std::string forced = choice.contains("function") && choice["function"].is_object() ? choice["function"].value("name", "") : "";
    for (const json* f : offered)
      if ((*f)["name"] == forced) return {f};
  }
  std::vector<const json*> named;
  for (const json* f : offered)
    if (c.lastUser.find((*f)["name"].get<std::string>()) != std::string::npos) named.push_back(f);
  bool parallel = !(request.contains("parallel_tool_calls") && request["parallel_tool_calls"] == false);
  if (named.size() > 1 && parallel) return named;
  return {named.empty() ? offered.front() : named.front()};
}

// The text the model writes: an echo of the prompt, or what the tools returned.
std::string spokenText(const ReplyOptions& options, std::string_view model, const Conversation& c) {
  std::string out = options.prefix + " from " + std::string(model) + ": ";
  if (c.toolResults.empty()) return out + cut(c.lastUser, kEchoChars);
  for (size_t i = 0; i < c.toolResults.size(); ++i) {
    if (i > 0) out += "; ";
    out += c.toolResults[i].first + " returned " + cut(c.toolResults[i].second, kEchoChars);
  }
  return out;
}

// Structured output asked with response_format, as JSON text; empty for plain text.
std::string structuredText(const json& request, const std::string& spoken, const std::string& seed) {
  if (!request.contains("response_format") || !request["response_format"].is_object()) return {};
  const json& format = request["response_format"];
  std::string type = format.value("type", "");
  if (type == "json_object") return json{{"reply", spoken}}.dump();
  if (type == "json_schema" && format.contains("json_schema") && format["json_schema"].is_object()) {
    const json& spec = format["json_schema"];
    return schemaInstance(spec.contains("schema") ? spec["schema"] : json::object(), seed).dump();
  }
  return {};
}

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;
};

json toolCallJson(const ToolCall& t) {
  return {{"id", t.id}, {"type", "function"}, {"function", {{"name", t.name}, {"arguments", t.arguments}}}};
}

class ChatWriter {
 public:
  ChatWriter(std::string_view model, std::string id) : model_(model), id_(std::move(id)), created_(now()) {}

  std::string chunk(uint64_t index, json delta, json finish) const {
    return json{{"id", id_},
                {"object", "chat.completion.chunk"},
                {"created", created_},
                {"model", model_},
                {"choices", json::array({{{"index", index}, {"delta", std::move(delta)}, {"logprobs", nullptr}, {"finish_reason", std::move(finish)}}})}}
        .dump();
  }
  std::string usageChunk(const json& usage) const {
    return json{{"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_}, {"model", model_}, {"choices", json::array()}, {"usage", usage}}
        .dump();
  }
  std::string whole(const json& choices, const json& usage) const {
    return json{{"id", id_}, {"object", "chat.completion"}, {"created", created_}, {"model", model_}, {"choices", choices}, {"usage", usage}}
        .dump();
  }

 private:
  std::string model_;
  std::string id_;
  int64_t created_;
};

Reply chat(const ReplyOptions& options, std::string_view model, bool stream, const json& request) {
  Conversation c = readConversation(request.contains("messages") ? request["messages"] : json());
  uint64_t n = choiceCount(request);
  std::string body = request.dump();
  ChatWriter writer(model, "chatcmpl-mock-" + std::to_string(fnv1a(body) % 1000000000000ull));
  std::string seed = cut(c.lastUser, kEchoChars);

  std::vector<ToolCall> calls;
  for (const json* f : functionsToCall(request, c)) {
    std::string name = (*f)["name"];
    json parameters = f->contains("parameters") ? (*f)["parameters"] : json{{"type", "object"}};
    calls.push_back(ToolCall{"call_mock_" + std::to_string(fnv1a(name + "\n" + seed, calls.size() + 1) % 100000000ull), name,
                             schemaInstance(parameters, seed).dump()});
  }
  std::string spoken = spokenText(options, model, c);
  std::string structured = calls.empty() ? structuredText(request, spoken, seed) : std::string();
  std::vector<std::string> pieces = structured.empty() ? words(spoken) : tokenPieces(structured);
  std::string finish = "stop";
  uint64_t visible = 0;
  if (!calls.empty()) {
    finish = "tool_calls";
    for (const auto& t : calls) visible += 1 + tokenPieces(t.arguments).size();
    pieces.clear();
  } else {
    uint64_t limit = outputLimit(request);
    if (pieces.size() > limit) {
      pieces.resize(limit);
      finish = "length";
    }
    visible = pieces.size();
  }
  Tokens t = tokens(request, c.promptChars, visible);
  json usage = usageJson(t, n);
  Reply r;
  r.usage = usageOf(t, n);
  std::string text;
  for (const auto& p : pieces) text += p;

  if (!stream) {
    json choices = json::array();
    for (uint64_t i = 0; i < n; ++i) {
      json message{{"role", "assistant"}, {"content", calls.empty() ? json(text) : json(nullptr)}, {"refusal", nullptr}};
      if (!calls.empty()) {
        message["tool_calls"] = json::array();
        for (const auto& call : calls) message["tool_calls"].push_back(toolCallJson(call));
      }
      choices.push_back({{"index", i}, {"message", message}, {"logprobs", nullptr}, {"finish_reason", finish}});
    }
    r.frames.push_back({writer.whole(choices, usage)});
    return r;
  }
  for (uint64_t i = 0; i < n; ++i) {
    if (calls.empty()) {
      r.frames.push_back({writer.chunk(i, {{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}}, nullptr)});
      for (const auto& p : pieces) r.frames.push_back({writer.chunk(i, {{"content", p}}, nullptr)});
    }
    // Tool calls as OpenAI streams them: id, type and name first, the arguments in pieces.
    for (size_t k = 0; k < calls.size(); ++k) {
      json head{{"index", k}, {"id", calls[k].id}, {"type", "function"}, {"function", {{"name", calls[k].name}, {"arguments", ""}}}};
      json delta{{"tool_calls", json::array({head})}};
      if (k == 0) delta = {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", json::array({head})}};
      r.frames.push_back({writer.chunk(i, delta, nullptr)});
      for (const auto& p : tokenPieces(calls[k].arguments))
        r.frames.push_back({writer.chunk(i, {{"tool_calls", json::array({{{"index", k}, {"function", {{"arguments", p}}}}})}}, nullptr)});
    }
    r.frames.push_back({writer.chunk(i, json::object(), finish)});
  }
  r.frames.push_back({writer.usageChunk(usage), TP_CHUNK_USAGE_ONLY});
  return r;
}

Reply completion(const ReplyOptions& options, std::string_view model, bool stream, const json& request) {
  std::string prompt;
  if (request.contains("prompt") && request["prompt"].is_string()) {
    prompt = request["prompt"];
  } else if (request.contains("prompt") && request["prompt"].is_array()) {
    for (const auto& p : request["prompt"])
      if (p.is_string()) prompt += p.get<std::string>();
  }
  auto pieces = words(options.prefix + " from " + std::string(model) + ": " + cut(prompt, kEchoChars));
  std::string finish = "stop";
  if (pieces.size() > outputLimit(request)) {
    pieces.resize(outputLimit(request));
    finish = "length";
  }
  Tokens t = tokens(request, prompt.size(), pieces.size());
  json usage = usageJson(t, 1);
  Reply r;
  r.usage = usageOf(t, 1);
  std::string id = "cmpl-mock-" + std::to_string(fnv1a(request.dump()) % 1000000000000ull);
  int64_t created = now();
  auto frame = [&](const std::string& text, json finishReason) {
    return json{{"id", id},
                {"object", "text_completion"},
                {"created", created},
                {"model", model},
                {"choices", json::array({{{"index", 0}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", std::move(finishReason)}}})}};
  };
  if (!stream) {
    std::string text;
    for (const auto& p : pieces) text += p;
    json body = frame(text, finish);
    body["usage"] = usage;
    r.frames.push_back({body.dump()});
    return r;
  }
  for (const auto& p : pieces) r.frames.push_back({frame(p, nullptr).dump()});
  r.frames.push_back({frame("", finish).dump()});
  json last{{"id", id}, {"object", "text_completion"}, {"created", created}, {"model", model}, {"choices", json::array()}, {"usage", usage}};
  r.frames.push_back({last.dump(), TP_CHUNK_USAGE_ONLY});
  return r;
}

Reply embedding(const ReplyOptions& options, std::string_view model, const json& request) {
  std::vector<std::string> inputs;
  const json& in = request.at("input");
  if (in.is_string()) {
    inputs.push_back(in);
  } else {
    for (const auto& item : in) inputs.push_back(item.is_string() ? item.get<std::string>() : item.dump());
  }
  int dims = request.contains("dimensions") && request["dimensions"].is_number_unsigned() ? request["dimensions"].get<int>() : options.dimensions;
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
  uint64_t promptTokens = estimateTokens(chars);
  json body{{"object", "list"}, {"data", data}, {"model", model}, {"usage", {{"prompt_tokens", promptTokens}, {"total_tokens", promptTokens}}}};
  Reply r;
  r.usage.promptTokens = promptTokens;
  r.frames.push_back({body.dump()});
  return r;
}

}  // namespace

Failure failureAsked(tp_operation operation, const json& request) {
  std::string text;
  if (operation == TP_OP_CHAT) {
    text = readConversation(request.contains("messages") ? request["messages"] : json()).lastUser;
  } else if (operation == TP_OP_COMPLETION && request.contains("prompt") && request["prompt"].is_string()) {
    text = request["prompt"];
  }
  if (text.rfind(kFailPrefix, 0) != 0) return Failure::None;
  std::string mode = text.substr(kFailPrefix.size(), text.find_first_of(" \n\t", kFailPrefix.size()) - kFailPrefix.size());
  if (mode == "429") return Failure::RateLimit;
  if (mode == "500") return Failure::ServerError;
  if (mode == "stream-error") return Failure::StreamError;
  if (mode == "timeout") return Failure::Timeout;
  if (mode == "drop") return Failure::Drop;
  throw std::invalid_argument("unknown mock failure '" + cut(mode, 40) + "' (429, 500, stream-error, timeout, drop)");
}

Reply reply(const ReplyOptions& options, tp_operation operation, std::string_view model, bool stream, const json& request) {
  switch (operation) {
    case TP_OP_CHAT: return chat(options, model, stream, request);
    case TP_OP_COMPLETION: return completion(options, model, stream, request);
    case TP_OP_EMBEDDING: return embedding(options, model, request);
    case TP_OP_COUNT_TOKENS: break;  // the host estimates: the mock declares no counting
  }
  throw std::invalid_argument("unknown operation");
}

}  // namespace turnpike::mock
