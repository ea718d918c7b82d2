// POST /v1/webhooks/stripe through on_http: signed deliveries credit paid sessions once, for the
// amount asked; anything unsigned, tampered or stale is refused and changes nothing.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "plugin_fixture.hpp"
#include "stripe/webhook_signature.hpp"

namespace turnpike::stripe_test {
namespace {

using Webhook = PluginTest;

json report(const std::string& topupId, const std::string& sessionId, uint64_t msat) {
  return json{{"topup_id", topupId}, {"external_id", sessionId}, {"amount_msat", msat}};
}

TEST_F(Webhook, PaidSessionIsCreditedOnceForTheAmountAsked) {
  json session = createSession("top_1", "10.00", 20'000'000);
  std::string id = session["id"];
  std::string event = paidEvent(id);
  auto r = plugin->deliver(event);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["outcome"], "credited");
  EXPECT_EQ(r.body["session"], id);
  ASSERT_EQ(host.reports().size(), 1u);
  EXPECT_EQ(host.reports()[0], report("top_1", id, 20'000'000));
  EXPECT_EQ(json::parse(*host.stateGet("paid:" + id))["via"], "webhook");

  // Stripe delivers again (a lost acknowledgement): acknowledged, nothing more credited.
  auto again = plugin->deliver(event);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body["outcome"], "already_credited");
  EXPECT_EQ(host.creditedCount(), 1u);
  EXPECT_EQ(host.reports().size(), 1u);
  EXPECT_EQ(stripe.count("GET", "/v1/checkout/sessions/"), 0u);  // a signed event needs no look-up
  expectNoSecretsLogged();
}

TEST_F(Webhook, ConcurrentIdenticalDeliveriesCreditOnce) {
  std::string id = createSession()["id"];
  std::string event = paidEvent(id);
  std::string signature = signatureHeader(kWebhookSecret, event);
  std::vector<int> statuses(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < statuses.size(); ++i)
    threads.emplace_back([&, i] { statuses[i] = plugin->webhook(event, signature).status; });
  for (auto& t : threads) t.join();
  for (int s : statuses) EXPECT_EQ(s, 200);
  EXPECT_EQ(host.creditedCount(), 1u);
  for (const auto& r : host.reports()) EXPECT_EQ(r, report("top_1", id, 20'000'000));
  EXPECT_EQ(host.stateKeys("paid:").size(), 1u);
}

TEST_F(Webhook, AsyncPaymentIsCreditedWhenItSucceeds) {
  std::string id = createSession()["id"];
  // Checkout completes with a bank debit still in flight: not paid yet.
  auto completed = plugin->deliver(checkoutEvent("checkout.session.completed", stripe.complete(id, "unpaid")).dump());
  EXPECT_EQ(completed.status, 200);
  EXPECT_EQ(completed.body["outcome"], "not_paid");
  EXPECT_TRUE(host.reports().empty());
  auto succeeded = plugin->deliver(paidEvent(id, "checkout.session.async_payment_succeeded"));
  EXPECT_EQ(succeeded.status, 200);
  EXPECT_EQ(succeeded.body["outcome"], "credited");
  EXPECT_EQ(host.creditedCount(), 1u);
}

TEST_F(Webhook, OtherEventsAreAcknowledgedAndIgnored) {
  std::string id = createSession()["id"];
  for (const char* type : {"checkout.session.expired", "checkout.session.async_payment_failed"}) {
    auto r = plugin->deliver(checkoutEvent(type, *stripe.session(id)).dump());
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body["ignored"], type);
  }
  json intent{{"id", "pi_3Abc"}, {"object", "payment_intent"}, {"amount", 1000}, {"status", "succeeded"}};
  auto r = plugin->deliver(checkoutEvent("payment_intent.succeeded", intent).dump());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["ignored"], "payment_intent.succeeded");
  // A paid session in an event that does not credit (e.g. a dashboard update) credits nothing.
  auto updated = plugin->deliver(checkoutEvent("checkout.session.expired", stripe.complete(id)).dump());
  EXPECT_EQ(updated.status, 200);
  EXPECT_TRUE(host.reports().empty());
}

TEST_F(Webhook, SessionsOfOtherIntegrationsAreIgnored) {
  json foreign{{"id", "cs_test_someone_else"}, {"object", "checkout.session"}, {"status", "complete"},
               {"payment_status", "paid"}, {"amount_total", 5000}, {"currency", "usd"}, {"client_reference_id", "order_77"}};
  auto r = plugin->deliver(checkoutEvent("checkout.session.completed", foreign).dump());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["outcome"], "unknown_session");
  EXPECT_TRUE(host.reports().empty());
}

TEST_F(Webhook, TamperedPayloadIsRefusedAndChangesNothing) {
  std::string id = createSession()["id"];
  std::string event = paidEvent(id);
  std::string signature = signatureHeader(kWebhookSecret, event);
  std::string tampered = event;
  tampered.replace(tampered.find("\"amount_total\":1000"), 19, "\"amount_total\":9000");
  auto r = plugin->webhook(tampered, signature);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["code"], "invalid_signature");
  EXPECT_EQ(r.body["error"]["message"], "stripe: no v1 signature matches the payload");
  // Signed with another endpoint's secret, or with the secret's prefix dropped.
  EXPECT_EQ(plugin->webhook(event, signatureHeader("whsec_other_endpoint", event)).status, 400);
  EXPECT_EQ(plugin->webhook(event, signatureHeader("turnpike0test0signing0secret", event)).status, 400);
  // Only v0 (Stripe's test scheme) is not enough.
  std::string v0 = signatureHeader(kWebhookSecret, event);
  v0.replace(v0.find("v1="), 3, "v0=");
  EXPECT_EQ(plugin->webhook(event, v0).status, 400);
  EXPECT_TRUE(host.reports().empty());
  EXPECT_TRUE(host.stateKeys("paid:").empty());
  expectNoSecretsLogged();
}

