// Cross-origin access for browser clients (server.cors.allowed_origins): which origins may call,
// and the headers preflights and actual responses carry for them. Requests from origins not
// allowed get no CORS headers at all, so the browser refuses them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"

namespace turnpike::http {

class CorsPolicy {
 public:
  CorsPolicy() = default;
  // Origins as "scheme://host[:port]", or "*" for any; empty: CORS off.
  explicit CorsPolicy(std::vector<std::string> allowedOrigins);

  bool enabled() const { return !origins_.empty(); }
  // The Access-Control-Allow-Origin value for this request; empty when it gets none.
  std::string allowOrigin(const Request& request) const;
  // Headers every response to `request` carries (Allow-Origin, Vary, Expose-Headers).
  std::vector<Header> responseHeaders(const Request& request) const;
  // A preflight (OPTIONS with Access-Control-Request-Method) is answered here: 204, with the
  // path's methods and the headers clients send when the origin is allowed.
  Response preflight(const Request& request, std::string_view allowedMethods) const;

  // "scheme://host[:port]" or "*": what allowed_origins accepts; the reason when not.
  static std::string checkOrigin(std::string_view origin);

 private:
  std::vector<std::string> origins_;
  bool any_ = false;
};

}  // namespace turnpike::http
