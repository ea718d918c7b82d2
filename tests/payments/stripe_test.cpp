// Stripe: webhook signatures (the scheme of stripe-node's src/Webhooks.ts), form bodies in
// Stripe's bracket notation, and the Checkout Session / Event fields used for crediting.
#include <gtest/gtest.h>

#include "stripe/form_encoding.hpp"
#include "stripe/objects.hpp"
#include "stripe/webhook_signature.hpp"
#include "test_util.hpp"

namespace turnpike::payments::stripe {
namespace {

constexpr char kSecret[] = "whsec_test";
constexpr char kPayload[] = R"({"id":"evt_1"})";
constexpr int64_t kT = 1700000000;
// Python: hmac.new(b"whsec_test", b'1700000000.{"id":"evt_1"}', hashlib.sha256).hexdigest()
constexpr char kV1[] = "c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925";

std::string header(int64_t t, const std::string& sigs) { return "t=" + std::to_string(t) + "," + sigs; }

TEST(StripeWebhook, ComputesTheV1Signature) {
  EXPECT_EQ(computeSignature(kSecret, kT, kPayload), kV1);
  // The key is the whole secret string, prefix included.
  EXPECT_NE(computeSignature("test", kT, kPayload), kV1);
}

TEST(StripeWebhook, ParsesHeaders) {
  auto h = parseSignatureHeader("t=1700000000,v1=aa,v0=bb,v1=cc");
  ASSERT_TRUE(h.ok()) << h.error();
  EXPECT_EQ(h->timestamp, kT);
  EXPECT_EQ(h->v1, (std::vector<std::string>{"aa", "cc"}));
  EXPECT_TRUE(parseSignatureHeader(" t=1700000000 , v1=aa ").ok());
  EXPECT_TRUE(parseSignatureHeader("v1=aa,t=1700000000,junk").ok());

  const std::pair<const char*, const char*> bad[] = {
      {"v1=aa", "no timestamp"},
      {"t=1700000000", "no v1"},
      {"t=1700000000,v0=aa", "no v1"},
      {"t=abc,v1=aa", "invalid timestamp"},
      {"t=-5,v1=aa", "invalid timestamp"},
      {"t=,v1=aa", "invalid timestamp"},
      {"t=1,t=2,v1=aa", "more than one timestamp"},
      {"", "no timestamp"},
  };
  for (const auto& [text, reason] : bad) {
    SCOPED_TRACE(text);
    auto r = parseSignatureHeader(text);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find(reason), std::string::npos) << r.error();
  }
}

TEST(StripeWebhook, Verifies) {
  auto ok = verifyWebhook(kPayload, header(kT, std::string("v1=") + kV1), kSecret, kT + 10);
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ(*ok, kT);
  // Any v1 may match (secret rotation sends two).
  EXPECT_TRUE(verifyWebhook(kPayload, header(kT, "v1=" + std::string(64, '0') + ",v1=" + kV1), kSecret, kT).ok());
  // Exactly at the tolerance is still accepted; Stripe's libraries do not refuse future timestamps.
  EXPECT_TRUE(verifyWebhook(kPayload, header(kT, std::string("v1=") + kV1), kSecret, kT + kDefaultTolerance).ok());
  EXPECT_TRUE(verifyWebhook(kPayload, header(kT, std::string("v1=") + kV1), kSecret, kT - 3600).ok());
}

TEST(StripeWebhook, RefusesWithAReason) {
  const std::string good = header(kT, std::string("v1=") + kV1);
  auto reason = [](const Result<int64_t>& r) { return r.ok() ? std::string("accepted") : r.error(); };
  EXPECT_NE(reason(verifyWebhook(R"({"id":"evt_2"})", good, kSecret, kT)).find("no v1 signature matches"), std::string::npos);
  EXPECT_NE(reason(verifyWebhook(std::string(kPayload) + " ", good, kSecret, kT)).find("no v1 signature matches"),
            std::string::npos);
  EXPECT_NE(reason(verifyWebhook(kPayload, good, "whsec_other", kT)).find("no v1 signature matches"), std::string::npos);
  // The timestamp is signed: moving it breaks the signature.
  EXPECT_NE(reason(verifyWebhook(kPayload, header(kT + 1, std::string("v1=") + kV1), kSecret, kT)).find("no v1"),
            std::string::npos);
  EXPECT_NE(reason(verifyWebhook(kPayload, good, kSecret, kT + kDefaultTolerance + 1)).find("tolerance"),
            std::string::npos);
  EXPECT_NE(reason(verifyWebhook(kPayload, good, kSecret, kT + 61, 60)).find("tolerance"), std::string::npos);
  EXPECT_TRUE(verifyWebhook(kPayload, good, kSecret, kT + 999999, 0).ok());  // tolerance 0: no age check
  // Only v1 counts; uppercase hex is not what Stripe sends.
  EXPECT_FALSE(verifyWebhook(kPayload, header(kT, std::string("v0=") + kV1), kSecret, kT).ok());
  std::string upper = kV1;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(verifyWebhook(kPayload, header(kT, "v1=" + upper), kSecret, kT).ok());
  EXPECT_FALSE(verifyWebhook(kPayload, header(kT, std::string("v1=") + std::string(kV1).substr(0, 63)), kSecret, kT).ok());
  EXPECT_NE(reason(verifyWebhook(kPayload, "garbage", kSecret, kT)).find("no timestamp"), std::string::npos);
}

TEST(StripeForm, CheckoutSessionBody) {
  std::vector<FormField> fields = {
      {{"mode"}, "payment"},
      {{"success_url"}, "https://gw.example/topup/done?session={CHECKOUT_SESSION_ID}"},
      {{"line_items", "0", "price_data", "currency"}, "usd"},
      {{"line_items", "0", "price_data", "unit_amount"}, "500"},
      {{"line_items", "0", "price_data", "product_data", "name"}, "Turnpike credit"},
      {{"line_items", "0", "quantity"}, "1"},
      {{"client_reference_id"}, "acct_42"},
      {{"metadata", "account id"}, "42&x=1"},
  };
  EXPECT_EQ(encodeForm(fields),
            "mode=payment"
            "&success_url=https%3A%2F%2Fgw.example%2Ftopup%2Fdone%3Fsession%3D%7BCHECKOUT_SESSION_ID%7D"
            "&line_items[0][price_data][currency]=usd"
            "&line_items[0][price_data][unit_amount]=500"
            "&line_items[0][price_data][product_data][name]=Turnpike%20credit"
            "&line_items[0][quantity]=1"
            "&client_reference_id=acct_42"
            "&metadata[account%20id]=42%26x%3D1");
  EXPECT_EQ(encodeForm({}), "");
  EXPECT_EQ(encodeForm({{{"a"}, ""}}), "a=");
  EXPECT_THROW(encodeForm({{{}, "x"}}), std::invalid_argument);
}

constexpr char kCompletedEvent[] = R"({
  "id": "evt_1Nabc",
  "object": "event",
  "type": "checkout.session.completed",
  "data": {
    "object": {
      "id": "cs_test_a1b2",
      "object": "checkout.session",
      "status": "complete",
      "payment_status": "paid",
      "amount_total": 500,
      "currency": "usd",
      "client_reference_id": "acct_42",
      "url": null,
      "metadata": {"account_id": "42", "topup": "t_9"}
    }
  }
})";

