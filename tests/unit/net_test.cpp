#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "fake_upstream.hpp"
#include "net/http_client.hpp"
#include "net/ssrf_guard.hpp"
#include "plugins/host_api.hpp"
#include "util/strings.hpp"

namespace turnpike {
namespace {

TEST(SsrfGuard, RefusesNonPublicAddresses) {
  for (const char* ip : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
                         "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1",
                         "fd12:3456::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "ff02::1",
                         "2001:db8::1", "not-an-ip"})
    EXPECT_FALSE(net::isPublicAddress(std::string_view(ip))) << ip;
  for (const char* ip : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"})
    EXPECT_TRUE(net::isPublicAddress(std::string_view(ip))) << ip;
}

TEST(SsrfGuard, RefusesIpv6FormsThatTunnelToAnIpv4Address) {
  // IPv4-compatible ::a.b.c.d (deprecated, some stacks still route it), 6to4 2002::/16 and Teredo
  // 2001::/32 carry an IPv4 destination; 64:ff9b:1::/48 is a local NAT64 prefix. Refused whatever
  // the IPv4 address inside is.
  for (const char* ip : {"::127.0.0.1", "::10.0.0.1", "::8.8.8.8", "::0.0.0.2", "2002:7f00:1::1", "2002:c0a8:101::1",
                         "2002:808:808::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::1", "64:ff9b:1::a00:1",
                         "64:ff9b:1:ffff::8.8.8.8"})
    EXPECT_FALSE(net::isPublicAddress(std::string_view(ip))) << ip;
  // Their neighbours stay public: 2001:4860::/32 is not Teredo, 64:ff9b::/96 judges its IPv4.
  for (const char* ip : {"2001:4860:4860::8888", "2003::1", "64:ff9b::808:808"})
    EXPECT_TRUE(net::isPublicAddress(std::string_view(ip))) << ip;
}

// The environment variable `name` set to `value` (or unset) for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(HttpClient, APublicOnlyCallNeverReusesAConnectionATrustedCallLeftOpen) {
  test::FakeUpstream local([](const test::RecordedRequest&, Poco::Net::HTTPServerResponse& res) {
    test::FakeUpstream::sendJson(res, 200, R"({"ok":true})");
  });
  net::HttpCall call;
  call.url = "http://127.0.0.1:" + std::to_string(local.port()) + "/internal";
  call.timeout = std::chrono::seconds(5);
  ASSERT_EQ(net::performHttp(call, {}).status, 200);
  ASSERT_EQ(net::performHttp(call, {}).status, 200);
  // The premise: a trusted call keeps its connection, and the next one reuses it.
  ASSERT_EQ(local.connectionsAccepted(), 1);

  call.publicOnly = true;
  for (int i = 0; i < 2; ++i) {
    auto refused = net::performHttp(call, {});
    EXPECT_EQ(refused.status, -1);
    EXPECT_EQ(refused.error, "destination address is not allowed");
  }
  EXPECT_EQ(local.requestCount(), 2u);
  // Trusted calls go on reusing their connection.
  call.publicOnly = false;
  EXPECT_EQ(net::performHttp(call, {}).status, 200);
  EXPECT_EQ(local.connectionsAccepted(), 1);
}

TEST(HttpClient, APublicOnlyCallIgnoresProxiesFromTheEnvironment) {
  // Through a proxy the guard would judge the proxy's (public) address, not the destination's.
  // Were the proxy used, this call would fail to connect to it instead of being refused.
  ScopedEnv noProxy("no_proxy", nullptr), noProxyUpper("NO_PROXY", nullptr);
  ScopedEnv proxy("http_proxy", "http://100.128.0.1:9"), proxyUpper("HTTP_PROXY", "http://100.128.0.1:9");
  ScopedEnv all("ALL_PROXY", "http://100.128.0.1:9");
  test::FakeUpstream local;
  net::HttpCall call;
  call.url = "http://127.0.0.1:" + std::to_string(local.port()) + "/internal";
  call.timeout = std::chrono::seconds(2);
  call.publicOnly = true;
  auto result = net::performHttp(call, {});
  EXPECT_EQ(result.error, "destination address is not allowed");
  EXPECT_EQ(local.requestCount(), 0u);
}

TEST(HttpClient, FetchStopsAtItsBodyLimit) {
  test::FakeUpstream local([](const test::RecordedRequest&, Poco::Net::HTTPServerResponse& res) {
    test::FakeUpstream::sendJson(res, 200, std::string(100'000, 'x'));
  });
  net::HttpCall call;
  call.url = "http://127.0.0.1:" + std::to_string(local.port()) + "/big";
  auto capped = net::fetch(call, 1024);
  EXPECT_EQ(capped.status, -1);
  EXPECT_EQ(capped.error, "the response body is larger than 1024 bytes");
  EXPECT_TRUE(capped.body.empty());
  auto whole = net::fetch(call, 100'000);
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body.size(), 100'000u);
  EXPECT_EQ(net::fetch(call).body.size(), 100'000u);  // the default limit is 16 MiB
}

TEST(HttpClient, CancelAbandonsACallThatIsWaiting) {
  // A listener that never accepts: the kernel completes the handshake and the request waits.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);

  std::atomic<bool> cancel{false};
  net::HttpCall call;
  call.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/v1/invoices/subscribe";
  call.timeout = std::chrono::seconds(60);  // a broken cancel ends in this timeout's error instead
  call.cancel = &cancel;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  auto result = net::performHttp(call, {});
  stopper.join();
  EXPECT_EQ(result.status, -1);
  EXPECT_EQ(result.error, net::kHttpCancelled);
  // Once cancelled, new calls fail without connecting.
  auto again = net::performHttp(call, {});
  EXPECT_EQ(again.error, net::kHttpCancelled);
  ::close(fd);
}

TEST(Strings, HexAndPercentCoding) {
  EXPECT_EQ(util::hexEncode("\x01\xab"), "01ab");
  EXPECT_EQ(util::hexDecode("01AB"), std::string("\x01\xab"));
  EXPECT_FALSE(util::hexDecode("0"));
  EXPECT_FALSE(util::hexDecode("zz"));
  EXPECT_EQ(util::percentDecode("a%2Fb+c%", false), "a/b+c%");
  EXPECT_EQ(util::urlDecode("a+b%21"), "a b!");
  EXPECT_EQ(util::parseUint("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(util::parseUint("18446744073709551616"));
  EXPECT_FALSE(util::parseUint("-1"));
  EXPECT_TRUE(util::constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(util::constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(util::constantTimeEquals("abc", "ab"));
}

TEST(Strings, JsonStringLiteralsParseBackToTheirText) {
  for (std::string text : {std::string("gpt-4o"), std::string("quote \" back\\slash"), std::string("\n\r\t\x01\x1f end"),
                           std::string("caf\xc3\xa9 \xe2\x82\xac"), std::string()}) {
    std::string out;
    util::appendJsonString(out, text);
    auto parsed = nlohmann::json::parse(out);
    ASSERT_TRUE(parsed.is_string()) << out;
    EXPECT_EQ(parsed.get<std::string>(), text) << out;
  }
  std::string control;
  util::appendJsonString(control, "\x01");
  EXPECT_EQ(control, "\"\\u0001\"");
}

TEST(Redact, ReplacesEverySecretOccurrence) {
  EXPECT_EQ(plugins::redact("key sk-secret1 and sk-secret1!", {"sk-secret1"}), "key [redacted] and [redacted]!");
  EXPECT_EQ(plugins::redact("abc", {"ab"}), "abc");  // too short to be a credential
}

}  // namespace
}  // namespace turnpike
