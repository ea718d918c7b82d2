#include "http/cors.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace turnpike::http {

namespace {

// What SDKs and browsers send on API calls: OpenAI (x-stainless-* too, below), Anthropic, MCP,
// Turnpike's own.
constexpr std::string_view kAllowedHeaders =
    "authorization, content-type, accept, x-api-key, x-spend-token, anthropic-version, anthropic-beta, "
    "anthropic-dangerous-direct-browser-access, mcp-session-id, mcp-protocol-version, openai-beta, "
    "openai-organization, openai-project, idempotency-key, x-request-id, x-client-id, x-turnpike-usage-event";
// Response headers scripts may read: limits, the request id, routing and payment details.
constexpr std::string_view kExposedHeaders =
    "x-request-id, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, x-ratelimit-limit-requests, "
    "x-ratelimit-remaining-requests, x-ratelimit-reset-requests, x-ratelimit-limit-tokens, "
    "x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens, x-turnpike-provider, x-turnpike-model, "
    "x-turnpike-balance, x-turnpike-cost, www-authenticate, retry-after, mcp-session-id";
constexpr std::string_view kMaxAge = "600";
// Longest Access-Control-Request-Headers read; browsers send a handful of names.
constexpr size_t kMaxRequestedHeaders = 4096;

bool tokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

// The allowed list, plus the x-stainless-* names the OpenAI SDK sends (a family that grows).
std::string allowedHeaders(const Request& request) {
  std::string out(kAllowedHeaders);
  auto requested = request.header("access-control-request-headers");
  if (!requested || requested->size() > kMaxRequestedHeaders) return out;
  for (auto part : util::split(*requested, ',')) {
    std::string name = util::toLower(util::trim(part));
    if (!name.starts_with("x-stainless-") || !std::all_of(name.begin(), name.end(), tokenChar)) continue;
    out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> allowedOrigins) : origins_(std::move(allowedOrigins)) {
  any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

std::string CorsPolicy::allowOrigin(const Request& request) const {
  if (origins_.empty()) return {};
  auto origin = request.header("origin");
  if (!origin || origin->empty()) return {};
  if (any_) return "*";
  for (const auto& allowed : origins_)
    if (util::iequals(allowed, *origin)) return std::string(*origin);
  return {};
}

std::vector<Header> CorsPolicy::responseHeaders(const Request& request) const {
  std::vector<Header> out;
  if (origins_.empty()) return out;
  // The answer depends on Origin unless every origin gets the same one.
  if (!any_) out.push_back({"Vary", "Origin"});
  std::string origin = allowOrigin(request);
  if (origin.empty()) return out;
  out.push_back({"Access-Control-Allow-Origin", std::move(origin)});
  out.push_back({"Access-Control-Expose-Headers", std::string(kExposedHeaders)});
  return out;
}

Response CorsPolicy::preflight(const Request& request, std::string_view allowedMethods) const {
  Response r;
  r.status = 204;
  r.headers.push_back({"Allow", std::string(allowedMethods)});
  if (allowOrigin(request).empty()) return r;
  r.headers.push_back({"Access-Control-Allow-Methods", std::string(allowedMethods)});
  r.headers.push_back({"Access-Control-Allow-Headers", allowedHeaders(request)});
  r.headers.push_back({"Access-Control-Max-Age", std::string(kMaxAge)});
  return r;
}

std::string CorsPolicy::checkOrigin(std::string_view origin) {
  if (origin == "*") return {};
  size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos || (origin.substr(0, scheme) != "http" && origin.substr(0, scheme) != "https"))
    return "expected \"*\" or an origin such as https://app.example.com (http or https, no path)";
  std::string_view host = origin.substr(scheme + 3);
  if (host.empty()) return "the origin names no host";
  for (char c : host) {
    if (c == '/') return "an origin has no path, not even a trailing '/'";
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':' || c == '[' ||
              c == ']';
    if (!ok) return "the host may hold lowercase letters, digits, '-', '.', and ':port' only";
  }
  return {};
}

}  // namespace turnpike::http
