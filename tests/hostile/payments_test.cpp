// Payment endpoints against clients that want something for nothing, and against operator
// mistakes that would give it to them: the real binary over sockets, and after each attack the
// gateway still serves a normal request.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <regex>
#include <thread>
#include <vector>

#include "fake_upstream.hpp"
#include "gateway_fixture.hpp"
#include "gateway_process.hpp"
#include "hostile_config.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;

const char* kDevLightning = R"(payments:
  - name: lightning
    plugin: lightning
    backend: dev
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  return text.replace(text.find(from), from.size(), to);
}

// A fresh invoice of the dev node, from an anonymous top-up.
std::string devInvoice(uint16_t port) {
  auto r = postJson(port, "/v1/topup", R"({"amount_sats":500})");
  EXPECT_EQ(r.status, 201) << r.body;
  return json::parse(r.body).value("payment_request", "");
}

int64_t pluginStateRows(const GatewayProcess& gw) {
  return sqlScalar(gw.databasePath(), "SELECT COUNT(*) FROM plugin_state");
}

// The mock provider beside a real one (openai_compat) whose upstream the test scripts.
std::string withUpstream(const std::string& yaml, const std::string& url) {
  return replaced(yaml, "providers:\n",
                  "providers:\n  - name: up\n    plugin: openai_compat\n    base_url: " + url +
                      "\n    models:\n      - id: up-paid\n        price: {request: 3000}\n        max_output_tokens: 20\n");
}

TEST(DevWallet, RefusesEveryRequestAProxyForwarded) {
  GatewayProcess gw(hostileConfig("", kDevLightning));
  std::string pay = json{{"invoice", devInvoice(gw.port())}}.dump();
  // nginx or Caddy on the same host connect from loopback for whoever the client is.
  for (const auto& [name, value] : Headers{{"X-Forwarded-For", "203.0.113.7"},
                                           {"X-Real-IP", "203.0.113.7"},
                                           {"Forwarded", "for=203.0.113.7;proto=https"},
                                           {"X-Forwarded-Proto", "https"},
                                           {"X-Forwarded-Host", "gateway.example"},
                                           {"Via", "1.1 nginx"}}) {
    auto r = postJson(gw.port(), "/dev/lightning/pay", pay, {{name, value}});
    EXPECT_EQ(r.status, 404) << name << ": " << r.body;
  }
  // A direct loopback client (the documented curl) is still the wallet.
  auto direct = postJson(gw.port(), "/dev/lightning/pay", pay);
  EXPECT_EQ(direct.status, 200) << direct.body;
  EXPECT_EQ(json::parse(direct.body).value("preimage", "").size(), 64u);
  EXPECT_TRUE(servesHealth(gw.port()));
}

TEST(DevWallet, GatewayListeningBeyondLoopbackDoesNotStart) {
  std::string yaml = replaced(hostileConfig("", kDevLightning), "listen: 127.0.0.1:0", "listen: 0.0.0.0:0");
  std::string output;
  try {
    GatewayProcess gw(yaml);
    ADD_FAILURE() << "the gateway served the dev wallet on 0.0.0.0, port " << gw.port();
  } catch (const std::runtime_error& e) {
    output = e.what();
  }
  // FILE:LINE: KEY: MESSAGE, at the listen line (the second of the file).
  EXPECT_NE(output.find(".yaml:2: server.listen: payment method 'lightning' serves POST /dev/lightning/pay"),
            std::string::npos)
      << output;
  // The same file with a loopback address starts.
  GatewayProcess loopback(hostileConfig("", kDevLightning));
  EXPECT_TRUE(servesHealth(loopback.port()));
}

TEST(DevWallet, BesideARealProviderItIsAnnouncedLoudly) {
  const std::string kWarning = "DEVELOPMENT WALLET ENABLED";
  {
    GatewayProcess mockOnly(hostileConfig("", kDevLightning));
    EXPECT_TRUE(servesHealth(mockOnly.port()));
    EXPECT_EQ(mockOnly.log().find(kWarning), std::string::npos) << mockOnly.log();
  }
  // A second provider behind a real plugin (its upstream need not exist to start).
  GatewayProcess beside(withUpstream(hostileConfig("", kDevLightning), "http://127.0.0.1:9/v1"));
  EXPECT_TRUE(beside.waitForLog(kWarning)) << beside.log();
  EXPECT_NE(beside.log().find("beside provider 'up' (plugin openai_compat)"), std::string::npos) << beside.log();
  EXPECT_TRUE(servesHealth(beside.port()));
}

