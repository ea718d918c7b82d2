// A parsed HTTP request. Owns its bytes, so handlers may keep it across threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/address_ranges.hpp"

namespace turnpike::http {

struct Header {
  std::string name;  // lower-case
  std::string value;
};

struct Request {
  std::string method;
  std::string target;  // as sent: path and query
  std::string path;    // decoded path without the query
  std::string query;   // raw query string without '?'
  int versionMinor = 1;
  std::vector<Header> headers;
  std::string body;
  std::string peerAddress;  // the TCP peer's IP as text
  bool peerIsLoopback = false;
  // The client's IP in canonical text: the peer's, or, when the peer is one of
  // server.trusted_proxies, the nearest untrusted hop of X-Forwarded-For.
  std::string clientAddress;

  // First value of header `lowerName` (names are stored lower-case).
  std::optional<std::string_view> header(std::string_view lowerName) const {
    for (const auto& h : headers)
      if (h.name == lowerName) return std::string_view(h.value);
    return std::nullopt;
  }
  std::string_view headerOr(std::string_view lowerName, std::string_view fallback) const {
    auto v = header(lowerName);
    return v ? *v : fallback;
  }
  // Decoded value of query parameter `name`.
  std::optional<std::string> queryParam(std::string_view name) const;
};

// The client address of `request` received from `peer` (canonical text) when the peer is a
// trusted proxy: X-Forwarded-For read right to left, skipping trusted hops; an entry that is not
// an address ends the walk at the hop before it.
std::string forwardedClient(const Request& request, const std::string& peer, const net::AddressRanges& trusted);

// Whether a proxy says it forwarded the request (Forwarded, Via, X-Forwarded-*, X-Real-IP): its
// peer address is then the proxy's, not the client's.
bool forwardedByProxy(const Request& request);

// The method as a metric label: the standard methods as they are, anything else "other", so a
// client cannot mint label values.
std::string_view methodLabel(std::string_view method);

// Path parameters captured by the router ({id} segments).
class PathParams {
 public:
  void set(std::string_view name, std::string value) { values_.emplace_back(std::string(name), std::move(value)); }
  const std::vector<std::pair<std::string, std::string>>& all() const { return values_; }
  const std::string& get(std::string_view name) const {
    for (const auto& [n, v] : values_)
      if (n == name) return v;
    static const std::string kEmpty;
    return kEmpty;
  }

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

}  // namespace turnpike::http
