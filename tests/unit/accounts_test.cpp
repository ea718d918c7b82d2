// API times at their edges.
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "api/account/account_json.hpp"

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

}  // namespace
}  // namespace turnpike
