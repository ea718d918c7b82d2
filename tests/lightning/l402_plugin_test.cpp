// L402 through the plugin on the dev backend: challenge, pay with the dev wallet, authorize; and
// every way a credential must be refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <regex>

#include <turnpike/encoding.hpp>

#include "common/crypto.hpp"
#include "lightning/bolt11.hpp"
#include "lightning/l402.hpp"
#include "lightning/macaroon.hpp"
#include "plugin_harness.hpp"

namespace turnpike::lightning_test {
namespace {

namespace ln = turnpike::payments::lightning;
namespace encoding = turnpike::sdk::encoding;

constexpr const char* kPath = "/v1/chat/completions";

class L402 : public ::testing::Test {
 protected:
  TestHost host;
  LightningPlugin plugin{host, devConfig()};

  json challenge(uint64_t msat = 21'000, const std::string& path = kPath, const std::string& service = "") {
    json request{{"amount_msat", msat}, {"path", path}, {"description", "one chat completion"}};
    if (!service.empty()) request["service"] = service;
    auto r = plugin.challenge(request);
    EXPECT_TRUE(r.ok) << r.error;
    return r.body;
  }

  // Pays the challenge's invoice with the dev wallet; returns the preimage (hex).
  std::string pay(const json& c) {
    json paid = plugin.devPay(c["payment"]["payment_request"]);
    EXPECT_EQ(paid["status"], 200) << paid.dump();
    return paid["body"]["preimage"];
  }

  json authorize(const std::string& authorization, const std::string& path = kPath, const std::string& service = "",
                 std::optional<int64_t> now = std::nullopt) {
    json request{{"authorization", authorization}, {"path", path}};
    if (!service.empty()) request["service"] = service;
    if (now) request["now"] = *now;
    auto r = plugin.authorize(request);
    EXPECT_TRUE(r.ok) << r.error;
    return r.body;
  }

  static std::string credential(const json& c, const std::string& preimage, const std::string& scheme = "L402") {
    return scheme + " " + c["payment"]["macaroon"].get<std::string>() + ":" + preimage;
  }

  static ln::Macaroon macaroonOf(const json& c) {
    return ln::Macaroon::deserialize(*encoding::base64Decode(c["payment"]["macaroon"].get<std::string>())).value();
  }

