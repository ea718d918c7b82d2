// Card top-ups through the real gateway: libstripe.so loaded from the build tree, a fake Stripe
// API, signed webhooks over HTTP, balances read from the store.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "config/diagnostics.hpp"
#include "fake_stripe.hpp"
#include "gateway_fixture.hpp"
#include "plugin_harness.hpp"
#include "stripe_events.hpp"
#include "test_client.hpp"

namespace turnpike::stripe_test {
namespace {

using test::GatewayFixture;
using test::Headers;
using test::httpRequest;
using test::postJson;

std::string config(const std::string& apiBase) {
  return test::expand(R"(
billing:
  rates: {usd_per_btc: 50000}
payments:
  - name: card
    plugin: stripe
    secret_key: )" + std::string(kSecretKey) + R"(
    webhook_secret: )" + std::string(kWebhookSecret) + R"(
    api_base: {{api}}
    success_url: https://gateway.example/paid?session={CHECKOUT_SESSION_ID}
    min_usd: "1"
    max_usd: "500"
    check_interval_seconds: 0
providers:
  - name: mock
    plugin: mock
    models:
      - id: paid
        price: {request: 2000}
        max_output_tokens: 20
)", "api", apiBase);
}

Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

class StripeGateway : public ::testing::Test {
 protected:
  FakeStripe stripe{kSecretKey};
  GatewayFixture gw{config(stripe.url())};

  json createTopup(const std::string& body, const Headers& headers = {}) {
    auto r = postJson(gw.port(), "/v1/topup/card", body, headers);
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body);
  }

  test::HttpResult webhook(const std::string& payload, const std::string& signature) {
    return postJson(gw.port(), "/v1/webhooks/stripe", payload,
                    {{"Content-Type", "application/json; charset=utf-8"}, {"Stripe-Signature", signature}});
  }

  std::string paidEvent(const std::string& sessionId) {
    return checkoutEvent("checkout.session.completed", stripe.complete(sessionId)).dump();
  }

  // The event an attacker would forge: Stripe itself still holds the session unpaid.
  std::string forgedPaidEvent(const std::string& sessionId) {
    json session = *stripe.session(sessionId);
    session.merge_patch({{"status", "complete"}, {"payment_status", "paid"}});
    return checkoutEvent("checkout.session.completed", session).dump();
  }

  json topup(const std::string& id) { return json::parse(httpRequest(gw.port(), "GET", "/v1/topup/" + id).body); }
};

TEST_F(StripeGateway, DescribesTheMethod) {
  auto methods = json::parse(httpRequest(gw.port(), "GET", "/v1/topup/methods").body);
  ASSERT_EQ(methods["data"].size(), 1u);
  const json& card = methods["data"][0];
  EXPECT_EQ(card["method"], "card");
  EXPECT_EQ(card["plugin"], "stripe");
  EXPECT_EQ(card["currencies"], json::array({"USD"}));
  EXPECT_EQ(card["limits"]["USD"], json({{"min", "1.00"}, {"max", "500.00"}}));
  EXPECT_EQ(card["confirmation"], "webhook");
}

TEST_F(StripeGateway, SignedWebhookCreditsTheAccountOnce) {
  auto payer = gw.fundedAccount(0);
  json t = createTopup(R"({"amount":"10.00","currency":"USD"})", bearer(payer.apiKey));
  EXPECT_EQ(t["status"], "pending");
  EXPECT_EQ(t["method"], "card");
  EXPECT_EQ(t["amount_msat"], 20'000'000);  // $10 at $50,000 per BTC
  EXPECT_EQ(t["amount_usd_cents"], 1000);
  ASSERT_EQ(stripe.sessions().size(), 1u);
  json session = stripe.sessions()[0];
  EXPECT_EQ(t["session_id"], session["id"]);
  EXPECT_EQ(t["url"], session["url"]);
  EXPECT_EQ(session["client_reference_id"], t["topup_id"]);
  EXPECT_EQ(t["expires_at"], session["expires_at"]);

  // The signature covers the raw bytes, non-ASCII text included.
  stripe.patch(session["id"], {{"customer_details", {{"name", "Zoë Ångström"}, {"email", "zoe@example.com"}}}});
  std::string event = paidEvent(session["id"]);
  ASSERT_NE(event.find("Zoë"), std::string::npos);
  auto first = webhook(event, signatureHeader(kWebhookSecret, event));
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(json::parse(first.body)["outcome"], "credited");
  auto second = webhook(event, signatureHeader(kWebhookSecret, event));  // redelivered
  EXPECT_EQ(second.status, 200) << second.body;

  json status = topup(t["topup_id"]);
  EXPECT_EQ(status["status"], "paid");
  EXPECT_EQ(status["paid_msat"], 20'000'000);
  EXPECT_EQ(status["credited_msat"], 20'000'000);
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, 20'000'000);
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 20'000'000);
}

