// OpenAI-style errors: {"error": {"message", "type", "param", "code"}} with the right status.
// Handlers throw ApiError for a request they refuse; the router turns it into a response.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "http/response.hpp"

namespace turnpike::http {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string_view code, const std::string& message, std::string_view param = {})
      : std::runtime_error(message), status_(status), code_(code), param_(param) {}

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::string& param() const { return param_; }

 private:
  int status_;
  std::string code_;
  std::string param_;
};

// The OpenAI error `type` used for a status.
std::string_view errorType(int status);

// The JSON body for an error; `code` and `param` become null when empty, `type` is the
// status's (errorType) when empty.
std::string errorBody(int status, std::string_view code, std::string_view message, std::string_view param = {},
                      std::string_view type = {});

Response errorResponse(int status, std::string_view code, std::string_view message, std::string_view param = {},
                       std::string_view type = {});
inline Response errorResponse(const ApiError& e) { return errorResponse(e.status(), e.code(), e.what(), e.param()); }

}  // namespace turnpike::http
