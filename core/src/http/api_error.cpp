#include "http/api_error.hpp"

#include <nlohmann/json.hpp>

namespace turnpike::http {

std::string_view errorType(int status) {
  switch (status) {
    case 401: return "authentication_error";
    case 402: return "payment_required";
    case 403: return "permission_error";
    case 429: return "rate_limit_error";
    case 502: return "upstream_error";
    case 503: return "service_unavailable";
    case 504: return "timeout_error";
    default: return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

std::string errorBody(int status, std::string_view code, std::string_view message, std::string_view param,
                      std::string_view type) {
  nlohmann::json error{{"message", message}, {"type", type.empty() ? errorType(status) : type}};
  error["param"] = param.empty() ? nlohmann::json(nullptr) : nlohmann::json(param);
  error["code"] = code.empty() ? nlohmann::json(nullptr) : nlohmann::json(code);
  return nlohmann::json{{"error", std::move(error)}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response errorResponse(int status, std::string_view code, std::string_view message, std::string_view param,
                       std::string_view type) {
  Response r = Response::json(status, errorBody(status, code, message, param, type));
  r.errorCode = code.empty() ? std::string(errorType(status)) : std::string(code);
  return r;
}

}  // namespace turnpike::http
