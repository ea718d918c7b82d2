// Config and request pieces every provider plugin has: the configured extra `headers` (checked
// once, when the plugin is created), the header list an upstream request carries and the GET
// that discovers the upstream's models. Header-only:
// each plugin is its own .so and links nothing shared.
#pragma once

#include <turnpike/plugin.hpp>

#include <nlohmann/json.hpp>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace turnpike::sdk::provider_config {

using Headers = std::vector<std::pair<std::string, std::string>>;

// RFC 9110 token characters: header names (and Anthropic's beta names).
inline bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// A header value the upstream request can carry: visible characters and spaces, no line breaks.
inline bool isHeaderValue(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The config's `headers` mapping. `reservedHint(lower-cased name)` returns, for a header the
// plugin sets itself, what to configure instead, and is empty for every other name.
inline Headers configHeaders(const nlohmann::json& config,
                             const std::function<std::string(const std::string&)>& reservedHint) {
  Headers headers;
  auto it = config.find("headers");
  if (it == config.end() || it->is_null()) return headers;
  if (!it->is_object()) throw std::invalid_argument("headers must be a mapping of header names to values");
  for (const auto& [name, value] : it->items()) {
    if (!isToken(name)) throw std::invalid_argument("headers: '" + name + "' is not a valid header name");
    if (!value.is_string()) throw std::invalid_argument("headers." + name + " must be a string");
    if (!isHeaderValue(value.get<std::string>()))
      throw std::invalid_argument("headers." + name + " is not a valid header: its value has control characters");
    if (std::string hint = reservedHint(lower(name)); !hint.empty())
      throw std::invalid_argument("headers." + name + " is set by the plugin; use " + hint);
    headers.emplace_back(name, value.get<std::string>());
  }
  return headers;
}

inline Headers configHeaders(const nlohmann::json& config) {
  return configHeaders(config, [](const std::string&) { return std::string(); });
}

// An upstream request's headers: the credential header when one is configured, then the extras.
inline Headers withCredential(std::string_view name, const std::string& credential, const Headers& extra) {
  Headers headers;
  if (!credential.empty()) headers.emplace_back(name, credential);
  headers.insert(headers.end(), extra.begin(), extra.end());
  return headers;
}

// A model discovery GET's body, parsed (discarded when it is not JSON); a transport failure or an
// HTTP error is an exception that names `what`, the request as the operator would write it.
inline nlohmann::json discoveryGet(const Host& host, std::string url, Headers headers, const std::string& what) {
  HttpRequest request;
  request.url = std::move(url);
  request.headers = std::move(headers);
  request.timeoutMs = 15'000;
  HttpResponse response = host.http(request);
  if (response.status < 0) throw std::runtime_error(what + " failed: " + response.error);
  if (!response.ok()) throw std::runtime_error(what + " answered HTTP " + std::to_string(response.status));
  return nlohmann::json::parse(response.body, nullptr, false);
}

}  // namespace turnpike::sdk::provider_config
