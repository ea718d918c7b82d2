// API times at their edges, and the client address anonymous callers are limited by.
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "api/account/account_json.hpp"
#include "pipeline/identify_stage.hpp"

namespace turnpike {
namespace {

TEST(ApiTimes, UnixSecondsOutsideYears0To9999AreRefusedNotOverflowed) {
  using nlohmann::json;
  EXPECT_EQ(api::parseTime(json(1'700'000'000)), 1'700'000'000'000);
  EXPECT_EQ(api::parseTime(json(253'402'300'799)), 253'402'300'799'000);    // 9999-12-31T23:59:59Z
  EXPECT_EQ(api::parseTime(json(-62'167'219'200)), -62'167'219'200'000);    // 0000-01-01
  EXPECT_EQ(api::parseTime(json("9999-12-31T23:59:59Z")), 253'402'300'799'000);
  EXPECT_FALSE(api::parseTime(json(253'402'300'800)));
  EXPECT_FALSE(api::parseTime(json(-62'167'219'201)));
  // * 1000 overflowed int64_t for these (undefined behaviour).
  EXPECT_FALSE(api::parseTime(json(std::numeric_limits<int64_t>::max())));
  EXPECT_FALSE(api::parseTime(json(std::numeric_limits<int64_t>::min())));
  EXPECT_FALSE(api::parseTime(json(9'300'000'000'000'000)));
  EXPECT_FALSE(api::parseTime(json(std::numeric_limits<uint64_t>::max())));
  EXPECT_FALSE(api::parseTime(json(1.5e300)));
}

http::Request from(std::string address, std::vector<http::Header> headers = {}) {
  http::Request r;
  r.peerAddress = address;
  r.clientAddress = std::move(address);
  r.headers = std::move(headers);
  return r;
}

TEST(AnonymousIdentity, IsTheClientAddressWhateverTheClientSends) {
  auto plain = pipeline::anonymousIdentity(from("203.0.113.7"));
  EXPECT_EQ(plain, "anon:203.0.113.7");
  // Neither X-Client-ID nor User-Agent picks or resets the bucket.
  EXPECT_EQ(pipeline::anonymousIdentity(from("203.0.113.7", {{"x-client-id", "fresh"}, {"user-agent", "new/1"}})), plain);
  EXPECT_NE(pipeline::anonymousIdentity(from("203.0.113.8")), plain);
  // Behind a trusted proxy the client is the address it forwarded for, not the proxy.
  auto forwarded = from("203.0.113.9");
  forwarded.peerAddress = "127.0.0.1";
  EXPECT_EQ(pipeline::anonymousIdentity(forwarded), "anon:203.0.113.9");
}

TEST(AnonymousIdentity, AnIpv6ClientIsBucketedByItsSlash64) {
  EXPECT_EQ(pipeline::clientBucket(from("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
  EXPECT_EQ(pipeline::clientBucket(from("2001:db8:1:2:ffff:ffff:ffff:ffff")), "2001:db8:1:2::/64");
  EXPECT_EQ(pipeline::clientBucket(from("2001:db8:1:3::1")), "2001:db8:1:3::/64");
  EXPECT_EQ(pipeline::clientBucket(from("::ffff:198.51.100.4")), "198.51.100.4");
  EXPECT_EQ(pipeline::clientBucket(from("198.51.100.4")), "198.51.100.4");
}

}  // namespace
}  // namespace turnpike
