#include "net/address_ranges.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <stdexcept>

#include "util/strings.hpp"

namespace turnpike::net {

namespace {

constexpr unsigned kMappedPrefix = 96;

Address mapped(const in_addr& a4) {
  Address out{};
  out[10] = out[11] = 0xff;
  std::memcpy(out.data() + 12, &a4, 4);
  return out;
}

bool isMapped(const Address& a) {
  for (int i = 0; i < 10; ++i)
    if (a[i] != 0) return false;
  return a[10] == 0xff && a[11] == 0xff;
}

bool samePrefix(const Address& a, const Address& b, unsigned prefix) {
  unsigned whole = prefix / 8;
  for (unsigned i = 0; i < whole; ++i)
    if (a[i] != b[i]) return false;
  unsigned rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

std::optional<Address> parseAddress(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string s(text);
  in_addr a4{};
  if (::inet_pton(AF_INET, s.c_str(), &a4) == 1) return mapped(a4);
  in6_addr a6{};
  if (::inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    Address out;
    std::memcpy(out.data(), a6.s6_addr, 16);
    return out;
  }
  return std::nullopt;
}

std::string formatAddress(const Address& address) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (isMapped(address)) {
    ::inet_ntop(AF_INET, address.data() + 12, buf, sizeof buf);
  } else {
    ::inet_ntop(AF_INET6, address.data(), buf, sizeof buf);
  }
  return buf;
}

AddressRanges::AddressRanges(const std::vector<std::string>& cidrs) {
  for (const auto& entry : cidrs) {
    std::string_view text = util::trim(entry);
    size_t slash = text.find('/');
    auto base = parseAddress(text.substr(0, slash));
    bool v4 = base && isMapped(*base) && text.substr(0, slash).find(':') == std::string_view::npos;
    unsigned bits = v4 ? 32 : 128;
    std::optional<uint64_t> prefix = bits;
    if (slash != std::string_view::npos) prefix = util::parseUint(text.substr(slash + 1));
    if (!base || !prefix || *prefix > bits)
      throw std::invalid_argument("'" + entry + "' is not an IP address or CIDR range");
    ranges_.push_back(Range{*base, static_cast<unsigned>(*prefix) + (v4 ? kMappedPrefix : 0)});
  }
}

bool AddressRanges::contains(const Address& address) const {
  for (const auto& r : ranges_)
    if (samePrefix(address, r.base, r.prefix)) return true;
  return false;
}

bool AddressRanges::contains(std::string_view ip) const {
  auto a = parseAddress(ip);
  return a && contains(*a);
}

}  // namespace turnpike::net
