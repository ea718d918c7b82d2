// openai_compat: any upstream that speaks the OpenAI HTTP API (OpenAI, Together, Mistral,
// Groq, vLLM, llama.cpp server, Ollama, another Turnpike). Requests already have the OpenAI
// shape, so they go out as they are; responses come back as they are, with usage picked out
// by a scan instead of a parse.
#include <turnpike/json_scan.hpp>
#include <turnpike/plugin.hpp>
#include <turnpike/sse_parser.hpp>

#include <nlohmann/json.hpp>

namespace {

using namespace turnpike::sdk;
using nlohmann::json;

constexpr const char* kSchema = R"json({
  "base_url": {"type": "string", "required": true,
               "doc": "API root including the version path, e.g. https://api.openai.com/v1"},
  "api_key": {"type": "string", "secret": true, "doc": "sent as Authorization: Bearer <api_key>"},
  "headers": {"type": "object", "secret": true,
              "doc": "extra headers on every upstream request (values are treated as secrets)"}
})json";

// Usage without its token counts (absent, null, fractional, renamed) is no usage: the core then
// counts the text itself rather than billing zero tokens. Embeddings report no completion.
std::optional<Usage> parseUsage(std::string_view usageJson, bool hasCompletion) {
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
void emitUpstreamError(int status, std::string_view body, Emitter& emitter) {
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

class OpenAiCompatProvider final : public Provider {
 public:
  OpenAiCompatProvider(Host host, std::string_view configJson) : host_(host) {
    json config = json::parse(configJson);
    baseUrl_ = config.at("base_url").get<std::string>();
    if (baseUrl_.rfind("http://", 0) != 0 && baseUrl_.rfind("https://", 0) != 0)
      throw std::invalid_argument("base_url must start with http:// or https://");
    while (!baseUrl_.empty() && baseUrl_.back() == '/') baseUrl_.pop_back();
    if (config.contains("api_key") && !config["api_key"].get<std::string>().empty())
      authorization_ = "Bearer " + config["api_key"].get<std::string>();
    if (config.contains("headers")) {
      for (auto& [name, value] : config["headers"].items()) {
        if (!value.is_string()) throw std::invalid_argument("headers." + name + " must be a string");
        headers_.emplace_back(name, value.get<std::string>());
      }
    }
  }

  void listModels(ModelSink& sink) override {
    HttpRequest request;
    request.url = baseUrl_ + "/models";
    addAuth(request.headers);
    request.timeoutMs = 15'000;
    HttpResponse response = host_.http(request);
    if (response.status < 0) throw std::runtime_error("GET /models failed: " + response.error);
    if (!response.ok()) throw std::runtime_error("GET /models answered HTTP " + std::to_string(response.status));
    json body = json::parse(response.body, nullptr, false);
    const json* data = body.is_object() && body.contains("data") ? &body["data"] : nullptr;
    if (data == nullptr || !data->is_array()) throw std::runtime_error("GET /models returned no data list");
    for (const auto& m : *data) {
      if (!m.is_object() || !m.contains("id") || !m["id"].is_string()) continue;
      ModelInfo info;
      info.id = m["id"];
      if (m.contains("owned_by") && m["owned_by"].is_string()) info.ownedBy = m["owned_by"];
      for (const char* key : {"context_length", "context_window", "max_model_len"})
        if (m.contains(key) && m[key].is_number_unsigned()) info.contextLength = m[key];
      sink.add(info);
    }
  }

  Dispatch buildRequest(const Call& call, UpstreamRequest& request) override {
    switch (call.operation) {
      case TP_OP_CHAT: request.setUrl(baseUrl_ + "/chat/completions"); break;
      case TP_OP_COMPLETION: request.setUrl(baseUrl_ + "/completions"); break;
      case TP_OP_EMBEDDING: request.setUrl(baseUrl_ + "/embeddings"); break;
    }
    request.setMethod("POST");
    request.addHeader("Content-Type", "application/json");
    if (!authorization_.empty()) request.addHeader("Authorization", authorization_);
    for (const auto& [n, v] : headers_) request.addHeader(n, v);
    request.setBody(call.body);
    return Dispatch::Http;
  }

  std::unique_ptr<ResponseStream> openStream(const Call& call) override {
    return std::make_unique<OpenAiStream>(call.stream, call.operation != TP_OP_EMBEDDING);
  }

 private:
  void addAuth(std::vector<std::pair<std::string, std::string>>& headers) const {
    if (!authorization_.empty()) headers.emplace_back("Authorization", authorization_);
    for (const auto& h : headers_) headers.push_back(h);
  }

  Host host_;
  std::string baseUrl_;
  std::string authorization_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace

TURNPIKE_PROVIDER_PLUGIN(OpenAiCompatProvider, "openai_compat", "1.0.0", kSchema)
