// The admin API's credential: Authorization: Bearer <server.admin_token>, compared in constant time.
#pragma once

#include <string_view>

#include "http/request.hpp"

namespace turnpike::api {

// Throws http::ApiError 401 unless `request` carries `token`.
void requireAdminToken(const http::Request& request, std::string_view token);

}  // namespace turnpike::api
