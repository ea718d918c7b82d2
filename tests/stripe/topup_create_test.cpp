// on_topup_create against the fake Stripe: the Checkout Session asked for, idempotent retries,
// Stripe's refusals, and sessions that would charge something else.
#include <gtest/gtest.h>

#include "plugin_fixture.hpp"

namespace turnpike::stripe_test {
namespace {

using TopupCreate = PluginTest;

TEST_F(TopupCreate, AsksForAUsdCheckoutSessionTiedToTheTopup) {
  auto r = plugin->topupCreate(topupRequest("top_abc", "12.5", 25'000'000));
  ASSERT_TRUE(r.ok) << r.error;
  auto requests = stripe.requests();
  ASSERT_EQ(requests.size(), 1u);
  const test::RecordedRequest& sent = requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.uri, "/v1/checkout/sessions");
  EXPECT_EQ(sent.headers.at("authorization"), std::string("Bearer ") + kSecretKey);
  EXPECT_EQ(sent.headers.at("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(sent.headers.at("idempotency-key"), "turnpike-checkout-top_abc");
  EXPECT_EQ(sent.headers.count("stripe-version"), 0u);

  auto form = decodeForm(sent.body);
  EXPECT_EQ(form["mode"], "payment");
  EXPECT_EQ(form["client_reference_id"], "top_abc");
  EXPECT_EQ(form["metadata[topup_id]"], "top_abc");
  EXPECT_EQ(form["metadata[amount_msat]"], "25000000");
  EXPECT_EQ(form["payment_intent_data[metadata][topup_id]"], "top_abc");
  EXPECT_EQ(form["line_items[0][price_data][currency]"], "usd");
  EXPECT_EQ(form["line_items[0][price_data][unit_amount]"], "1250");
  EXPECT_EQ(form["line_items[0][price_data][product_data][name]"], "Turnpike credit");
  EXPECT_EQ(form["line_items[0][price_data][product_data][description]"], "Turnpike top-up");
  EXPECT_EQ(form["line_items[0][quantity]"], "1");
  // Stripe fills {CHECKOUT_SESSION_ID}; the plugin fills {TOPUP_ID}.
  EXPECT_EQ(form["success_url"], "https://gateway.example/paid?session={CHECKOUT_SESSION_ID}&topup=top_abc");
  EXPECT_EQ(form["cancel_url"], "https://gateway.example/cancelled?topup=top_abc");
  int64_t expiresAt = std::stoll(form["expires_at"]);
  EXPECT_NEAR(expiresAt, unixNow() + 3600, 5);  // the top-up's own end

  json session = stripe.sessions().at(0);
  EXPECT_EQ(r.body["external_ref"], session["id"]);
  EXPECT_EQ(r.body["expires_at"], session["expires_at"].get<int64_t>() * 1000);
  EXPECT_EQ(r.body["details"]["url"], session["url"]);
  EXPECT_EQ(r.body["details"]["session_id"], session["id"]);
  EXPECT_EQ(r.body["details"]["amount_usd"], "12.50");
  EXPECT_EQ(r.body["details"]["amount_usd_cents"], 1250);
  EXPECT_EQ(r.body["details"]["reconcile_path"], "/v1/stripe/reconcile/" + session["id"].get<std::string>());
  // The session is remembered with what it must be paid.
  auto record = host.stateGet("session:" + session["id"].get<std::string>());
  ASSERT_TRUE(record);
  EXPECT_EQ(json::parse(*record)["topup_id"], "top_abc");
  EXPECT_EQ(json::parse(*record)["amount_cents"], 1250);
  EXPECT_EQ(json::parse(*record)["amount_msat"], 25'000'000);
}

TEST_F(TopupCreate, KeepsTheSessionInsideStripesExpiryWindow) {
  json soon = topupRequest("top_soon", "5", 1'000'000);
  soon["expires_at"] = (unixNow() + 60) * 1000;
  ASSERT_TRUE(plugin->topupCreate(soon).ok);
  json late = topupRequest("top_late", "5", 1'000'000);
  late["expires_at"] = (unixNow() + 7 * 86'400) * 1000;
  ASSERT_TRUE(plugin->topupCreate(late).ok);
  auto requests = stripe.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NEAR(std::stoll(decodeForm(requests[0].body)["expires_at"]), unixNow() + 31 * 60, 5);
  EXPECT_NEAR(std::stoll(decodeForm(requests[1].body)["expires_at"]), unixNow() + 24 * 3600 - 60, 5);
}

TEST_F(TopupCreate, SendsTheConfiguredApiVersionAndProductName) {
  TestHost other;
  StripePlugin pinned(other, pluginConfig(stripe.url(), {{"api_version", "2024-06-20"}, {"product_name", "Acme AI credit"}}));
  ASSERT_TRUE(pinned.topupCreate(topupRequest("top_v", "1", 2'000'000)).ok);
  auto sent = stripe.requests().at(0);
  EXPECT_EQ(sent.headers.at("stripe-version"), "2024-06-20");
  EXPECT_EQ(decodeForm(sent.body)["line_items[0][price_data][product_data][name]"], "Acme AI credit");
}

TEST_F(TopupCreate, ARetryAfterALostAnswerGetsTheSameSession) {
  // The first answer comes after the plugin stopped waiting; the retry under the same key finds
  // the request still running (409), then Stripe's saved answer.
  TestHost other;
  StripePlugin impatient(other, pluginConfig(stripe.url(), {{"timeout_ms", 300}}));
  stripe.slowCreateMs = 700;
  auto r = impatient.topupCreate(topupRequest("top_slow", "10", 20'000'000));
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(stripe.sessions().size(), 1u);
  EXPECT_EQ(r.body["external_ref"], stripe.sessions()[0]["id"]);
  auto creates = stripe.requests();
  ASSERT_GE(creates.size(), 2u);
  for (const auto& c : creates) {
    EXPECT_EQ(c.headers.at("idempotency-key"), "turnpike-checkout-top_slow");
    EXPECT_EQ(c.body, creates[0].body);  // the same bytes, or Stripe would refuse the key
  }
}

TEST_F(TopupCreate, RetriesWhileStripeIsUnavailable) {
  stripe.unavailableCreates = 2;
  auto r = plugin->topupCreate(topupRequest("top_503", "10", 20'000'000));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(stripe.count("POST", "/v1/checkout/sessions"), 3u);
  EXPECT_EQ(stripe.sessions().size(), 1u);
  EXPECT_TRUE(host.logged("answered 503"));
}

TEST_F(TopupCreate, GivesUpAfterThreeAttempts) {
  stripe.unavailableCreates = 5;
  auto r = plugin->topupCreate(topupRequest("top_down", "10", 20'000'000));
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.find("answered 503: The service is temporarily unavailable."), std::string::npos) << r.error;
  EXPECT_EQ(stripe.count("POST", "/v1/checkout/sessions"), 3u);
  EXPECT_TRUE(host.stateKeys("session:").empty());
}

TEST_F(TopupCreate, ReportsStripesRefusalWithoutRetrying) {
  stripe.createStatus = 400;
  auto r = plugin->topupCreate(topupRequest("top_400", "10", 20'000'000));
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.find("POST /v1/checkout/sessions answered 400"), std::string::npos) << r.error;
  EXPECT_EQ(stripe.count("POST", "/v1/checkout/sessions"), 1u);
}

TEST_F(TopupCreate, UnreachableStripeIsAClearFailure) {
  TestHost other;
  StripePlugin nowhere(other, pluginConfig("http://127.0.0.1:1", {{"timeout_ms", 500}}));
  auto r = nowhere.topupCreate(topupRequest("top_x", "10", 20'000'000));
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.find("stripe: POST /v1/checkout/sessions failed: "), std::string::npos) << r.error;
}

TEST_F(TopupCreate, AWrongKeyNeverShowsInErrorsOrLogs) {
  stripe.echoKeyInErrors = true;  // even when the answer repeats the key in full
  TestHost other;
  const std::string wrongKey = "sk_test_51Wrong0Key0Of0Another0Account";
  StripePlugin misconfigured(other, pluginConfig(stripe.url(), {{"secret_key", wrongKey}}));
  auto r = misconfigured.topupCreate(topupRequest("top_k", "10", 20'000'000));
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.find("answered 401: Invalid API Key provided: [redacted]"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find(wrongKey), std::string::npos);
  for (const auto& line : other.logs()) EXPECT_EQ(line.find(wrongKey), std::string::npos) << line;
}

TEST_F(TopupCreate, RefusesASessionThatChargesOtherThanAsked) {
  stripe.amountSkewCents = 100;
  auto r = plugin->topupCreate(topupRequest("top_skew", "10", 20'000'000));
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.find("charges 11.00 usd instead of 10.00 usd"), std::string::npos) << r.error;
  EXPECT_TRUE(host.stateKeys("session:").empty());
}

TEST_F(TopupCreate, RefusesAmountsItCannotCharge) {
  const std::pair<json, const char*> cases[] = {
      {{{"currency", "SATS"}, {"currency_amount", "20000"}}, "top-ups are asked for in USD"},
      {{{"currency_amount", "0.49"}}, "between 0.50 and 1000.00 USD"},
      {{{"currency_amount", "1000.01"}}, "between 0.50 and 1000.00 USD"},
      {{{"currency_amount", "1.001"}}, "not a USD amount"},
      {{{"amount_msat", 0}}, "amount_msat must be a positive whole number"},
      {{{"topup_id", ""}}, "topup_id is required"},
  };
  for (const auto& [patch, expected] : cases) {
    SCOPED_TRACE(patch.dump());
    json t = topupRequest("top_bad", "10", 20'000'000);
    t.merge_patch(patch);
    auto r = plugin->topupCreate(t);
    ASSERT_FALSE(r.ok);
    EXPECT_NE(r.error.find(expected), std::string::npos) << r.error;
  }
  EXPECT_EQ(stripe.requests().size(), 0u);
}

}  // namespace
}  // namespace turnpike::stripe_test
