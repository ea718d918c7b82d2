// Anonymous callers try to shed their limits by changing what they send: X-Client-ID, User-Agent,
// a forged X-Forwarded-For. Limits follow the client address, so none of it helps: anonymous
// inference, signups and failed admin attempts all stay limited, and the gateway goes on serving.
// Behind a trusted proxy (server.trusted_proxies) each forwarded client has limits of its own.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "gateway_process.hpp"
#include "hostile_config.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

const std::string kAdminToken = "hostile-admin-0123456789abcdef0123";
const std::string kChat = R"({"model":"mock-fast","messages":[{"role":"user","content":"hi"}]})";

// Limits count in one-minute windows: start a burst early enough in one to finish in it.
void startOfAMinuteWindow() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto intoMinute = std::chrono::duration_cast<std::chrono::milliseconds>(now) % std::chrono::minutes(1);
  if (intoMinute > std::chrono::seconds(45)) std::this_thread::sleep_for(std::chrono::minutes(1) - intoMinute);
}

// The disguises a client may put on, one per request.
Headers disguise(int i) {
  std::string n = std::to_string(i);
  return {{"X-Client-ID", "client-" + n}, {"User-Agent", "agent/" + n}, {"X-Forwarded-For", "198.51.100." + n},
          {"X-Real-IP", "203.0.113." + n}, {"Forwarded", "for=192.0.2." + n}};
}

class AnonymousIdentity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gateway_ = new GatewayProcess(hostileConfig("  admin_token: " + kAdminToken + "\n", R"(billing:
  signup_per_hour: 3
  rate_limits:
    anonymous: {requests_per_minute: 4}
)"));
  }
  static void TearDownTestSuite() {
    delete gateway_;
    gateway_ = nullptr;
  }
  static uint16_t port() { return gateway_->port(); }
  static GatewayProcess* gateway_;
};
GatewayProcess* AnonymousIdentity::gateway_ = nullptr;

TEST_F(AnonymousIdentity, ChangingHeadersDoesNotResetTheAnonymousLimit) {
  startOfAMinuteWindow();
  int served = 0, limited = 0;
  for (int i = 0; i < 12; ++i) {
    auto r = rawRequest(port(), "POST", "/v1/chat/completions", kChat, disguise(i));
    served += r.status == 200;
    if (r.status == 429) {
      ++limited;
      EXPECT_EQ(json::parse(r.body)["error"]["code"], "rate_limit_exceeded");
      EXPECT_GT(std::stoi(r.headers["retry-after"]), 0);
    }
  }
  EXPECT_EQ(served, 4);
  EXPECT_EQ(limited, 8);
  EXPECT_TRUE(servesHealth(port()));
}

TEST_F(AnonymousIdentity, SignupIsLimitedPerAddressWhateverItSends) {
  int created = 0;
  for (int i = 0; i < 8; ++i) {
    auto r = rawRequest(port(), "POST", "/v1/accounts", R"({"name":"bot"})", disguise(i));
    if (r.status == 201) {
      ++created;
      continue;
    }
    ASSERT_EQ(r.status, 429) << r.body;
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "rate_limit_exceeded");
    int retry = std::stoi(r.headers["retry-after"]);
    EXPECT_GT(retry, 0);
    EXPECT_LE(retry, 3600);
  }
  EXPECT_EQ(created, 3);
  EXPECT_TRUE(servesHealth(port()));
}

TEST_F(AnonymousIdentity, GuessingTheAdminTokenIsCutOff) {
  for (int i = 0; i < 10; ++i) {
    auto r = rawRequest(port(), "GET", "/admin/routing", "", {{"Authorization", "Bearer guess-" + std::to_string(i)}});
    ASSERT_EQ(r.status, 401) << r.body;
  }
  // Whatever comes next from this address, disguised or right, is 429 for the rest of the minute.
  for (int i = 0; i < 5; ++i) {
    Headers headers = disguise(i);
    headers.push_back({"Authorization", "Bearer guess-more-" + std::to_string(i)});
    EXPECT_EQ(rawRequest(port(), "POST", "/admin/accounts", "{}", headers).status, 429);
  }
  auto right = rawRequest(port(), "GET", "/admin/routing", "", {{"Authorization", "Bearer " + kAdminToken}});
  EXPECT_EQ(right.status, 429);
  EXPECT_GT(std::stoi(right.headers["retry-after"]), 0);
  EXPECT_TRUE(servesHealth(port()));
}

TEST(AnonymousIdentityBehindAProxy, EachForwardedClientHasItsOwnLimit) {
  GatewayProcess gateway(hostileConfig("  trusted_proxies: [127.0.0.1]\n", R"(billing:
  signup_per_hour: 1
  rate_limits:
    anonymous: {requests_per_minute: 2}
)"));
  startOfAMinuteWindow();
  auto served = [&](const std::string& client, Headers extra = {}) {
    extra.push_back({"X-Forwarded-For", client});
    return rawRequest(gateway.port(), "POST", "/v1/chat/completions", kChat, extra).status == 200;
  };
  // The proxy's clients do not share one limit...
  for (const char* client : {"198.51.100.1", "198.51.100.2", "2001:db8:1:2::1"}) {
    EXPECT_TRUE(served(client)) << client;
    EXPECT_TRUE(served(client, {{"X-Client-ID", "other"}})) << client;
    EXPECT_FALSE(served(client, {{"User-Agent", "fresh/1"}})) << client;
  }
  // ...and one client cannot spread over its /64, nor reset its limit through the proxy.
  EXPECT_FALSE(served("2001:db8:1:2::ffff"));
  EXPECT_FALSE(served("198.51.100.1, 198.51.100.1"));
  EXPECT_EQ(rawRequest(gateway.port(), "POST", "/v1/accounts", "", {{"X-Forwarded-For", "198.51.100.7"}}).status, 201);
  EXPECT_EQ(rawRequest(gateway.port(), "POST", "/v1/accounts", "", {{"X-Forwarded-For", "198.51.100.7"}}).status, 429);
  EXPECT_EQ(rawRequest(gateway.port(), "POST", "/v1/accounts", "", {{"X-Forwarded-For", "198.51.100.8"}}).status, 201);
  EXPECT_TRUE(servesHealth(gateway.port()));
}

}  // namespace
}  // namespace turnpike::test