TEST_F(Webhook, AnyMatchingV1IsEnough) {
  std::string id = createSession()["id"];
  std::string event = paidEvent(id);
  // While a secret is rolled, Stripe signs with the old and the new one.
  int64_t t = unixNow();
  std::string rolled = "t=" + std::to_string(t) + ",v1=" + payments::stripe::computeSignature("whsec_old", t, event) +
                       ",v1=" + payments::stripe::computeSignature(kWebhookSecret, t, event);
  EXPECT_EQ(plugin->webhook(event, rolled).status, 200);
  EXPECT_EQ(host.creditedCount(), 1u);
}

TEST_F(Webhook, StaleSignatureIsRefused) {
  std::string id = createSession()["id"];
  std::string event = paidEvent(id);
  auto stale = plugin->webhook(event, signatureHeader(kWebhookSecret, event, unixNow() - 301));
  EXPECT_EQ(stale.status, 400);
  EXPECT_EQ(stale.body["error"]["message"], "stripe: timestamp outside the tolerance zone");
  EXPECT_EQ(plugin->webhook(event, signatureHeader(kWebhookSecret, event, unixNow() - 290)).status, 200);
  EXPECT_EQ(host.creditedCount(), 1u);
}

TEST_F(Webhook, ToleranceIsConfigurable) {
  TestHost other;
  StripePlugin strict(other, pluginConfig(stripe.url(), {{"signature_tolerance_seconds", 10}}));
  std::string event = checkoutEvent("checkout.session.expired", json{{"id", "cs_test_1"}, {"object", "checkout.session"}}).dump();
  EXPECT_EQ(strict.webhook(event, signatureHeader(kWebhookSecret, event, unixNow() - 30)).status, 400);
  EXPECT_EQ(strict.webhook(event, signatureHeader(kWebhookSecret, event, unixNow() - 2)).status, 200);
}

TEST_F(Webhook, UnsignedOrMalformedDeliveriesAreRefused) {
  std::string id = createSession()["id"];
  std::string event = paidEvent(id);
  auto unsigned_ = plugin->webhook(event, "");
  EXPECT_EQ(unsigned_.status, 400);
  EXPECT_EQ(unsigned_.body["error"]["code"], "missing_signature");
  for (const char* header : {"garbage", "t=,v1=", "v1=abc", "t=123"}) {
    SCOPED_TRACE(header);
    EXPECT_EQ(plugin->webhook(event, header).status, 400);
  }
  std::string notJson = "{not json";
  auto malformed = plugin->webhook(notJson, signatureHeader(kWebhookSecret, notJson));
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.body["error"]["code"], "invalid_event");
  EXPECT_TRUE(host.reports().empty());
}

TEST_F(Webhook, UnpayableAnswerIsRetriedByStripe) {
  std::string id = createSession()["id"];
  std::string event = paidEvent(id);
  host.failReports = true;  // the gateway's database is unavailable
  auto failed = plugin->deliver(event);
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.body["error"]["code"], "not_recorded");
  EXPECT_TRUE(host.stateKeys("paid:").empty());  // not marked: the redelivery must report it
  host.failReports = false;
  auto redelivered = plugin->deliver(event);
  EXPECT_EQ(redelivered.status, 200);
  EXPECT_EQ(redelivered.body["outcome"], "credited");
  EXPECT_EQ(host.creditedCount(), 1u);
}

TEST_F(Webhook, NeverCreditsMoreThanTheTopup) {
  std::string id = createSession("top_1", "10.00", 20'000'000)["id"];
  // Charged more than asked (say, a tax the account added): the top-up's amount, no more.
  stripe.patch(id, {{"amount_total", 1500}});
  EXPECT_EQ(plugin->deliver(paidEvent(id)).body["outcome"], "credited");
  EXPECT_EQ(host.reports().at(0)["amount_msat"], 20'000'000);
  EXPECT_TRUE(host.logged("charged 15.00 USD for a top-up of 10.00 USD"));
}

TEST_F(Webhook, ChargedLessCreditsItsShare) {
  std::string id = createSession("top_1", "10.00", 20'000'000)["id"];
  stripe.patch(id, {{"amount_total", 333}});
  EXPECT_EQ(plugin->deliver(paidEvent(id)).body["outcome"], "credited");
  EXPECT_EQ(host.reports().at(0)["amount_msat"], 6'660'000);  // 3.33 of 10.00, rounded down
}

TEST_F(Webhook, AnotherCurrencyOrTopupIsNotCredited) {
  std::string eur = createSession("top_eur")["id"];
  stripe.patch(eur, {{"currency", "eur"}});
  EXPECT_EQ(plugin->deliver(paidEvent(eur)).body["outcome"], "mismatch");
  std::string moved = createSession("top_moved")["id"];
  stripe.patch(moved, {{"client_reference_id", "top_other"}});
  EXPECT_EQ(plugin->deliver(paidEvent(moved)).body["outcome"], "mismatch");
  std::string free = createSession("top_free")["id"];
  stripe.patch(free, {{"amount_total", 0}});
  EXPECT_EQ(plugin->deliver(paidEvent(free)).body["outcome"], "mismatch");
  EXPECT_TRUE(host.reports().empty());
  EXPECT_TRUE(host.logged("not credited: it was paid in 'eur', not usd"));
  EXPECT_TRUE(host.logged("not credited: its client_reference_id names top-up top_other"));
}

}  // namespace
}  // namespace turnpike::stripe_test
