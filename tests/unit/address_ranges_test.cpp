#include <gtest/gtest.h>

#include <stdexcept>

#include "config/config_loader.hpp"
#include "config/diagnostics.hpp"
#include "http/request.hpp"
#include "net/address_ranges.hpp"

namespace turnpike {
namespace {

TEST(AddressRanges, MatchesCidrsInBothFamiliesAndMappedForms) {
  net::AddressRanges r({"10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1"});
  EXPECT_TRUE(r.contains("10.200.3.4"));
  EXPECT_TRUE(r.contains("::ffff:10.1.1.1"));
  EXPECT_TRUE(r.contains("192.168.1.7"));
  EXPECT_FALSE(r.contains("192.168.1.8"));
  EXPECT_TRUE(r.contains("fd12:3456::1"));
  EXPECT_TRUE(r.contains("::1"));
  EXPECT_FALSE(r.contains("11.0.0.1"));
  EXPECT_FALSE(r.contains("fe80::1"));
  EXPECT_FALSE(r.contains("not-an-ip"));
  EXPECT_FALSE(r.contains(""));
}

TEST(AddressRanges, PrefixesThatAreNotByteAligned) {
  net::AddressRanges r({"100.64.0.0/10", "2001:db8:8000::/33"});
  EXPECT_TRUE(r.contains("100.127.255.255"));
  EXPECT_FALSE(r.contains("100.128.0.0"));
  EXPECT_TRUE(r.contains("2001:db8:ffff::1"));
  EXPECT_FALSE(r.contains("2001:db8:7fff::1"));
  EXPECT_TRUE(net::AddressRanges({"0.0.0.0/0"}).contains("8.8.8.8"));
}

TEST(AddressRanges, RefusesWhatIsNotARange) {
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0", "example.com", "10.0.0.0/x", "/8", ""})
    EXPECT_THROW(net::AddressRanges({bad}), std::invalid_argument) << bad;
}

TEST(AddressRanges, CanonicalTextFoldsMappedAddresses) {
  EXPECT_EQ(net::formatAddress(*net::parseAddress("::ffff:1.2.3.4")), "1.2.3.4");
  EXPECT_EQ(net::formatAddress(*net::parseAddress("2001:0db8:0000:0000:0000:0000:0000:0001")), "2001:db8::1");
  EXPECT_FALSE(net::parseAddress("1.2.3.4 "));
}

http::Request withForwardedFor(std::vector<std::string> values) {
  http::Request r;
  for (auto& v : values) r.headers.push_back({"x-forwarded-for", std::move(v)});
  return r;
}

TEST(ForwardedClient, TakesTheNearestHopThatIsNotATrustedProxy) {
  net::AddressRanges trusted({"127.0.0.1", "10.0.0.0/8"});
  // A client may write anything on the left; only hops the trusted proxies appended count.
  EXPECT_EQ(http::forwardedClient(withForwardedFor({"6.6.6.6, 203.0.113.9, 10.0.0.2"}), "127.0.0.1", trusted),
            "203.0.113.9");
  EXPECT_EQ(http::forwardedClient(withForwardedFor({"6.6.6.6", "203.0.113.9"}), "127.0.0.1", trusted), "203.0.113.9");
  EXPECT_EQ(http::forwardedClient(withForwardedFor({"::ffff:198.51.100.4"}), "127.0.0.1", trusted), "198.51.100.4");
}

TEST(ForwardedClient, WithoutAUsableHopTheClientIsTheLastTrustedOne) {
  net::AddressRanges trusted({"127.0.0.1", "10.0.0.0/8"});
  EXPECT_EQ(http::forwardedClient(withForwardedFor({}), "127.0.0.1", trusted), "127.0.0.1");
  EXPECT_EQ(http::forwardedClient(withForwardedFor({"garbage, 10.0.0.3"}), "127.0.0.1", trusted), "10.0.0.3");
  EXPECT_EQ(http::forwardedClient(withForwardedFor({"1.2.3.4, unknown"}), "127.0.0.1", trusted), "127.0.0.1");
}

const std::string kProvider = "providers:\n  - {name: mock, plugin: mock, models: [m]}\n";

TEST(ConfigTrustedProxies, ABadEntryNamesTheKeyAndLine) {
  try {
    config::parseConfigText("server:\n  trusted_proxies: [127.0.0.1, 10.0.0.0/40]\n" + kProvider, "t.yaml");
    FAIL() << "accepted a bad CIDR";
  } catch (const config::ConfigError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("t.yaml:2"), std::string::npos) << what;
    EXPECT_NE(what.find("server.trusted_proxies"), std::string::npos) << what;
    EXPECT_NE(what.find("10.0.0.0/40"), std::string::npos) << what;
  }
  auto ok = config::parseConfigText("server:\n  trusted_proxies: [127.0.0.1]\n" + kProvider, "t.yaml");
  EXPECT_TRUE(ok.server.trustedProxies.contains("127.0.0.1"));
}

}  // namespace
}  // namespace turnpike
