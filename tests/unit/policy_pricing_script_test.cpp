// The default pricing script (scripts/pricing.lua) against the gateway's own price
// (billing::costOf), the example in scripts/examples/, and price() results the engine refuses.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "billing/pricing.hpp"
#include "policy_test_support.hpp"

namespace turnpike::policy {
namespace {

using namespace testing;

PriceUsage usage(uint64_t prompt, uint64_t completion, uint64_t cached = 0) {
  PriceUsage u;
  u.model = "m";
  u.provider = "p";
  u.promptTokens = prompt;
  u.completionTokens = completion;
  u.cachedTokens = cached;
  return u;
}

PriceContext prices(int64_t input, int64_t output, int64_t cachedInput = -1, int64_t request = 0,
                    int64_t markupPpm = kMarkupOne) {
  PriceContext c;
  c.prices = {input, output, cachedInput < 0 ? input : cachedInput, request, 0};
  c.markupPpm = markupPpm;
  return c;
}

// What the gateway charges when no script answers: the reference the default must reproduce.
int64_t reference(const PriceUsage& u, const PriceContext& c) {
  config::Price p{c.prices.input, c.prices.output, c.prices.cachedInput, c.prices.request, c.prices.image, 0,
                  c.prices.cacheWrite};
  return billing::costOf(p, {u.promptTokens, u.completionTokens, u.cachedTokens, u.images, 0, u.cacheWriteTokens},
                         c.markupPpm);
}

class DefaultPricing : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = engine_.reload(repoScript("scripts/routing.lua"), repoScript("scripts/pricing.lua"));
    ASSERT_TRUE(loaded.ok) << loaded.error;
  }

  // The script's amount; also checks that it matches the C++ reference.
  int64_t charge(const PriceUsage& u, const PriceContext& c) {
    auto out = engine_.price(u, c);
    EXPECT_TRUE(out.ok()) << out.error.message;
    EXPECT_EQ(out.amount, reference(u, c));
    return out.amount;
  }

  PolicyEngine engine_;
};

