#include "api/request_body.hpp"

#include "http/api_error.hpp"

namespace turnpike::api {

nlohmann::json jsonBody(const http::Request& request) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  try {
    auto body = nlohmann::json::parse(request.body);
    if (!body.is_object()) throw http::ApiError(400, "invalid_json", "request body must be a JSON object");
    return body;
  } catch (const nlohmann::json::parse_error& e) {
    throw http::ApiError(400, "invalid_json", std::string("request body is not valid JSON: ") + e.what());
  }
}

}  // namespace turnpike::api
