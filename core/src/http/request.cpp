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

}  // namespace turnpike::http