TEST(StripeObjects, CompletedCheckoutEvent) {
  auto e = parseEvent(kCompletedEvent);
  ASSERT_TRUE(e.ok()) << e.error();
  EXPECT_EQ(e->id, "evt_1Nabc");
  EXPECT_EQ(e->type, "checkout.session.completed");
  EXPECT_EQ(e->objectType, "checkout.session");
  EXPECT_EQ(e->objectId, "cs_test_a1b2");
  ASSERT_TRUE(e->session);
  const CheckoutSession& s = *e->session;
  EXPECT_EQ(s.id, "cs_test_a1b2");
  EXPECT_EQ(s.status, "complete");
  EXPECT_EQ(s.paymentStatus, "paid");
  EXPECT_TRUE(s.isPaid());
  EXPECT_EQ(s.amountTotal, 500);
  EXPECT_EQ(s.currency, "usd");
  EXPECT_EQ(s.clientReferenceId, "acct_42");
  EXPECT_EQ(s.url, "");
  EXPECT_FALSE(s.expiresAt.has_value());
  EXPECT_EQ(s.metadata.at("account_id"), "42");
  EXPECT_EQ(s.metadata.at("topup"), "t_9");
}

TEST(StripeObjects, SessionResponse) {
  auto s = parseCheckoutSession(R"({"id":"cs_1","object":"checkout.session","status":"open",
      "payment_status":"unpaid","amount_total":null,"currency":"eur","url":"https://checkout.stripe.com/c/pay/cs_1",
      "client_reference_id":null,"expires_at":1700003600,"metadata":{}})");
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_FALSE(s->isPaid());
  EXPECT_EQ(s->expiresAt, 1700003600);
  EXPECT_FALSE(s->amountTotal.has_value());
  EXPECT_EQ(s->url, "https://checkout.stripe.com/c/pay/cs_1");
  EXPECT_EQ(s->clientReferenceId, "");
  EXPECT_TRUE(s->metadata.empty());
  // A completed session still waiting for an async payment must not be credited.
  auto waiting = parseCheckoutSession(R"({"id":"cs_2","status":"complete","payment_status":"unpaid"})");
  ASSERT_TRUE(waiting.ok());
  EXPECT_FALSE(waiting->isPaid());
}

