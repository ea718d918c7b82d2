// Payment hashes known to be settled, with the amount paid: `settled:<hash>` in the state and a
// bounded in-memory copy in front, so authorize() needs no backend round trip (and usually no
// state read) for an invoice already seen paid. A settled invoice never becomes unpaid, so the
// copy is never stale.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <turnpike/plugin.hpp>

namespace turnpike::payments::lightning {

class SettledInvoices {
 public:
  explicit SettledInvoices(sdk::Host host, size_t memoryLimit = 100'000) : host_(host), limit_(memoryLimit) {}

  // The amount paid, when known settled.
  std::optional<uint64_t> find(std::string_view paymentHash);
  // Remembers a settlement; the first amount recorded for a hash stays.
  uint64_t record(std::string_view paymentHash, uint64_t amountMsat);

 private:
  void remember(std::string_view paymentHash, uint64_t amountMsat);

  sdk::Host host_;
  size_t limit_;
  std::mutex mutex_;
  std::unordered_map<std::string, uint64_t> memory_;
};

}  // namespace turnpike::payments::lightning
