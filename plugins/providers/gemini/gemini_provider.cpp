// gemini: Google's Gemini REST API (generativelanguage.googleapis.com) behind the canonical
// OpenAI chat form. Requests are translated to generateContent / streamGenerateContent (SSE),
// countTokens and batchEmbedContents; responses come back as chat.completion objects and chunks.
#include <turnpike/encoding.hpp>
#include <turnpike/json_scan.hpp>
#include <turnpike/plugin.hpp>

#include <nlohmann/json.hpp>

#include "gemini/gemini_request.hpp"
#include "gemini/gemini_response.hpp"
#include "provider_config.hpp"

namespace {

using namespace turnpike::sdk;
using nlohmann::json;
using namespace provider_config;
namespace gemini = turnpike::gemini;

constexpr const char* kSchema = R"json({
  "base_url": {"type": "string", "default": "https://generativelanguage.googleapis.com/v1beta",
               "doc": "API root including the version path"},
  "api_key": {"type": "string", "secret": true, "doc": "sent as x-goog-api-key (never in the URL)"},
  "headers": {"type": "object", "secret": true,
              "doc": "extra headers on every upstream request (values are treated as secrets)"},
  "safety_settings": {"type": "array",
                      "doc": "Gemini safetySettings sent with every generation: [{category, threshold}, ...]"}
})json";

constexpr int kMaxModelPages = 20;

bool headerSafe(std::string_view s) {
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

// Model ids go into the URL path: only the characters Gemini's own ids use.
std::string modelPath(std::string_view upstream) {
  if (upstream.rfind("models/", 0) == 0) upstream.remove_prefix(7);
  if (upstream.empty()) throw std::invalid_argument("the model has no upstream id");
  for (char c : upstream) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.';
    if (!ok) throw std::invalid_argument("Gemini model ids hold only letters, digits, '-', '_' and '.'");
  }
  return std::string(upstream);
}

class GeminiProvider final : public Provider {
 public:
  static constexpr uint32_t kCapabilities = TP_PROVIDER_COUNTS_TOKENS;

  GeminiProvider(Host host, std::string_view configJson) : host_(host) {
    json config = json::parse(configJson);
    baseUrl_ = config.value("base_url", std::string("https://generativelanguage.googleapis.com/v1beta"));
    if (baseUrl_.rfind("http://", 0) != 0 && baseUrl_.rfind("https://", 0) != 0)
      throw std::invalid_argument("base_url must start with http:// or https://");
    if (baseUrl_.find_first_of("?#") != std::string::npos)
      throw std::invalid_argument("base_url must not hold a query or fragment (the key goes in x-goog-api-key)");
    while (!baseUrl_.empty() && baseUrl_.back() == '/') baseUrl_.pop_back();
    if (config.contains("api_key")) {
      apiKey_ = config["api_key"].get<std::string>();
      if (!headerSafe(apiKey_)) throw std::invalid_argument("api_key must not contain line breaks");
    }
    headers_ = configHeaders(config);
    if (config.contains("safety_settings")) {
      safety_ = config["safety_settings"];
      for (const auto& s : safety_)
        if (!s.is_object() || !s.contains("category") || !s["category"].is_string() || !s.contains("threshold") ||
            !s["threshold"].is_string())
          throw std::invalid_argument("safety_settings entries must be {category: <string>, threshold: <string>}");
    }
  }

  void listModels(ModelSink& sink) override {
    std::string pageToken;
    for (int page = 0; page < kMaxModelPages; ++page) {
      std::string url = baseUrl_ + "/models?pageSize=1000";
      if (!pageToken.empty()) url += "&pageToken=" + encoding::percentEncode(pageToken);
      json body = discoveryGet(host_, std::move(url), requestHeaders(), "GET /models");
      if (!body.is_object() || !body.contains("models") || !body["models"].is_array())
        throw std::runtime_error("GET /models returned no models list");
      for (const auto& m : body["models"]) addModel(m, sink);
      pageToken = body.value("nextPageToken", std::string());
      if (pageToken.empty()) return;
    }
  }

  Dispatch buildRequest(const Call& call, UpstreamRequest& request) override {
    std::string model = modelPath(call.upstreamModel);
    std::string url = baseUrl_ + "/models/" + model;
    json body;
    switch (call.operation) {
      case TP_OP_CHAT:
        body = gemini::generateContentBody(parse(call.body), model, safety_);
        url += call.stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
        break;
      case TP_OP_COUNT_TOKENS:
        body = gemini::countTokensBody(parse(call.body), model);
        url += ":countTokens";
        break;
      case TP_OP_EMBEDDING:
        body = gemini::batchEmbedBody(parse(call.body), model);
        url += ":batchEmbedContents";
        break;
      case TP_OP_COMPLETION:
        throw std::invalid_argument("Gemini has no text completions endpoint: use /v1/chat/completions");
    }
    request.setMethod("POST");
    request.setUrl(url);
    request.addHeader("Content-Type", "application/json");
    for (const auto& [n, v] : requestHeaders()) request.addHeader(n, v);
    request.setBody(body.dump(-1, ' ', false, json::error_handler_t::replace));
    return Dispatch::Http;
  }

  std::unique_ptr<ResponseStream> openStream(const Call& call) override {
    bool base64 = false;
    if (call.operation == TP_OP_EMBEDDING)
      if (auto format = json_scan::find(call.body, "encoding_format")) base64 = format->value == "\"base64\"";
    return std::make_unique<gemini::GeminiStream>(call.operation, call.stream, std::string(call.model), apiKey_,
                                                  base64);
  }

 private:
  static json parse(std::string_view body) {
    json parsed = json::parse(body, nullptr, false);
    if (!parsed.is_object()) throw std::invalid_argument("the request body is not a JSON object");
    return parsed;
  }

  static void addModel(const json& m, ModelSink& sink) {
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string()) return;
    bool generates = false;
    if (m.contains("supportedGenerationMethods") && m["supportedGenerationMethods"].is_array())
      for (const auto& method : m["supportedGenerationMethods"]) generates = generates || method == "generateContent";
    if (!generates) return;
    ModelInfo info;
    info.id = m["name"].get<std::string>();
    if (info.id.rfind("models/", 0) == 0) info.id.erase(0, 7);
    info.ownedBy = "google";
    if (m.contains("inputTokenLimit") && m["inputTokenLimit"].is_number_unsigned()) info.contextLength = m["inputTokenLimit"];
    sink.add(info);
  }

  Headers requestHeaders() const { return withCredential("x-goog-api-key", apiKey_, headers_); }

  Host host_;
  std::string baseUrl_;
  std::string apiKey_;
  Headers headers_;
  json safety_;
};

}  // namespace

TURNPIKE_PROVIDER_PLUGIN(GeminiProvider, "gemini", "1.0.0", kSchema)