// Everyone the payment is shown to (the invoice's payer, a wallet syncing a BIP21 label, Stripe,
// whoever reads a log) learns the top-up id. Only its creator gets the claim.
TEST(ClaimSecret, ThePublicTopupIdClaimsNothingAndTheClaimIsNeverLogged) {
  GatewayProcess gw(replaced(hostileConfig("", kDevLightning), "level: notice", "level: debug\n  access: true"));
  auto created = postJson(gw.port(), "/v1/topup", R"({"amount_sats":500})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto topup = json::parse(created.body);
  std::string id = topup["topup_id"];
  std::string claim = topup["charge_id"];
  ASSERT_NE(id, claim);
  ASSERT_EQ(postJson(gw.port(), "/dev/lightning/pay", json{{"invoice", topup["payment_request"]}}.dump()).status, 200);
  std::string status;
  for (int i = 0; i < 100 && status != "paid"; ++i) {
    auto r = httpRequest(gw.port(), "GET", "/v1/topup/" + id);
    EXPECT_EQ(r.body.find(claim), std::string::npos) << r.body;
    status = json::parse(r.body).value("status", "");
    if (status != "paid") std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(status, "paid");
  // The paid top-up's public id, tried by someone who saw it: nothing.
  auto stolen = postJson(gw.port(), "/v1/tokens", json{{"charge_id", id}}.dump());
  EXPECT_EQ(stolen.status, 404) << stolen.body;
  auto claimed = postJson(gw.port(), "/v1/tokens", json{{"charge_id", claim}}.dump());
  ASSERT_EQ(claimed.status, 201) << claimed.body;
  EXPECT_EQ(json::parse(claimed.body)["balance_sats"], 500);
  EXPECT_TRUE(servesHealth(gw.port()));
  EXPECT_NE(gw.log().find(id), std::string::npos) << "the top-up is logged, by its public id";
  EXPECT_EQ(gw.log().find(claim), std::string::npos) << gw.log();
}

// The whole client side of L402: the 402, the invoice paid with the dev wallet; returns the
// Authorization value "L402 <macaroon>:<preimage>".
std::string payChallenge(uint16_t port, const std::string& body) {
  auto challenge = postJson(port, "/v1/chat/completions", body);
  EXPECT_EQ(challenge.status, 402) << challenge.body;
  std::smatch m;
  std::string header = challenge.headers["www-authenticate"];
  EXPECT_TRUE(std::regex_search(header, m, std::regex(R"re(macaroon="([^"]+)", invoice="([^"]+)")re"))) << header;
  if (m.size() != 3) return {};
  auto paid = postJson(port, "/dev/lightning/pay", json{{"invoice", m[2].str()}}.dump());
  EXPECT_EQ(paid.status, 200) << paid.body;
  return "L402 " + m[1].str() + ":" + json::parse(paid.body).value("preimage", "");
}

TEST(L402SingleUse, AFailedUpstreamLeavesTheCredentialForTheRetryAndAServedOneIsSpent) {
  std::atomic<int> calls{0};
  FakeUpstream up([&](const RecordedRequest&, Poco::Net::HTTPServerResponse& res) {
    if (calls++ == 0) {
      FakeUpstream::sendJson(res, 500, R"({"error":{"message":"upstream down"}})");
    } else {
      FakeUpstream::sendJson(res, 200, chatCompletionJson("up-paid", "hello"));
    }
  });
  GatewayProcess gw(withUpstream(hostileConfig("", kDevLightning), up.baseUrl()));
  const std::string body = R"({"model":"up-paid","messages":[{"role":"user","content":"hi"}]})";
  Headers auth{{"Authorization", payChallenge(gw.port(), body)}};
  auto failed = postJson(gw.port(), "/v1/chat/completions", body, auth);
  EXPECT_EQ(failed.status, 502) << failed.body;
  auto retried = postJson(gw.port(), "/v1/chat/completions", body, auth);
  EXPECT_EQ(retried.status, 200) << retried.body;
  auto replay = postJson(gw.port(), "/v1/chat/completions", body, auth);
  EXPECT_EQ(replay.status, 401) << replay.body;
  EXPECT_EQ(json::parse(replay.body)["error"]["code"], "l402_credential_used");
  EXPECT_EQ(up.requestCount(), 2u);
  EXPECT_TRUE(servesHealth(gw.port()));
}

// An anonymous flood of paid requests: each would be an invoice on the node and rows in the
// gateway's database. Past the caller's budget it is 429 with Retry-After, and none of it is kept.
TEST(ChallengeFlood, IsRateLimitedAndWritesNothing) {
  GatewayProcess gw(hostileConfig("", std::string(kDevLightning) +
                                          "billing:\n  rate_limits:\n    challenges: {requests_per_minute: 5}\n"));
  int64_t rows = pluginStateRows(gw);
  const std::string body = R"({"model":"mock-paid","messages":[{"role":"user","content":"hi"}]})";
  std::atomic<int> challenged{0}, limited{0}, other{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto r = postJson(gw.port(), "/v1/chat/completions", body);
        if (r.status == 402) {
          ++challenged;
        } else if (r.status == 429 && r.headers.count("retry-after") && std::stoi(r.headers["retry-after"]) >= 1) {
          ++limited;
        } else {
          ++other;
        }
      }
    });
  for (auto& c : clients) c.join();
  // Five per minute; ten if the flood straddled a minute boundary.
  EXPECT_GE(challenged.load(), 5);
  EXPECT_LE(challenged.load(), 10);
  EXPECT_EQ(limited.load() + challenged.load(), 200);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(pluginStateRows(gw), rows);
  EXPECT_TRUE(servesHealth(gw.port()));
}

