// A complete (non-streamed) HTTP response.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"

namespace turnpike::http {

struct Response {
  int status = 200;
  std::vector<Header> headers;  // besides Content-Length, Date and Connection, which the server sets
  std::string body;
  std::string errorCode;  // for metrics and logs; not sent

  static Response json(int status, std::string body) {
    return Response{status, {{"content-type", "application/json"}}, std::move(body), {}};
  }
  static Response text(int status, std::string body, std::string contentType = "text/plain; charset=utf-8") {
    return Response{status, {{"content-type", std::move(contentType)}}, std::move(body), {}};
  }
};

std::string_view reasonPhrase(int status);

}  // namespace turnpike::http