TEST_F(StripeGateway, ConcurrentIdenticalDeliveriesCreditOnce) {
  auto payer = gw.fundedAccount(0);
  json t = createTopup(R"({"amount":5,"currency":"USD"})", bearer(payer.apiKey));
  std::string event = paidEvent(t["session_id"]);
  std::string signature = signatureHeader(kWebhookSecret, event);
  std::vector<int> statuses(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < statuses.size(); ++i) threads.emplace_back([&, i] { statuses[i] = webhook(event, signature).status; });
  for (auto& th : threads) th.join();
  for (int s : statuses) EXPECT_EQ(s, 200);
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, 10'000'000);
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 10'000'000);
  EXPECT_EQ(topup(t["topup_id"])["credited_msat"], 10'000'000);
}

TEST_F(StripeGateway, ReconcileRacingTheWebhookCreditsOnce) {
  auto payer = gw.fundedAccount(0);
  json t = createTopup(R"({"amount":"2.50","currency":"USD"})", bearer(payer.apiKey));
  std::string id = t["session_id"];
  std::string event = paidEvent(id);
  std::string signature = signatureHeader(kWebhookSecret, event);
  std::vector<int> statuses(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < statuses.size(); ++i)
    threads.emplace_back([&, i] {
      statuses[i] = i % 2 == 0 ? webhook(event, signature).status
                               : httpRequest(gw.port(), "GET", "/v1/stripe/reconcile/" + id).status;
    });
  for (auto& th : threads) th.join();
  for (int s : statuses) EXPECT_EQ(s, 200);
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, 5'000'000);
  EXPECT_EQ(gw.billing().ledgerSum(payer.accountId), 5'000'000);
  auto after = json::parse(httpRequest(gw.port(), "GET", "/v1/stripe/reconcile/" + id).body);
  EXPECT_EQ(after["credited"], true);
}

TEST_F(StripeGateway, TamperedSignatureIsRefusedAndChangesNothing) {
  auto payer = gw.fundedAccount(0);
  json t = createTopup(R"({"amount":"10","currency":"USD"})", bearer(payer.apiKey));
  std::string event = forgedPaidEvent(t["session_id"]);
  std::string signature = signatureHeader(kWebhookSecret, event);
  std::string flipped = signature;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  for (const auto& [payload, header] : std::vector<std::pair<std::string, std::string>>{
           {event, flipped}, {event + " ", signature}, {event, signatureHeader("whsec_attacker", event)}}) {
    auto r = webhook(payload, header);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "invalid_signature");
  }
  auto unsigned_ = postJson(gw.port(), "/v1/webhooks/stripe", event);
  EXPECT_EQ(unsigned_.status, 400);
  EXPECT_EQ(json::parse(unsigned_.body)["error"]["code"], "missing_signature");
  EXPECT_EQ(topup(t["topup_id"])["status"], "pending");
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, 0);
}

TEST_F(StripeGateway, StaleTimestampIsRefused) {
  auto payer = gw.fundedAccount(0);
  json t = createTopup(R"({"amount":"10","currency":"USD"})", bearer(payer.apiKey));
  std::string event = forgedPaidEvent(t["session_id"]);
  auto r = webhook(event, signatureHeader(kWebhookSecret, event, unixNow() - 600));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["message"], "stripe: timestamp outside the tolerance zone");
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, 0);
}