// A node that hangs (every call waits for its 15 s timeout), and a crowd of anonymous top-ups
// calling it: they fill the payment pool and are refused beyond its queue, while keyed inference,
// whose key lookups have their own threads, is served at once.
TEST(PaymentBackends, AHangingNodeCannotStarveKeyedInference) {
  Gate release;
  FakeUpstream node([&](const RecordedRequest&, Poco::Net::HTTPServerResponse& res) {
    release.wait(std::chrono::seconds(30));
    FakeUpstream::sendJson(res, 500, R"({"detail":"node down"})");
  });
  std::string nodeUrl = "http://127.0.0.1:" + std::to_string(node.port());
  const std::string adminToken = "hostile-admin-token-0123456789abcdef";
  GatewayProcess gw(hostileConfig("  admin_token: " + adminToken + "\n  payment_threads: 2\n"
                                  "  payment_queue: 2\n",
                                  "payments:\n  - name: lightning\n    plugin: lightning\n    backend: lnbits\n"
                                  "    lnbits: {url: \"" + nodeUrl + "\", api_key: k}\n"));
  auto admin = postJson(gw.port(), "/admin/accounts", R"({"name":"payer","credit":1000000})",
                        {{"Authorization", "Bearer " + adminToken}});
  ASSERT_EQ(admin.status, 201) << admin.body;
  std::string key = json::parse(admin.body)["api_key"];

  constexpr int kTopups = 24;  // more than the 16 threads one shared pool had
  std::vector<HttpResult> topups(kTopups);
  std::vector<std::thread> crowd;
  for (int i = 0; i < kTopups; ++i)
    crowd.emplace_back([&, i] { topups[i] = postJson(gw.port(), "/v1/topup", R"({"amount_sats":500})"); });
  // Wait until the node holds the two calls the pool has threads for.
  for (int i = 0; i < 100 && node.requestCount() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(node.requestCount(), 2u);

  auto started = std::chrono::steady_clock::now();
  auto chat = postJson(gw.port(), "/v1/chat/completions",
                       R"({"model":"mock-paid","messages":[{"role":"user","content":"hi"}]})",
                       {{"Authorization", "Bearer " + key}});
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(chat.status, 200) << chat.body;
  EXPECT_LT(took, std::chrono::seconds(5)) << "keyed inference waited behind the payment backend";

  release.open();
  for (auto& t : crowd) t.join();
  int busy = 0;
  for (const auto& r : topups) {
    if (r.status != 503) continue;
    ++busy;
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "server_busy");
    EXPECT_EQ(r.headers.count("retry-after") ? r.headers.at("retry-after") : "", "1");
  }
  // Two were with the node and two waited for a thread; the rest were refused.
  EXPECT_EQ(busy, kTopups - 4);
  EXPECT_TRUE(servesHealth(gw.port()));
}

}  // namespace
}  // namespace turnpike::test
