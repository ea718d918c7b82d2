#pragma once

#include <nlohmann/json.hpp>

#include "http/request.hpp"

namespace turnpike::api {

// The request body as a JSON object (an empty body is {}); 400 otherwise.
nlohmann::json jsonBody(const http::Request& request);

}  // namespace turnpike::api
