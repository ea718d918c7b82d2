#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "billing/api_keys.hpp"
#include "billing/periods.hpp"
#include "billing/pricing.hpp"
#include "billing/rate_limiter.hpp"
#include "config/config_loader.hpp"

namespace turnpike::billing {
namespace {

constexpr int64_t kPpm = 1'000'000;

TEST(Pricing, TokensAtPerMillionPricesRoundUpOnce) {
  config::Price p;
  p.input = 150'000;   // 0.15 unit per token
  p.output = 600'000;  // 0.6 unit per token
  EXPECT_EQ(costOf(p, {25, 81, 0, 0, 0}, kPpm), 53);  // 25*0.15 + 81*0.6 = 52.35 -> 53
  EXPECT_EQ(costOf(p, {0, 0, 0, 0, 0}, kPpm), 0);
  EXPECT_EQ(costOf(p, {1, 0, 0, 0, 0}, kPpm), 1);     // 0.15 rounds up to 1
  EXPECT_EQ(costOf(p, {20, 0, 0, 0, 0}, kPpm), 3);    // exactly 3
}

TEST(Pricing, CachedTokensRequestImagesAndSeconds) {
  config::Price p;
  p.input = 1'000'000;
  p.cachedInput = 100'000;
  p.output = 2'000'000;
  p.request = 7;
  p.image = 50;
  p.second = 10;
  // 80 uncached * 1 + 20 cached * 0.1 + 5 * 2 + 7 + 2 images * 50 + 1.5 s * 10
  EXPECT_EQ(costOf(p, {100, 5, 20, 2, 1500}, kPpm), 80 + 2 + 10 + 7 + 100 + 15);
  p.cachedInput = -1;  // unset: cached tokens cost the input price
  EXPECT_EQ(costOf(p, {100, 0, 20, 0, 0}, kPpm), 100 + 7);
}

TEST(Pricing, CacheWritesAtTheirOwnPrice) {
  config::Price p;
  p.input = 1'000'000;
  p.cachedInput = 100'000;
  p.cacheWrite = 1'250'000;
  // 100 plain + 10000 read at 0.1 + 2000 written at 1.25
  EXPECT_EQ(costOf(p, {12'100, 0, 10'000, 0, 0, 2'000}, kPpm), 100 + 1'000 + 2'500);
  p.cacheWrite = -1;  // unset: writes cost the input price
  EXPECT_EQ(costOf(p, {12'100, 0, 10'000, 0, 0, 2'000}, kPpm), 2'100 + 1'000);
}

TEST(Pricing, MarkupIsExact) {
  config::Price p;
  p.request = 1000;
  EXPECT_EQ(costOf(p, {}, 1'250'000), 1250);
  EXPECT_EQ(costOf(p, {}, 1'000'001), 1001);  // 1000.001 rounds up
  p.request = 3;
  EXPECT_EQ(costOf(p, {}, 333'333), 1);       // 0.999999 -> 1
}

TEST(Pricing, HugeInputsClampInsteadOfOverflowing) {
  config::Price p;
  p.input = std::numeric_limits<int64_t>::max();
  p.output = std::numeric_limits<int64_t>::max();
  auto big = std::numeric_limits<uint64_t>::max() / 4;
  EXPECT_EQ(costOf(p, {big, big, 0, 0, 0}, 10 * kPpm), std::numeric_limits<int64_t>::max());
}

TEST(Pricing, ReservationCoversTheWorstCase) {
  config::Price p;
  p.input = 1'000'000;
  p.output = 1'000'000;
  pipeline::RequestSummary s;
  s.promptBytes = 300;
  s.messageCount = 2;
  s.n = 2;
  // prompt: 300/3 + 8*2 + 8 = 124; completion: 100 * n
  auto worst = worstCaseUsage(s, 100);
  EXPECT_EQ(worst.promptTokens, 124u);
  EXPECT_EQ(worst.completionTokens, 200u);
  EXPECT_EQ(costOf(p, worst, kPpm), 124 + 200);
  EXPECT_GE(estimatePromptTokens(s), estimateDeliveredTokens(s.promptBytes));
}

TEST(Pricing, MaxTokensTimesNSaturatesInsteadOfWrapping) {
  pipeline::RequestSummary s;
  s.n = 4;
  // 2^62 * 4 wraps to 0 in uint64_t: a reservation of nothing for the largest request.
  EXPECT_EQ(worstCaseUsage(s, uint64_t{1} << 62).completionTokens, std::numeric_limits<uint64_t>::max());
  s.n = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(worstCaseUsage(s, 2).completionTokens, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(worstCaseUsage(s, 1).completionTokens, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(worstCaseUsage(s, 0).completionTokens, 0u);
  s.n = 3;
  EXPECT_EQ(worstCaseUsage(s, 5).completionTokens, 15u);
  // The saturated count prices at the ceiling, never at a wrapped small number.
  config::Price p;
  p.output = 1;
  s.n = 4;
  EXPECT_EQ(costOf(p, worstCaseUsage(s, uint64_t{1} << 62), kPpm), 18'446'744'073'710);  // (2^64 - 1) / 1e6, rounded up
  p.output = 1'000'000;
  EXPECT_EQ(costOf(p, worstCaseUsage(s, uint64_t{1} << 62), kPpm), std::numeric_limits<int64_t>::max());
}

TEST(Pricing, EveryTermAtItsMaximumStillClamps) {
  constexpr auto kMax = std::numeric_limits<int64_t>::max();
  constexpr auto kAll = std::numeric_limits<uint64_t>::max();
  config::Price p{kMax, kMax, kMax, kMax, kMax, kMax};
  // Each product is close to 2^127: their sum, and the markup, would wrap 128 bits.
  EXPECT_EQ(costOf(p, {kAll, kAll, kAll / 2, kAll, kAll}, kMax), kMax);
  EXPECT_EQ(costOf(p, {kAll, kAll, 0, 0, 0}, 1), kMax);
  EXPECT_EQ(costOf(p, {0, 0, 0, kAll, 0}, kPpm), kMax);
  EXPECT_EQ(costOf(p, {0, 0, 0, 0, kAll}, kPpm), kMax);
  config::Price cheap;
  cheap.output = 1;
  EXPECT_EQ(costOf(cheap, {0, kAll, 0, 0, 0}, 1), 18'446'745);  // (2^64 - 1) * 1e-6 (per 1M) * 1e-6 (markup), rounded up
}

TEST(Periods, DayWeekAndMonthBoundariesInUtc) {
  using store::ResetPeriod;
  const int64_t t = 1'700'000'000'000;  // 2023-11-14T22:13:20Z, a Tuesday
  EXPECT_EQ(periodStart(ResetPeriod::Daily, t), 1'699'920'000'000);   // 2023-11-14T00:00Z
  EXPECT_EQ(periodStart(ResetPeriod::Weekly, t), 1'699'833'600'000);  // Monday 2023-11-13
  EXPECT_EQ(periodStart(ResetPeriod::Monthly, t), 1'698'796'800'000); // 2023-11-01
  EXPECT_EQ(periodEnd(ResetPeriod::Daily, 1'699'920'000'000), 1'700'006'400'000);
  EXPECT_EQ(periodEnd(ResetPeriod::Weekly, 1'699'833'600'000), 1'700'438'400'000);
  EXPECT_EQ(periodEnd(ResetPeriod::Monthly, 1'698'796'800'000), 1'701'388'800'000);  // 2023-12-01
  // February of a leap year ends on the 29th.
  EXPECT_EQ(periodEnd(ResetPeriod::Monthly, 1'706'745'600'000), 1'709'251'200'000);  // 2024-02-01 -> 03-01
  EXPECT_EQ(periodStart(ResetPeriod::None, t), 0);
  EXPECT_EQ(periodEnd(ResetPeriod::None, 0), std::numeric_limits<int64_t>::max());
}

TEST(RateLimiter, RequestsPerMinuteWithWindowReset) {
  RateLimiter limiter;
  config::RateLimit limit{3, 0};
  const int64_t t = 1'700'000'080'000;  // 40 s into the minute starting at 1'700'000'040
  for (int i = 0; i < 3; ++i) {
    auto d = limiter.admit("k", limit, 1, t);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, static_cast<uint64_t>(2 - i));
  }
  auto refused = limiter.admit("k", limit, 1, t);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retryAfter, 20);
  EXPECT_EQ(refused.resetAt, 1'700'000'100);
  EXPECT_TRUE(limiter.admit("other", limit, 1, t).allowed);  // per identity
  EXPECT_TRUE(limiter.admit("k", limit, 1, t + 20'000).allowed);  // next window
}

TEST(RateLimiter, TokensPerMinute) {
  RateLimiter limiter;
  config::RateLimit limit{0, 100};
  const int64_t t = 1'700'000'000'000;
  EXPECT_TRUE(limiter.admit("k", limit, 500, t).allowed);  // the first request always fits
  limiter.record("k", 90, t);
  EXPECT_TRUE(limiter.admit("k", limit, 10, t).allowed);
  limiter.record("k", 10, t);
  auto d = limiter.admit("k", limit, 1, t);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "tokens per minute");
}

TEST(RateLimiter, EventCountsInWindowsOpeningWithTheFirstEvent) {
  RateLimiter limiter;
  constexpr int64_t kHour = 3'600'000;
  const int64_t t = 1'700'005'200'000;
  EXPECT_FALSE(limiter.exhausted("a", 2, t));
  EXPECT_TRUE(limiter.count("a", 2, kHour, t).allowed);
  auto second = limiter.count("a", 2, kHour, t + 1);
  EXPECT_TRUE(second.allowed);
  EXPECT_EQ(second.remaining, 0u);
  EXPECT_TRUE(limiter.exhausted("a", 2, t + 2));
  auto refused = limiter.count("a", 2, kHour, t + 60'000);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retryAfter, 3'540);  // what is left of the hour since the first event
  EXPECT_EQ(refused.resetAt, 1'700'008'800);
  // The once-a-minute sweep keeps windows that have not ended.
  EXPECT_TRUE(limiter.admit("other", {1, 0}, 0, t + 120'000).allowed);
  EXPECT_TRUE(limiter.exhausted("a", 2, t + 120'000));
  EXPECT_TRUE(limiter.count("b", 2, kHour, t).allowed);  // per identity
  EXPECT_TRUE(limiter.exhausted("a", 2, kHour + t - 1));
  EXPECT_FALSE(limiter.exhausted("a", 2, kHour + t));  // a new window
  EXPECT_TRUE(limiter.count("a", 2, kHour, t + kHour).allowed);
  EXPECT_TRUE(limiter.count("c", 0, kHour, t).allowed);  // 0: unlimited
  EXPECT_FALSE(limiter.exhausted("c", 0, t));
}

TEST(ApiKeys, MaterialIsRandomAndOnlyTheHashIsKept) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto k = generateKey();
    EXPECT_EQ(k.secret.rfind("sk-tp-", 0), 0u);
    EXPECT_EQ(k.secret.size(), 46u);
    EXPECT_EQ(k.prefix, k.secret.substr(0, 14));
    EXPECT_EQ(k.hash, hashKey(k.secret));
    EXPECT_EQ(k.hash.size(), 64u);
    EXPECT_EQ(k.hash.find(k.secret.substr(6)), std::string::npos);
    EXPECT_TRUE(seen.insert(k.secret).second);
  }
  EXPECT_EQ(hashKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(newId("acct").rfind("acct_", 0), 0u);
}

TEST(BillingConfig, MarkupAndLimitsParse) {
  auto c = config::parseConfigText(R"(
billing:
  markup: 1.25
  signup: closed
  anonymous: false
  rate_limits:
    keys: {requests_per_minute: 10, tokens_per_minute: 1000}
providers:
  - {name: m, plugin: mock, models: [x]}
)", "t.yaml");
  EXPECT_EQ(c.billing.markupPpm, 1'250'000);
  EXPECT_FALSE(c.billing.signupOpen);
  EXPECT_FALSE(c.billing.anonymous);
  EXPECT_EQ(c.billing.keyLimits.requestsPerMinute, 10u);
  EXPECT_EQ(c.billing.anonymousLimits.requestsPerMinute, 60u);  // default
  EXPECT_EQ(c.billing.signupPerHour, 10u);                       // default
  EXPECT_EQ(config::parseConfigText("billing:\n  signup_per_hour: 0\nproviders:\n  - {name: m, plugin: mock, models: [x]}\n",
                                    "t.yaml")
                .billing.signupPerHour,
            0u);
  for (const char* bad : {"1.2.3", "-1", "0", "abc", "1.1234567"}) {
    EXPECT_THROW(config::parseConfigText(std::string("billing:\n  markup: ") + bad +
                                             "\nproviders:\n  - {name: m, plugin: mock, models: [x]}\n",
                                         "t.yaml"),
                 config::ConfigError)
        << bad;
  }
}

}  // namespace
}  // namespace turnpike::billing
