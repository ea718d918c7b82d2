// IP address ranges in CIDR notation ("10.0.0.0/8", "fd00::/8", "127.0.0.1"), for deciding whom
// to trust (server.trusted_proxies). IPv4 is held as IPv4-mapped IPv6, so "::ffff:10.1.2.3" and
// "10.1.2.3" are the same address to every check.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace turnpike::net {

using Address = std::array<uint8_t, 16>;

// The address of a textual IPv4 or IPv6 address; nullopt when `text` is not one.
std::optional<Address> parseAddress(std::string_view text);
// The canonical text of `address` (dotted IPv4 for mapped addresses, RFC 5952 for IPv6).
std::string formatAddress(const Address& address);

class AddressRanges {
 public:
  AddressRanges() = default;
  // Throws std::invalid_argument naming the first entry that is not an address or a CIDR range.
  explicit AddressRanges(const std::vector<std::string>& cidrs);

  bool empty() const { return ranges_.empty(); }
  bool contains(const Address& address) const;
  // False when `ip` is not an address.
  bool contains(std::string_view ip) const;

 private:
  struct Range {
    Address base;
    unsigned prefix;  // of 128
  };
  std::vector<Range> ranges_;
};

}  // namespace turnpike::net