TEST_F(StripeGateway, AnonymousTopupBecomesASpendToken) {
  json t = createTopup(R"({"amount":"1.00","currency":"USD","duration_hours":24})");
  EXPECT_EQ(t["credits"]["spend_token"], "POST /v1/tokens once paid");
  std::string id = t["topup_id"];
  std::string claim = t["charge_id"];
  auto early = postJson(gw.port(), "/v1/tokens", json{{"charge_id", claim}}.dump());
  EXPECT_EQ(early.status, 402) << early.body;

  std::string event = paidEvent(t["session_id"]);
  ASSERT_EQ(webhook(event, signatureHeader(kWebhookSecret, event)).status, 200);
  // Stripe, the Checkout page and the unauthenticated reconcile answer know the top-up id: it
  // must not claim the token, and the claim must be in none of them.
  auto reconcile = httpRequest(gw.port(), "GET", "/v1/stripe/reconcile/" + t["session_id"].get<std::string>());
  EXPECT_EQ(json::parse(reconcile.body)["topup_id"], id);
  EXPECT_EQ(reconcile.body.find(claim), std::string::npos) << reconcile.body;
  ASSERT_EQ(stripe.sessions().size(), 1u);
  EXPECT_EQ(stripe.sessions()[0].dump().find(claim), std::string::npos) << stripe.sessions()[0].dump();
  for (const auto& request : stripe.requests())
    EXPECT_EQ((request.uri + request.body).find(claim), std::string::npos) << request.uri << " " << request.body;
  EXPECT_EQ(postJson(gw.port(), "/v1/tokens", json{{"charge_id", id}}.dump()).status, 404);
  auto claimed = postJson(gw.port(), "/v1/tokens", json{{"charge_id", claim}}.dump());
  ASSERT_EQ(claimed.status, 201) << claimed.body;
  json token = json::parse(claimed.body);
  EXPECT_EQ(token["balance_msat"], 2'000'000);
  std::string spend = token["token"];

  auto chat = postJson(gw.port(), "/v1/chat/completions",
                       R"({"model":"paid","messages":[{"role":"user","content":"hi"}]})", {{"X-Spend-Token", spend}});
  EXPECT_EQ(chat.status, 200) << chat.body;
  auto balance = json::parse(httpRequest(gw.port(), "GET", "/v1/balance", "", {{"X-Spend-Token", spend}}).body);
  EXPECT_EQ(balance["balance_msat"], 2'000'000 - 2000);
  EXPECT_EQ(postJson(gw.port(), "/v1/tokens", json{{"charge_id", claim}}.dump()).status, 409);
}

TEST_F(StripeGateway, StatusCheckCreditsWhenTheWebhookNeverCame) {
  auto payer = gw.fundedAccount(0);
  json t = createTopup(R"({"amount":"3","currency":"USD"})", bearer(payer.apiKey));
  EXPECT_EQ(topup(t["topup_id"])["status"], "pending");
  stripe.complete(t["session_id"]);
  json status = topup(t["topup_id"]);
  EXPECT_EQ(status["status"], "paid");
  EXPECT_EQ(gw.billing().wallet(payer.accountId)->balance, 6'000'000);
}

TEST_F(StripeGateway, CurrenciesAndAmountsItCannotChargeAreRefusedUpFront) {
  auto payer = gw.fundedAccount(0);
  const std::tuple<const char*, const char*, const char*> cases[] = {
      {R"({"amount":20000,"currency":"SATS"})", "unsupported_currency", "payment method 'card' takes amounts in USD"},
      {R"({"amount":"0.0002","currency":"BTC"})", "unsupported_currency", "takes amounts in USD"},
      {R"({"amount":"0.99","currency":"USD"})", "amount_out_of_range", "between 1.00 and 500.00 USD"},
      {R"({"amount":"500.01","currency":"USD"})", "amount_out_of_range", "between 1.00 and 500.00 USD"},
  };
  for (const auto& [body, code, message] : cases) {
    SCOPED_TRACE(body);
    auto r = postJson(gw.port(), "/v1/topup/card", body, bearer(payer.apiKey));
    EXPECT_EQ(r.status, 400) << r.body;
    json error = json::parse(r.body)["error"];
    EXPECT_EQ(error["code"], code);
    EXPECT_NE(error["message"].get<std::string>().find(message), std::string::npos) << error;
  }
  EXPECT_EQ(stripe.requests().size(), 0u);
}

TEST_F(StripeGateway, StripeFailureIsABadGateway) {
  auto payer = gw.fundedAccount(0);
  stripe.createStatus = 500;
  auto r = postJson(gw.port(), "/v1/topup/card", R"({"amount":"10","currency":"USD"})", bearer(payer.apiKey));
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "payment_method_failed");
  EXPECT_EQ(r.body.find(kSecretKey), std::string::npos);
  EXPECT_EQ(stripe.count("POST", "/v1/checkout/sessions"), 3u);
}

TEST(StripeGatewayConfig, TwoEntriesSharingTheWebhookPathAreAConfigError) {
  FakeStripe stripe{kSecretKey};
  std::string one = config(stripe.url());
  std::string second = R"(
  - name: card2
    plugin: stripe
    secret_key: )" + std::string(kSecretKey) + R"(
    webhook_secret: )" + std::string(kWebhookSecret) + R"(
    api_base: )" + stripe.url() + R"(
    success_url: https://gateway.example/paid
)";
  std::string yaml = one.insert(one.find("providers:"), second.substr(1));
  try {
    GatewayFixture gw(yaml);
    FAIL() << "a second stripe entry was accepted:\n" << yaml;
  } catch (const turnpike::config::ConfigError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("payments[1]"), std::string::npos) << message;
    EXPECT_NE(message.find("'card' and 'card2' both serve POST /v1/webhooks/stripe"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace turnpike::stripe_test
