#include "http/request.hpp"

#include "util/strings.hpp"

namespace turnpike::http {

std::optional<std::string> Request::queryParam(std::string_view name) const {
  for (auto part : util::split(query, '&')) {
    auto eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    if (util::urlDecode(key) != name) continue;
    return eq == std::string_view::npos ? std::string() : util::urlDecode(part.substr(eq + 1));
  }
  return std::nullopt;
}

std::string forwardedClient(const Request& request, const std::string& peer, const net::AddressRanges& trusted) {
  std::vector<std::string_view> hops;
  for (const auto& h : request.headers)
    if (h.name == "x-forwarded-for")
      for (auto hop : util::split(h.value, ',')) hops.push_back(util::trim(hop));
  std::string client = peer;
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    auto address = net::parseAddress(*it);
    if (!address) break;
    client = net::formatAddress(*address);
    if (!trusted.contains(*address)) break;
  }
  return client;
}

bool forwardedByProxy(const Request& request) {
  for (const auto& h : request.headers)
    if (h.name == "forwarded" || h.name == "via" || h.name == "x-real-ip" || h.name.rfind("x-forwarded-", 0) == 0)
      return true;
  return false;
}

std::string_view methodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (auto known : kKnown)
    if (method == known) return known;
  return "other";
}

}  // namespace turnpike::http
