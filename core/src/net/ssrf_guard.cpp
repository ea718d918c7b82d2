#include "net/ssrf_guard.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

namespace turnpike::net {

namespace {

bool inRange(uint32_t ip, uint32_t base, int prefix) {
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  return (ip & mask) == (base & mask);
}

bool isPublicV4(uint32_t ip) {
  struct Range {
    uint32_t base;
    int prefix;
  };
  static constexpr Range kBlocked[] = {
      {0x00000000, 8},   // "this" network
      {0x0A000000, 8},   // 10/8
      {0x64400000, 10},  // 100.64/10 CGNAT
      {0x7F000000, 8},   // loopback
      {0xA9FE0000, 16},  // link-local, cloud metadata
      {0xAC100000, 12},  // 172.16/12
      {0xC0000000, 24},  // 192.0.0/24 IETF
      {0xC0000200, 24},  // TEST-NET-1
      {0xC0586300, 24},  // 6to4 relay anycast
      {0xC0A80000, 16},  // 192.168/16
      {0xC6120000, 15},  // benchmarking
      {0xC6336400, 24},  // TEST-NET-2
      {0xCB007100, 24},  // TEST-NET-3
      {0xE0000000, 4},   // multicast
      {0xF0000000, 4},   // reserved + broadcast
  };
  for (const auto& r : kBlocked)
    if (inRange(ip, r.base, r.prefix)) return false;
  return true;
}

bool isPublicV6(const in6_addr& a) {
  const uint8_t* b = a.s6_addr;
  static const uint8_t kZero[16] = {0};
  // ::/96 holds ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d, which some stacks still
  // route to the IPv4 address: none of it is a public IPv6 destination.
  if (std::memcmp(b, kZero, 12) == 0) return false;
  // IPv4-mapped ::ffff:a.b.c.d and NAT64 64:ff9b::a.b.c.d: judge the embedded IPv4 address.
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static const uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kMapped, 12) == 0 || std::memcmp(b, kNat64, 12) == 0) {
    uint32_t v4 = (uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15];
    return isPublicV4(v4);
  }
  // Tunnels whose far end is an IPv4 address hidden in the IPv6 one (6to4 2002::/16, Teredo
  // 2001::/32) or chosen by a local translator (NAT64 local use 64:ff9b:1::/48).
  if (b[0] == 0x20 && b[1] == 0x02) return false;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) return false;
  if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 0x01) return false;
  if ((b[0] & 0xfe) == 0xfc) return false;                  // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return false;  // fec0::/10 site-local
  if (b[0] == 0xff) return false;                           // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // documentation
  if (b[0] == 0x01 && b[1] == 0 && std::memcmp(b + 2, kZero, 6) == 0) return false;  // 100::/64 discard
  return true;
}

}  // namespace

bool isPublicAddress(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const auto* a4 = reinterpret_cast<const sockaddr_in*>(address);
    return isPublicV4(ntohl(a4->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    return isPublicV6(reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
  }
  return false;
}

bool isPublicAddress(std::string_view ip) {
  std::string text(ip);
  in_addr a4{};
  if (::inet_pton(AF_INET, text.c_str(), &a4) == 1) return isPublicV4(ntohl(a4.s_addr));
  in6_addr a6{};
  if (::inet_pton(AF_INET6, text.c_str(), &a6) == 1) return isPublicV6(a6);
  return false;
}

}  // namespace turnpike::net