TEST(StripeObjects, OtherObjectsHaveNoSession) {
  auto e = parseEvent(R"({"id":"evt_2","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","object":"payment_intent","amount":100}}})");
  ASSERT_TRUE(e.ok()) << e.error();
  EXPECT_EQ(e->objectType, "payment_intent");
  EXPECT_EQ(e->objectId, "pi_1");
  EXPECT_FALSE(e->session);
}

TEST(StripeObjects, RejectsMalformedJson) {
  const std::pair<const char*, const char*> badEvents[] = {
      {"not json", "invalid JSON"},
      {"[]", "not an object"},
      {R"({"type":"x","data":{"object":{}}})", "without an id"},
      {R"({"id":"evt","data":{"object":{}}})", "without a type"},
      {R"({"id":"evt","type":"x"})", "without data"},
      {R"({"id":"evt","type":"x","data":{"object":[]}})", "without data.object"},
      {R"({"id":7,"type":"x","data":{"object":{}}})", "without an id"},
      {R"({"id":"evt","type":"checkout.session.completed","data":{"object":{"object":"checkout.session","id":"cs","amount_total":5.5}}})",
       "amount_total"},
  };
  for (const auto& [json, reason] : badEvents) {
    SCOPED_TRACE(json);
    auto e = parseEvent(json);
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.error().find(reason), std::string::npos) << e.error();
  }
  const std::pair<const char*, const char*> badSessions[] = {
      {R"({"status":"open"})", "without an id"},
      {R"({"id":"cs","amount_total":-1})", "amount_total"},
      {R"({"id":"cs","amount_total":"500"})", "amount_total"},
      {R"({"id":"cs","payment_status":true})", "payment_status"},
      {R"({"id":"cs","expires_at":"soon"})", "expires_at"},
      {R"({"id":"cs","metadata":{"k":1}})", "metadata value 'k'"},
      {R"({"id":"cs","metadata":"x"})", "metadata"},
  };
  for (const auto& [json, reason] : badSessions) {
    SCOPED_TRACE(json);
    auto s = parseCheckoutSession(json);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().find(reason), std::string::npos) << s.error();
  }
}

}  // namespace
}  // namespace turnpike::payments::stripe
