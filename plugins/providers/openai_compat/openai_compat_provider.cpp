// openai_compat: any upstream that speaks the OpenAI HTTP API (OpenAI, Together, Mistral,
// Groq, vLLM, llama.cpp server, Ollama, another Turnpike). Requests already have the OpenAI
// shape, so they go out as they are; responses come back as they are, with usage picked out
// by a scan instead of a parse.
#include <turnpike/plugin.hpp>

#include "openai_wire.hpp"
#include "provider_config.hpp"

#include <nlohmann/json.hpp>

namespace {

using namespace turnpike::sdk;
using nlohmann::json;
using namespace provider_config;
using openai_wire::OpenAiStream;

constexpr const char* kSchema = R"json({
  "base_url": {"type": "string", "required": true,
               "doc": "API root including the version path, e.g. https://api.openai.com/v1"},
  "api_key": {"type": "string", "secret": true, "doc": "sent as Authorization: Bearer <api_key>"},
  "headers": {"type": "object", "secret": true,
              "doc": "extra headers on every upstream request (values are treated as secrets)"}
})json";

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
    headers_ = configHeaders(config);
  }

  void listModels(ModelSink& sink) override {
    json body = discoveryGet(host_, baseUrl_ + "/models", requestHeaders(), "GET /models");
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
      case TP_OP_COUNT_TOKENS: throw std::invalid_argument("OpenAI-compatible upstreams do not count tokens");
    }
    request.setMethod("POST");
    request.addHeader("Content-Type", "application/json");
    for (const auto& [n, v] : requestHeaders()) request.addHeader(n, v);
    request.setBody(call.body);
    return Dispatch::Http;
  }

  std::unique_ptr<ResponseStream> openStream(const Call& call) override {
    return std::make_unique<OpenAiStream>(call.stream, call.operation != TP_OP_EMBEDDING);
  }

 private:
  Headers requestHeaders() const { return withCredential("Authorization", authorization_, headers_); }

  Host host_;
  std::string baseUrl_;
  std::string authorization_;
  Headers headers_;
};

}  // namespace

TURNPIKE_PROVIDER_PLUGIN(OpenAiCompatProvider, "openai_compat", "1.0.0", kSchema)
