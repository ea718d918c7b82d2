#include <gtest/gtest.h>

#include "http/api_error.hpp"
#include "http/router.hpp"

namespace turnpike::http {
namespace {

TEST(ApiError, BodyHasOpenAiShape) {
  auto body = errorBody(404, "model_not_found", "no such \"model\"", "model");
  EXPECT_EQ(body,
            R"({"error":{"code":"model_not_found","message":"no such \"model\"","param":"model","type":"invalid_request_error"}})");
  EXPECT_EQ(errorBody(502, "", "x"), R"({"error":{"code":null,"message":"x","param":null,"type":"upstream_error"}})");
  EXPECT_EQ(errorType(401), "authentication_error");
  EXPECT_EQ(errorType(429), "rate_limit_error");
  EXPECT_EQ(errorType(402), "payment_required");
}

TEST(Guarded, ConvertsExceptions) {
  auto r = guarded([]() -> Response { throw ApiError(402, "insufficient_balance", "pay up"); });
  EXPECT_EQ(r.status, 402);
  EXPECT_NE(r.body.find("insufficient_balance"), std::string::npos);
  r = guarded([]() -> Response { throw std::runtime_error("secret internal detail"); });
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret internal detail"), std::string::npos);
}

}  // namespace
}  // namespace turnpike::http
