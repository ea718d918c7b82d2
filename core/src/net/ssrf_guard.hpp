// Which network addresses a user-supplied URL may reach. Checked on the address actually
// connected to (libcurl's open-socket hook), so DNS rebinding and redirects cannot slip past.
#pragma once

#include <sys/socket.h>

#include <string_view>

namespace turnpike::net {

// False for loopback, private (RFC 1918, ULA), link-local, CGNAT, multicast, unspecified,
// documentation, benchmarking and reserved ranges, in IPv4 and IPv6 (mapped and NAT64 forms
// judged by their IPv4 address; IPv4-compatible, 6to4, Teredo and local-use NAT64 refused).
bool isPublicAddress(const sockaddr* address);
// Same for a textual IP address; false when `ip` is not an address.
bool isPublicAddress(std::string_view ip);

}  // namespace turnpike::net
