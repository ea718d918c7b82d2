#include "api/admin/admin_auth.hpp"

#include "http/api_error.hpp"
#include "util/strings.hpp"

namespace turnpike::api {

void requireAdminToken(const http::Request& request, std::string_view token) {
  std::string_view auth = util::trim(request.headerOr("authorization", ""));
  std::string_view presented = auth.size() > 7 && util::iequals(auth.substr(0, 7), "bearer ") ? util::trim(auth.substr(7)) : "";
  if (token.empty() || !util::constantTimeEquals(presented, token))
    throw http::ApiError(401, "invalid_admin_token", "the admin API needs Authorization: Bearer <server.admin_token>");
}

}  // namespace turnpike::api
