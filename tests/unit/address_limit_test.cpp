#include <gtest/gtest.h>

#include <vector>

#include "http/address_limit.hpp"

namespace turnpike::http {
namespace {

net::Address address(const char* text) { return *net::parseAddress(text); }

TEST(AddressLimit, CountsPerIpv4AddressAndPerIpv6Slash64) {
  AddressLimit limit(2);
  std::vector<AddressLimit::Slot> held(8);
  EXPECT_TRUE(limit.tryAcquire(address("10.0.0.1"), held[0]));
  EXPECT_TRUE(limit.tryAcquire(address("::ffff:10.0.0.1"), held[1]));  // the same address
  EXPECT_FALSE(limit.tryAcquire(address("10.0.0.1"), held[2]));
  EXPECT_TRUE(limit.tryAcquire(address("10.0.0.2"), held[2]));
  // One /64, whatever the interface id.
  EXPECT_TRUE(limit.tryAcquire(address("2001:db8:1:2::1"), held[3]));
  EXPECT_TRUE(limit.tryAcquire(address("2001:db8:1:2:ffff::9"), held[4]));
  EXPECT_FALSE(limit.tryAcquire(address("2001:db8:1:2:abcd::"), held[5]));
  EXPECT_TRUE(limit.tryAcquire(address("2001:db8:1:3::1"), held[5]));
}

TEST(AddressLimit, ASlotIsGivenBackWhenItGoes) {
  AddressLimit limit(1);
  AddressLimit::Slot first;
  ASSERT_TRUE(limit.tryAcquire(address("192.0.2.7"), first));
  AddressLimit::Slot second;
  EXPECT_FALSE(limit.tryAcquire(address("192.0.2.7"), second));
  AddressLimit::Slot moved = std::move(first);
  EXPECT_FALSE(limit.tryAcquire(address("192.0.2.7"), second));
  moved = AddressLimit::Slot();
  EXPECT_TRUE(limit.tryAcquire(address("192.0.2.7"), second));
}

}  // namespace
}  // namespace turnpike::http
