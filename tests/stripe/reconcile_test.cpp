// Sessions read back from Stripe: GET /v1/stripe/reconcile/{id} and on_topup_check credit a paid
// session whose webhook never came, once, even racing the webhook.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "plugin_fixture.hpp"

namespace turnpike::stripe_test {
namespace {

using Reconcile = PluginTest;

TEST_F(Reconcile, CreditsAPaidSessionWhoseWebhookNeverCame) {
  std::string id = createSession("top_1", "10.00", 20'000'000)["id"];
  auto open = plugin->reconcile(id);
  EXPECT_EQ(open.status, 200);
  EXPECT_EQ(open.body["status"], "open");
  EXPECT_EQ(open.body["payment_status"], "unpaid");
  EXPECT_EQ(open.body["credited"], false);
  EXPECT_TRUE(host.reports().empty());

  stripe.complete(id);
  auto paid = plugin->reconcile(id);
  EXPECT_EQ(paid.status, 200);
  EXPECT_EQ(paid.body["outcome"], "credited");
  EXPECT_EQ(paid.body["credited"], true);
  EXPECT_EQ(paid.body["topup_id"], "top_1");
  EXPECT_EQ(paid.body["amount_msat"], 20'000'000);
  ASSERT_EQ(host.reports().size(), 1u);
  EXPECT_EQ(host.reports()[0]["external_id"], id);
  EXPECT_EQ(json::parse(*host.stateGet("paid:" + id))["via"], "api");

  // Afterwards the answer comes from the state, without asking Stripe.
  size_t lookups = stripe.count("GET", "/v1/checkout/sessions/");
  auto again = plugin->reconcile(id);
  EXPECT_EQ(again.body["outcome"], "already_credited");
  EXPECT_EQ(again.body["amount_msat"], 20'000'000);
  EXPECT_EQ(stripe.count("GET", "/v1/checkout/sessions/"), lookups);
  EXPECT_EQ(host.reports().size(), 1u);
  auto lookup = stripe.requests().back();
  EXPECT_EQ(lookup.uri, "/v1/checkout/sessions/" + id);
  EXPECT_EQ(lookup.headers.at("authorization"), std::string("Bearer ") + kSecretKey);
  EXPECT_EQ(lookup.headers.count("idempotency-key"), 0u);
}

TEST_F(Reconcile, UnknownAndMalformedIdsNeverReachStripe) {
  auto unknown = plugin->reconcile("cs_test_not_ours");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body["error"]["code"], "session_not_found");
  for (const char* bad : {"pi_123", "cs_", "cs_../../v1/charges", "cs_a%2Fb", "cs_a?expand=x"}) {
    SCOPED_TRACE(bad);
    auto r = plugin->reconcile(bad);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body["error"]["code"], "invalid_session_id");
  }
  EXPECT_EQ(stripe.requests().size(), 0u);
}

TEST_F(Reconcile, LooksASessionUpAtMostOncePerInterval) {
  TestHost other;
  StripePlugin throttled(other, pluginConfig(stripe.url(), {{"check_interval_seconds", 60}}));
  auto created = throttled.topupCreate(topupRequest("top_t", "10", 20'000'000));
  ASSERT_TRUE(created.ok) << created.error;
  std::string id = created.body["external_ref"];
  EXPECT_EQ(throttled.reconcile(id).status, 200);
  auto second = throttled.reconcile(id);
  EXPECT_EQ(second.status, 429);
  EXPECT_EQ(second.body["error"]["code"], "too_many_checks");
  int retryAfter = std::stoi(second.headers.at("retry-after").get<std::string>());
  EXPECT_GE(retryAfter, 59);
  EXPECT_LE(retryAfter, 61);
  // The status checks of GET /v1/topup/{id} share the budget.
  ASSERT_TRUE(throttled.topupCheck(json{{"topup_id", "top_t"}, {"external_ref", id}}).ok);
  EXPECT_EQ(stripe.count("GET", "/v1/checkout/sessions/"), 1u);
}

TEST_F(Reconcile, StripeFailuresAreBadGateway) {
  std::string id = createSession()["id"];
  stripe.retrieveStatus = 500;
  auto r = plugin->reconcile(id);
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.body["error"]["code"], "stripe_unavailable");
  EXPECT_EQ(stripe.count("GET", "/v1/checkout/sessions/"), 3u);  // retried as Stripe advises for 5xx
  EXPECT_TRUE(host.logged("answered 500: An unknown error occurred (api_error)"));
  expectNoSecretsLogged();
}

TEST_F(Reconcile, TopupCheckCreditsAPaidSession) {
  std::string id = createSession("top_c", "2.50", 5'000'000)["id"];
  json topup{{"topup_id", "top_c"}, {"amount_msat", 5'000'000}, {"currency", "USD"}, {"currency_amount", "2.50"},
             {"external_ref", id}};
  ASSERT_TRUE(plugin->topupCheck(topup).ok);
  EXPECT_TRUE(host.reports().empty());
  stripe.complete(id);
  ASSERT_TRUE(plugin->topupCheck(topup).ok);
  ASSERT_EQ(host.reports().size(), 1u);
  EXPECT_EQ(host.reports()[0], json({{"topup_id", "top_c"}, {"external_id", id}, {"amount_msat", 5'000'000}}));

  json broken = topup;
  broken["external_ref"] = "not-a-session";
  EXPECT_FALSE(plugin->topupCheck(broken).ok);
  stripe.retrieveStatus = 503;
  std::string other = createSession("top_d")["id"];
  broken["external_ref"] = other;
  auto failed = plugin->topupCheck(broken);
  ASSERT_FALSE(failed.ok);
  EXPECT_NE(failed.error.find("GET /v1/checkout/sessions/" + other + " answered 503"), std::string::npos) << failed.error;
}

TEST_F(Reconcile, RacingTheWebhookCreditsOnce) {
  for (int round = 0; round < 5; ++round) {
    std::string topup = "top_race" + std::to_string(round);
    std::string id = createSession(topup)["id"];
    std::string event = paidEvent(id);
    std::vector<std::thread> threads;
    std::vector<int> statuses(6);
    for (size_t i = 0; i < statuses.size(); ++i)
      threads.emplace_back([&, i] { statuses[i] = i % 2 == 0 ? plugin->deliver(event).status : plugin->reconcile(id).status; });
    for (auto& t : threads) t.join();
    for (int s : statuses) EXPECT_EQ(s, 200);
  }
  EXPECT_EQ(host.creditedCount(), 5u);
  for (const auto& r : host.reports()) EXPECT_EQ(r["amount_msat"], 20'000'000);
  EXPECT_EQ(host.stateKeys("paid:").size(), 5u);
}

}  // namespace
}  // namespace turnpike::stripe_test