  // HMAC-SHA256(l402:root_secret, identifier): the token's root key, derived, never stored.
  std::string rootKeyOf(const json& c) const {
    return payments::crypto::hmacSha256(*encoding::hexDecode(*host.stateGet("l402:root_secret")),
                                        macaroonOf(c).identifier());
  }
};

TEST_F(L402, ChallengeCarriesAnInvoiceAndAMacaroonBoundToIt) {
  int64_t before = epochMs() / 1000;
  json c = challenge(21'000);
  ASSERT_EQ(c["headers"].size(), 2u);
  EXPECT_EQ(c["headers"][0][0], "WWW-Authenticate");
  EXPECT_EQ(c["headers"][1][0], "WWW-Authenticate");
  // Aperture clients parse exactly this; old clients read the LSAT one, sent first.
  std::regex form(R"re(^(LSAT|L402) macaroon="(.*?)", invoice="(.*?)"$)re");
  std::smatch m;
  std::string lsat = c["headers"][0][1], l402 = c["headers"][1][1];
  ASSERT_TRUE(std::regex_match(lsat, m, form));
  EXPECT_EQ(m[1], "LSAT");
  ASSERT_TRUE(std::regex_match(l402, m, form));
  EXPECT_EQ(m[1], "L402");
  EXPECT_EQ(m[2], c["payment"]["macaroon"]);
  EXPECT_EQ(m[3], c["payment"]["payment_request"]);

  const json& p = c["payment"];
  EXPECT_EQ(p["amount_msat"], 21'000);
  EXPECT_EQ(p["amount_sats"], 21);
  auto decoded = ln::decode(p["payment_request"].get<std::string>());
  ASSERT_TRUE(decoded) << decoded.error();
  EXPECT_EQ(decoded->invoice.amountMsat, 21'000u);
  EXPECT_EQ(decoded->invoice.network, payments::Network::Regtest);
  EXPECT_EQ(encoding::hexEncode(decoded->invoice.paymentHash), p["payment_hash"]);
  EXPECT_EQ(decoded->invoice.description, "one chat completion");
  EXPECT_EQ(p["expires_at"], static_cast<int64_t>(decoded->invoice.expiresAt()));

  ln::Macaroon mac = macaroonOf(c);
  EXPECT_EQ(mac.location(), "lsat");
  auto id = ln::l402::decodeIdentifier(mac.identifier());
  ASSERT_TRUE(id);
  EXPECT_EQ(encoding::hexEncode(id->paymentHash), p["payment_hash"]);
  int64_t validUntil = p["valid_until"];
  EXPECT_GE(validUntil, before + 3600);
  EXPECT_LE(validUntil, epochMs() / 1000 + 3600);
  EXPECT_EQ(mac.firstPartyCaveats(),
            (std::vector<std::string>{"services=turnpike:0", "turnpike_valid_until=" + std::to_string(validUntil),
                                      std::string("turnpike_path=") + kPath}));
  // Its root key is derived from the instance's secret and the identifier, and signs the macaroon.
  EXPECT_TRUE(mac.verifySignature(rootKeyOf(c)));
  EXPECT_FALSE(host.stateGet("inv:" + p["payment_hash"].get<std::string>()));
}

TEST_F(L402, EachChallengeHasItsOwnInvoiceAndRootKey) {
  json a = challenge(), b = challenge();
  EXPECT_NE(a["payment"]["payment_hash"], b["payment"]["payment_hash"]);
  EXPECT_NE(rootKeyOf(a), rootKeyOf(b));
}

// Anyone may ask for challenges: they cost the gateway's database nothing, paid or not.
TEST_F(L402, ChallengesWriteNothing) {
  auto before = host.stateKeys("");
  for (int i = 0; i < 20; ++i) challenge(21'000 + i);
  EXPECT_EQ(host.stateKeys(""), before);
  // Paying writes the payment (the dev wallet's record); checking it, that it settled.
  json c = challenge();
  std::string preimage = pay(c);
  ASSERT_EQ(authorize(credential(c, preimage))["ok"], true);
  std::string hash = c["payment"]["payment_hash"];
  auto after = host.stateKeys("");
  std::vector<std::string> added;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(added));
  EXPECT_EQ(added, (std::vector<std::string>{"dev:paid:" + hash, "settled:" + hash}));
}

TEST_F(L402, TokensMintedWithAStoredRootKeyStillVerify) {
  // As a gateway from before derived root keys minted it: a random key under rootkey:<sha256(id)>.
  json c = challenge();
  auto id = ln::l402::decodeIdentifier(macaroonOf(c).identifier()).value();
  std::string rootKey = payments::crypto::randomBytes(32);
  host.statePut("rootkey:" + encoding::hexEncode(ln::l402::rootKeyId(id)), encoding::hexEncode(rootKey));
  int64_t validUntil = c["payment"]["valid_until"];
  auto old = ln::l402::mintMacaroon(rootKey, id,
                                    {ln::l402::servicesCaveat({{"turnpike", 0}}),
                                     ln::l402::validUntilCaveat("turnpike", validUntil), {"turnpike_path", kPath}});
  std::string preimage = pay(c);
  json ok = authorize("L402 " + encoding::base64Encode(old.serialize()) + ":" + preimage);
  EXPECT_EQ(ok["ok"], true) << ok.dump();
}

TEST_F(L402, PaidCredentialIsAuthorized) {
  json c = challenge(21'000);
  std::string preimage = pay(c);
  json ok = authorize(credential(c, preimage));
  EXPECT_EQ(ok["ok"], true) << ok.dump();
  EXPECT_EQ(ok["payment_hash"], c["payment"]["payment_hash"]);
  EXPECT_EQ(ok["amount_msat"], 21'000);
  EXPECT_EQ(ok["expires_at"], c["payment"]["valid_until"]);
  EXPECT_EQ(ok["reuse"], "single_use");
  // The plugin does not consume: the core records consumed payment hashes.
  EXPECT_EQ(authorize(credential(c, preimage))["ok"], true);
  EXPECT_EQ(authorize(credential(c, preimage, "LSAT"))["ok"], true);
  EXPECT_EQ(authorize(credential(c, preimage, "l402"))["ok"], true);
  // An L402 payment is no top-up: nothing to credit.
  EXPECT_TRUE(host.reports().empty());
}

TEST_F(L402, UnpaidInvoiceIsPaymentRequired) {
  json c = challenge();
  // The preimage is known before the invoice settles (hold invoices do this): not enough. The
  // dev node derives it from its key and the invoice's payment secret.
  auto invoice = ln::decode(c["payment"]["payment_request"].get<std::string>())->invoice;
  std::string preimage = encoding::hexEncode(payments::crypto::hmacSha256(
      *encoding::hexDecode(*host.stateGet("dev:node_key")), "turnpike dev preimage " + invoice.paymentSecret));
  ASSERT_EQ(encoding::hexEncode(payments::crypto::sha256(*encoding::hexDecode(preimage))), c["payment"]["payment_hash"]);
  json refused = authorize(credential(c, preimage));
  EXPECT_EQ(refused, json({{"ok", false}, {"status", 402}, {"code", "l402_not_settled"},
                           {"message", "l402: the invoice is not paid yet"}}));
  pay(c);
  EXPECT_EQ(authorize(credential(c, preimage))["ok"], true);
}

TEST_F(L402, WrongPreimagesAreRefused) {
  json c = challenge(), other = challenge();
  pay(c);
  std::string otherPreimage = pay(other);
  json wrong = authorize(credential(c, encoding::hexEncode(payments::crypto::randomBytes(32))));
  EXPECT_EQ(wrong["ok"], false);
  EXPECT_EQ(wrong["status"], 401);
  EXPECT_EQ(wrong["code"], "l402_preimage_mismatch");
  // A real preimage, of another paid invoice.
  EXPECT_EQ(authorize(credential(c, otherPreimage))["code"], "l402_preimage_mismatch");
}

TEST_F(L402, UppercasePreimageIsRefused) {
  json c = challenge();
  std::string preimage = pay(c);
  std::string upper = preimage;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  ASSERT_NE(upper, preimage);
  json refused = authorize(credential(c, upper));
  EXPECT_EQ(refused["code"], "l402_bad_credential");
  EXPECT_NE(refused["message"].get<std::string>().find("lowercase"), std::string::npos);
}

TEST_F(L402, TamperedCaveatIsRefused) {
  json c = challenge();
  std::string preimage = pay(c);
  std::string bytes = *encoding::base64Decode(c["payment"]["macaroon"].get<std::string>());
  std::string until = std::to_string(c["payment"]["valid_until"].get<int64_t>());
  size_t at = bytes.find(until);
  ASSERT_NE(at, std::string::npos);
  bytes[at] = bytes[at] == '9' ? '8' : static_cast<char>(bytes[at] + 1);  // a later expiry
  json refused = authorize("L402 " + encoding::base64Encode(bytes) + ":" + preimage);
  EXPECT_EQ(refused["code"], "l402_bad_signature");
  EXPECT_EQ(refused["status"], 401);
}

TEST_F(L402, ExpiredMacaroonIsRefused) {
  json c = challenge();
  std::string preimage = pay(c);
  int64_t validUntil = c["payment"]["valid_until"];
  EXPECT_EQ(authorize(credential(c, preimage), kPath, "", validUntil - 1)["ok"], true);
  json refused = authorize(credential(c, preimage), kPath, "", validUntil);
  EXPECT_EQ(refused["code"], "l402_expired");
  EXPECT_EQ(refused["status"], 401);
}

TEST_F(L402, ShortValidityFromConfig) {
  TestHost h;
  LightningPlugin p(h, devConfig({{"l402", {{"valid_seconds", "60"}, {"reuse", "until_expiry"}}}}));
  auto r = p.challenge(json{{"amount_msat", 1000}, {"path", kPath}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_LE(r.body["payment"]["valid_until"].get<int64_t>(), epochMs() / 1000 + 60);
  EXPECT_EQ(p.describe()["l402_reuse"], "until_expiry");
}

TEST_F(L402, DeletingTheRootSecretRevokesEveryToken) {
  json c = challenge();
  std::string preimage = pay(c);
  ASSERT_EQ(authorize(credential(c, preimage))["ok"], true);
  host.stateErase("l402:root_secret");
  json refused = authorize(credential(c, preimage));
  EXPECT_EQ(refused["code"], "l402_revoked");
  EXPECT_EQ(refused["status"], 401);
  // The next challenge makes a new secret; the old tokens do not come back with it.
  json fresh = challenge();
  EXPECT_EQ(authorize(credential(fresh, pay(fresh)))["ok"], true);
  EXPECT_EQ(authorize(credential(c, preimage))["code"], "l402_bad_signature");
}

TEST_F(L402, MacaroonOfAnotherInstanceFailsItsSignature) {
  TestHost otherHost;
  LightningPlugin other(otherHost, devConfig());
  auto c = other.challenge(json{{"amount_msat", 5000}, {"path", kPath}});
  ASSERT_TRUE(c.ok);
  json paid = other.devPay(c.body["payment"]["payment_request"]);
  EXPECT_EQ(authorize(credential(c.body, paid["body"]["preimage"]))["code"], "l402_bad_signature");
}

TEST_F(L402, OtherServiceOrPathIsRefused) {
  json c = challenge(21'000, kPath, "chat");
  std::string preimage = pay(c);
  EXPECT_EQ(authorize(credential(c, preimage), kPath, "chat")["ok"], true);
  json wrongService = authorize(credential(c, preimage), kPath, "images");
  EXPECT_EQ(wrongService["code"], "l402_wrong_service");
  json wrongPath = authorize(credential(c, preimage), "/v1/embeddings", "chat");
  EXPECT_EQ(wrongPath["code"], "l402_wrong_path");
  EXPECT_EQ(wrongPath["status"], 401);
  // The configured default service is "turnpike", which this token does not name.
  EXPECT_EQ(authorize(credential(c, preimage))["code"], "l402_wrong_service");
}

TEST_F(L402, HolderMayNarrowButNotWiden) {
  json c = challenge();
  std::string preimage = pay(c);
  int64_t validUntil = c["payment"]["valid_until"];
  ln::Macaroon narrowed = macaroonOf(c);
  narrowed.addFirstPartyCaveat("turnpike_valid_until=" + std::to_string(validUntil - 100));
  json ok = authorize("L402 " + encoding::base64Encode(narrowed.serialize()) + ":" + preimage);
  EXPECT_EQ(ok["ok"], true);
  EXPECT_EQ(ok["expires_at"], validUntil - 100);

  ln::Macaroon widened = macaroonOf(c);
  widened.addFirstPartyCaveat("turnpike_valid_until=" + std::to_string(validUntil + 100));
  EXPECT_EQ(authorize("L402 " + encoding::base64Encode(widened.serialize()) + ":" + preimage)["code"],
            "l402_invalid_caveat");

  ln::Macaroon otherPath = macaroonOf(c);
  otherPath.addFirstPartyCaveat("turnpike_path=/v1/embeddings");
  EXPECT_EQ(authorize("L402 " + encoding::base64Encode(otherPath.serialize()) + ":" + preimage)["code"],
            "l402_wrong_path");
}

TEST_F(L402, MalformedCredentialsAreRefused) {
  json c = challenge();
  std::string preimage = pay(c);
  for (const std::string& header :
       {std::string(""), std::string("Bearer sk-123"), std::string("L402"), "L402 " + preimage,
        "L402 bm90IGEgbWFjYXJvb24=:" + preimage, "L402 " + c["payment"]["macaroon"].get<std::string>() + ":abc"}) {
    json refused = authorize(header);
    EXPECT_EQ(refused["ok"], false) << header;
    EXPECT_EQ(refused["status"], 401) << header;
    EXPECT_EQ(refused["code"], "l402_bad_credential") << header;
  }
}

TEST_F(L402, AuthorizeRequestsInAnyValidJsonSpelling) {
  json c = challenge();
  std::string preimage = pay(c);
  std::string mac = c["payment"]["macaroon"];
  // Escaped slashes and unicode escapes, as other JSON writers produce them.
  std::string escaped;
  for (char ch : mac) escaped += ch == '/' ? std::string("\\/") : std::string(1, ch);
  std::string text = R"({"now": null, "path": "\/v1\/chat\/completions", "authorization": "L402 )" + escaped + ":" +
                     preimage + R"(", "service": "\u0074urnpike"})";
  auto r = plugin.authorizeText(text);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body["ok"], true) << r.body.dump();
  // Whitespace and key order do not matter; a negative clock is still a clock.
  auto spaced = plugin.authorizeText("  {\n \"path\" : \"" + std::string(kPath) + "\" ,\"authorization\":\"" +
                                     credential(c, preimage) + "\", \"now\": -5 }");
  ASSERT_TRUE(spaced.ok) << spaced.error;
  EXPECT_EQ(spaced.body["ok"], true);
  EXPECT_FALSE(plugin.authorizeText("[1, 2]").ok);
  EXPECT_FALSE(plugin.authorizeText("not json").ok);
}

TEST_F(L402, ChallengeRequestsAreChecked) {
  EXPECT_FALSE(plugin.challenge(json{{"path", kPath}}).ok);
  EXPECT_FALSE(plugin.challenge(json{{"amount_msat", 0}}).ok);
  EXPECT_FALSE(plugin.challenge(json{{"amount_msat", 2'000'000'000}}).ok);
  EXPECT_NE(plugin.challenge(json{{"amount_msat", 1000}, {"service", "a:b"}}).error.find("service"), std::string::npos);
  // A price below one sat is exact in msat on a node that supports it.
  json c = challenge(1500);
  EXPECT_EQ(c["payment"]["amount_msat"], 1500);
  EXPECT_EQ(c["payment"]["amount_sats"], 2);
  EXPECT_EQ(ln::decode(c["payment"]["payment_request"].get<std::string>())->invoice.amountMsat, 1500u);
  // Without a path, no path caveat: valid on any path.
  json any = challenge(1000, "");
  std::string preimage = pay(any);
  EXPECT_EQ(authorize(credential(any, preimage), "/v1/anything")["ok"], true);
}

TEST(L402Disabled, NoChallengesAndNoAuthorization) {
  TestHost host;
  LightningPlugin plugin(host, devConfig({{"l402", {{"enabled", false}}}}));
  EXPECT_EQ(plugin.describe()["l402"], false);
  auto c = plugin.challenge(json{{"amount_msat", 1000}});
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.error.find("disabled"), std::string::npos);
  auto a = plugin.authorize(json{{"authorization", "L402 x:y"}});
  ASSERT_TRUE(a.ok);
  EXPECT_EQ(a.body["code"], "l402_disabled");
}

}  // namespace
}  // namespace turnpike::lightning_test
