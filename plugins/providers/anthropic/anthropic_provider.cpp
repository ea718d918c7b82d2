// anthropic: the Anthropic Messages API (api.anthropic.com, or anything speaking its wire). The
// host hands it Messages requests (translated from the client's dialect when that is another)
// and takes Messages responses back, so the plugin stays thin: the client's bytes go upstream
// unchanged, with the headers Anthropic needs, and the upstream's events come back unchanged.
#include <turnpike/encoding.hpp>
#include <turnpike/plugin.hpp>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "anthropic/anthropic_stream.hpp"
#include "provider_config.hpp"

namespace {

using namespace turnpike::sdk;
using nlohmann::json;
using namespace provider_config;

constexpr const char* kSchema = R"json({
  "base_url": {"type": "string", "default": "https://api.anthropic.com",
               "doc": "API root without the /v1 path, e.g. https://api.anthropic.com"},
  "api_key": {"type": "string", "secret": true, "doc": "sent as x-api-key"},
  "anthropic_version": {"type": "string", "default": "2023-06-01",
                        "doc": "anthropic-version sent when the client sent none"},
  "anthropic_beta": {"type": "string",
                     "doc": "comma-separated beta names added to the client's anthropic-beta"},
  "headers": {"type": "object", "secret": true,
              "doc": "extra headers on every upstream request (values are treated as secrets)"}
})json";

constexpr std::string_view kDefaultBaseUrl = "https://api.anthropic.com";
constexpr std::string_view kDefaultVersion = "2023-06-01";
// Discovery pages of 1000 models: a bound on a list that never ends, far above any real one.
constexpr int kMaxModelPages = 20;
// Beta names in one anthropic-beta header: real ones are a handful; the bound keeps the
// de-duplication (on the event loop) small whatever a client sends.
constexpr size_t kMaxBetas = 128;

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The names of a comma-separated anthropic-beta value, appended to `names` once each.
// `where` names the value in the error of a malformed one.
void addBetas(std::string_view list, std::vector<std::string>& names, const std::string& where) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    size_t length = comma == std::string_view::npos ? std::string_view::npos : comma - start;
    std::string_view name = trim(list.substr(start, length));
    if (!isToken(name)) throw std::invalid_argument(where + " must be a comma-separated list of beta names");
    bool seen = false;
    for (const auto& n : names) seen = seen || n == name;
    if (!seen) {
      if (names.size() == kMaxBetas)
        throw std::invalid_argument(where + " has more than " + std::to_string(kMaxBetas) + " beta names");
      names.emplace_back(name);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ',';
    out += n;
  }
  return out;
}

std::string stringKey(const json& config, const char* key, std::string_view fallback) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::string(fallback);
  if (!it->is_string()) throw std::invalid_argument(std::string(key) + " must be a string");
  return it->get<std::string>();
}

class AnthropicProvider final : public Provider {
 public:
  static constexpr uint32_t kDialects = TP_DIALECT_ANTHROPIC_MESSAGES;
  static constexpr uint32_t kCapabilities = TP_PROVIDER_COUNTS_TOKENS;

  AnthropicProvider(Host host, std::string_view configJson) : host_(host) {
    json config = json::parse(configJson);
    if (!config.is_object()) throw std::invalid_argument("the configuration must be a mapping");
    baseUrl_ = stringKey(config, "base_url", kDefaultBaseUrl);
    if (baseUrl_.rfind("http://", 0) != 0 && baseUrl_.rfind("https://", 0) != 0)
      throw std::invalid_argument("base_url must start with http:// or https://");
    while (!baseUrl_.empty() && baseUrl_.back() == '/') baseUrl_.pop_back();
    // The paths carry /v1 themselves, as Anthropic's SDKs and ANTHROPIC_BASE_URL have it.
    if (baseUrl_.ends_with("/v1"))
      throw std::invalid_argument("base_url is the API root without /v1, e.g. https://api.anthropic.com");
    if (!isHeaderValue(baseUrl_) || baseUrl_.find(' ') != std::string::npos)
      throw std::invalid_argument("base_url must not contain spaces or control characters");

    apiKey_ = stringKey(config, "api_key", "");
    if (!isHeaderValue(apiKey_)) throw std::invalid_argument("api_key must not contain control characters");
    version_ = stringKey(config, "anthropic_version", kDefaultVersion);
    if (!isToken(version_)) throw std::invalid_argument("anthropic_version must be a version name such as 2023-06-01");
    std::string beta = stringKey(config, "anthropic_beta", "");
    if (!trim(beta).empty()) addBetas(beta, betas_, "anthropic_beta");

    headers_ = configHeaders(config, [](const std::string& key) -> std::string {
      if (key == "x-api-key") return "api_key";
      if (key == "anthropic-version") return "anthropic_version";
      if (key == "anthropic-beta") return "anthropic_beta";
      if (key == "content-type") return "nothing: requests are JSON";
      return {};
    });
  }

