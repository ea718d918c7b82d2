#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

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