TEST_F(DefaultPricing, ExactIntegerAmounts) {
  // 1000 * 150000 / 1e6 + 200 * 600000 / 1e6 = 150 + 120
  EXPECT_EQ(charge(usage(1000, 200), prices(150'000, 600'000)), 270);
  EXPECT_EQ(charge(usage(0, 0), prices(150'000, 600'000)), 0);
  EXPECT_EQ(charge(usage(1, 0), prices(1, 0)), 1);          // a millionth rounds up to 1
  EXPECT_EQ(charge(usage(1'000'000, 0), prices(1, 0)), 1);  // exactly 1
  EXPECT_EQ(charge(usage(1'000'001, 0), prices(1, 0)), 2);
  // Fractions of the three parts are summed before rounding: 0.5 + 0.5 = 1, not 2.
  EXPECT_EQ(charge(usage(500'000, 500'000), prices(1, 1)), 1);
  EXPECT_EQ(charge(usage(0, 0), prices(150'000, 600'000, -1, 5'000)), 5'000);  // per-request fee
  EXPECT_EQ(charge(usage(1000, 200), prices(150'000, 600'000, -1, 5'000)), 5'270);
  // Around the script's switch to split arithmetic (prices from 2^31).
  EXPECT_EQ(charge(usage(999'999, 1), prices((1LL << 31) - 1, 1LL << 31)), 2'147'483'648);
  // Large but representable: 2e9 tokens at 3e9 per 1M = 6e12 each.
  EXPECT_EQ(charge(usage(2'000'000'000, 2'000'000'000), prices(3'000'000'000, 3'000'000'000)), 12'000'000'000'000);
}

TEST_F(DefaultPricing, CachedTokensUseTheCachedPrice) {
  // 600 * 150000 + 400 * 75000 = 90M + 30M -> 120
  EXPECT_EQ(charge(usage(1000, 0, 400), prices(150'000, 600'000, 75'000)), 120);
  // Without a cached price (-1 in the config) cached tokens cost the input price.
  EXPECT_EQ(charge(usage(1000, 0, 400), prices(150'000, 600'000)), 150);
  // More cached than prompt tokens is clamped.
  EXPECT_EQ(charge(usage(100, 0, 5000), prices(1'000'000, 0, 10'000)), 1);
}

TEST_F(DefaultPricing, MarkupInMillionthsRoundsUpOnce) {
  EXPECT_EQ(charge(usage(1000, 200), prices(150'000, 600'000, -1, 0, 1'250'000)), 338);  // 270 * 1.25 = 337.5
  EXPECT_EQ(charge(usage(1000, 200), prices(150'000, 600'000, -1, 0, 2'000'000)), 540);
  EXPECT_EQ(charge(usage(1000, 200), prices(150'000, 600'000, -1, 0, 500'000)), 135);
  EXPECT_EQ(charge(usage(1'000'000, 0), prices(1, 0, -1, 0, 1'000'100)), 2);  // 1.0001 -> 2
  EXPECT_EQ(charge(usage(1000, 200), prices(150'000, 600'000, -1, 0, 0)), 0);
  // One rounding, after the markup: 0.4 units at 2.0x is 0.8, charged 1, not 2.
  EXPECT_EQ(charge(usage(400'000, 0), prices(1, 0, -1, 0, 2'000'000)), 1);
  // The request fee is marked up too.
  EXPECT_EQ(charge(usage(0, 0), prices(0, 0, -1, 1'000, 1'500'000)), 1'500);
}

TEST_F(DefaultPricing, ImagesAtTheirPrice) {
  auto c = prices(1'000'000, 0, -1, 10, 1'100'000);
  c.prices.image = 50;
  auto u = usage(100, 0);
  u.images = 3;
  EXPECT_EQ(charge(u, c), 286);  // (100 + 10 + 150) * 1.1
}

TEST_F(DefaultPricing, CacheWritesAtTheirPrice) {
  auto c = prices(1'000'000, 2'000'000, 100'000);
  c.prices.cacheWrite = 1'250'000;
  auto u = usage(12'100, 500, 10'000);
  u.cacheWriteTokens = 2'000;
  EXPECT_EQ(charge(u, c), 100 + 1'000 + 2'500 + 1'000);
  // Writes beyond what the prompt has left after the reads are not billed twice.
  u.cacheWriteTokens = 5'000;
  EXPECT_EQ(charge(u, c), 1'000 + 2'625 + 1'000);
}

TEST_F(DefaultPricing, MatchesTheCxxReferenceOnRandomInputs) {
  std::mt19937_64 random(20240611);
  auto pick = [&](uint64_t max) { return std::uniform_int_distribution<uint64_t>(0, max)(random); };
  for (int i = 0; i < 3000; ++i) {
    // Even rounds stay within the script's direct formula (prices below 2^31), odd ones often not.
    uint64_t maxPrice = i % 2 == 0 ? 2'000'000'000 : 10'000'000'000;
    auto u = usage(pick(10'000'000), pick(1'000'000), 0);
    u.cachedTokens = pick(u.promptTokens + 10);
    u.cacheWriteTokens = pick(u.promptTokens / 2 + 10);
    auto c = prices(int64_t(pick(maxPrice)), int64_t(pick(maxPrice)), int64_t(pick(maxPrice)),
                    int64_t(pick(100'000'000)), int64_t(pick(5'000'000)));
    c.prices.image = int64_t(pick(1'000'000));
    c.prices.cacheWrite = int64_t(pick(maxPrice));
    u.images = pick(10);
    auto out = engine_.price(u, c);
    ASSERT_TRUE(out.ok()) << out.error.message;
    ASSERT_EQ(out.amount, reference(u, c))
        << "prompt " << u.promptTokens << " completion " << u.completionTokens << " cached " << u.cachedTokens;
  }
}

TEST_F(DefaultPricing, OverflowIsAnErrorNotAWrappedAmount) {
  auto u = usage(4'000'000'000'000, 0);
  auto c = prices(4'000'000'000'000'000, 0);
  auto out = engine_.price(u, c);
  EXPECT_EQ(out.error.kind, PolicyErrorKind::Script);
  EXPECT_NE(out.error.message.find("overflows 64-bit integers"), std::string::npos) << out.error.message;
  EXPECT_EQ(reference(u, c), std::numeric_limits<int64_t>::max());  // the fallback saturates

  // Representable in 64 bits but above PolicyLimits::maxAmount.
  auto big = engine_.price(usage(2'000'000'000'000, 0), prices(1'000'000'000'000, 0));
  EXPECT_EQ(big.error.kind, PolicyErrorKind::BadResult) << big.error.message;
  EXPECT_NE(big.error.message.find("above the largest accepted amount"), std::string::npos) << big.error.message;
}

TEST(PolicyPrices, FromTheConfig) {
  EXPECT_EQ(pricesOf(config::Price{.input = 5, .output = 7}).cachedInput, 5);
  EXPECT_EQ(pricesOf(config::Price{.input = 5, .output = 7, .cachedInput = 2}).cachedInput, 2);
}

TEST(PolicyPricingExample, TierAndCacheDiscounts) {
  PolicyEngine engine;
  auto loaded = engine.reload(repoScript("scripts/routing.lua"), repoScript("scripts/examples/pricing_tiers.lua"));
  ASSERT_TRUE(loaded.ok) << loaded.error;
  auto context = prices(150'000, 600'000, 100'000);
  // No cache, no tier: the configured price.
  EXPECT_EQ(engine.price(usage(1000, 200), context).amount, 270);
  // 400 cached tokens at half of 100000: 600 * 150000 + 400 * 50000 + 200 * 600000 = 230M -> 230.
  EXPECT_EQ(engine.price(usage(1000, 200, 400), context).amount, 230);
  context.tier = "pro";  // 10% off
  EXPECT_EQ(engine.price(usage(1000, 200, 400), context).amount, 207);
  context.tier = "enterprise";  // 20% off, rounded up
  EXPECT_EQ(engine.price(usage(1001, 200, 400), context).amount, 185);  // 230.15 -> 231 -> 184.8 -> 185
  context.tier = "unknown";
  EXPECT_EQ(engine.price(usage(1000, 200, 400), context).amount, 230);
}

struct BadPrice {
  const char* name;
  const char* result;
  const char* message;
};

class PolicyBadPrice : public ::testing::TestWithParam<BadPrice> {};

TEST_P(PolicyBadPrice, IsABadResult) {
  // The trial call gets 1 so that the script loads; the tested value comes for model "x".
  auto engine = engineWith(kNilRouting, std::string("function price(u, c) if u.model ~= 'x' then return 1 end return ") +
                                            GetParam().result + " end");
  PriceUsage u;
  u.model = "x";
  auto out = engine->price(u, {});
  EXPECT_EQ(out.error.kind, PolicyErrorKind::BadResult) << out.error.message;
  EXPECT_EQ(out.amount, 0);
  EXPECT_NE(out.error.message.find(GetParam().message), std::string::npos) << out.error.message;
}

INSTANTIATE_TEST_SUITE_P(
    Policy, PolicyBadPrice,
    ::testing::Values(BadPrice{"Float", "1.5", "returned the float 1.5"},
                      BadPrice{"IntegralFloat", "3.0", "returned the float 3"},
                      BadPrice{"NaN", "0/0", "returned NaN"},
                      BadPrice{"Infinity", "math.huge", "returned the float inf"},
                      BadPrice{"Negative", "-5", "returned a negative amount (-5)"},
                      BadPrice{"Huge", "math.maxinteger", "above the largest accepted amount"},
                      BadPrice{"String", "'12'", "returned a string"},
                      BadPrice{"Nil", "nil", "returned nil"},
                      BadPrice{"Boolean", "true", "returned a boolean"},
                      BadPrice{"TableWithoutAmount", "{}", "returned a table without amount"},
                      BadPrice{"TableWithOtherField", "{amount = 1, currency = 'msat'}", "a field other than amount"},
                      BadPrice{"TableWithFloat", "{amount = 2.5}", "returned amount = the float 2.5"},
                      BadPrice{"TableWithNegative", "{amount = -1}", "returned amount = a negative amount"}),
    [](const ::testing::TestParamInfo<BadPrice>& info) { return std::string(info.param.name); });

TEST(PolicyPrice, TableWithAmountIsAccepted) {
  auto engine = engineWith(kNilRouting, "function price(u, c) return {amount = 42} end");
  auto out = engine->price({}, {});
  EXPECT_TRUE(out.ok()) << out.error.message;
  EXPECT_EQ(out.amount, 42);
}

TEST(PolicyPrice, FieldsReachTheScript) {
  auto engine = engineWith(kNilRouting, R"(
    function price(u, c)
      if u.model ~= 'x' then return 1 end
      assert(u.provider == 'p' and u.prompt_tokens == 10 and u.completion_tokens == 20 and u.cached_tokens == 5)
      assert(u.stream == true and u.images == 2 and c.account_id == 'a1' and c.tier == 'pro' and c.markup_ppm == 1200000)
      local p = c.prices
      assert(p.input == 1 and p.output == 2 and p.cached_input == 3 and p.request == 4 and p.image == 6)
      return 99
    end)");
  PriceUsage u{"x", "p", 10, 20, 5, 2, true};
  PriceContext c;
  c.accountId = "a1";
  c.tier = "pro";
  c.prices = {1, 2, 3, 4, 6};
  c.markupPpm = 1'200'000;
  auto out = engine->price(u, c);
  EXPECT_TRUE(out.ok()) << out.error.message;
  EXPECT_EQ(out.amount, 99);
}

}  // namespace
}  // namespace turnpike::policy