  void listModels(ModelSink& sink) override {
    std::string after;
    for (int page = 0; page < kMaxModelPages; ++page) {
      std::string url = baseUrl_ + "/v1/models?limit=1000";
      if (!after.empty()) url += "&after_id=" + encoding::percentEncode(after);
      json body = discoveryGet(host_, std::move(url), commonHeaders(version_, joined(betas_)), "GET /v1/models");
      const json* data = body.is_object() && body.contains("data") ? &body["data"] : nullptr;
      if (data == nullptr || !data->is_array()) throw std::runtime_error("GET /v1/models returned no data list");
      for (const auto& m : *data) {
        if (!m.is_object() || !m.contains("id") || !m["id"].is_string()) continue;
        ModelInfo info;
        info.id = m["id"];
        info.ownedBy = "anthropic";
        if (m.contains("max_input_tokens") && m["max_input_tokens"].is_number_unsigned())
          info.contextLength = m["max_input_tokens"];
        sink.add(info);
      }
      auto more = body.find("has_more");
      auto last = body.find("last_id");
      if (more == body.end() || !more->is_boolean() || !more->get<bool>()) return;
      // A next page that would start where this one did is a loop, not a list.
      if (last == body.end() || !last->is_string() || last->get<std::string>().empty() || *last == after) return;
      after = last->get<std::string>();
    }
    host_.warn("GET /v1/models: stopped after " + std::to_string(kMaxModelPages) + " pages");
  }

  Dispatch buildRequest(const Call& call, UpstreamRequest& request) override {
    if (call.dialect != TP_DIALECT_ANTHROPIC_MESSAGES)
      throw std::invalid_argument("the anthropic provider takes Anthropic Messages requests only");
    switch (call.operation) {
      case TP_OP_CHAT: request.setUrl(baseUrl_ + "/v1/messages"); break;
      case TP_OP_COUNT_TOKENS: request.setUrl(baseUrl_ + "/v1/messages/count_tokens"); break;
      case TP_OP_COMPLETION:
      case TP_OP_EMBEDDING:
      default:
        throw std::invalid_argument("Anthropic serves messages and token counts only (no completions or embeddings)");
    }
    // The client's protocol headers, passed on by the host, win over the configured version
    // and add to the configured betas.
    std::string_view clientVersion = trim(call.header("anthropic-version"));
    if (!clientVersion.empty() && !isToken(clientVersion))
      throw std::invalid_argument("anthropic-version must be a version name such as 2023-06-01");
    std::vector<std::string> betas;
    std::string_view clientBeta = trim(call.header("anthropic-beta"));
    if (!clientBeta.empty()) addBetas(clientBeta, betas, "anthropic-beta");
    for (const auto& b : betas_) addBetas(b, betas, "anthropic_beta");

    request.setMethod("POST");
    request.addHeader("content-type", "application/json");
    std::string_view version = clientVersion.empty() ? std::string_view(version_) : clientVersion;
    for (const auto& [n, v] : commonHeaders(version, joined(betas))) request.addHeader(n, v);
    // Byte for byte: prompt caching and signed thinking blocks depend on what the client sent.
    request.setBody(call.body);
    return Dispatch::Http;
  }

  std::unique_ptr<ResponseStream> openStream(const Call& call) override {
    bool counting = call.operation == TP_OP_COUNT_TOKENS;
    return std::make_unique<anthropic::AnthropicStream>(call.stream && !counting, !counting);
  }

 private:
  Headers commonHeaders(std::string_view version, std::string beta) const {
    Headers out = withCredential("x-api-key", apiKey_, {});
    out.emplace_back("anthropic-version", std::string(version));
    if (!beta.empty()) out.emplace_back("anthropic-beta", std::move(beta));
    for (const auto& h : headers_) out.push_back(h);
    return out;
  }

  Host host_;
  std::string baseUrl_;
  std::string apiKey_;
  std::string version_;
  std::vector<std::string> betas_;
  Headers headers_;
};

}  // namespace

TURNPIKE_PROVIDER_PLUGIN(AnthropicProvider, "anthropic", "1.0.0", kSchema)
