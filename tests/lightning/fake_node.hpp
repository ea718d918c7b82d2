// The invoice book of a fake Lightning node: real, signed regtest invoices (made with the
// bolt11 library under the node's own key), states OPEN/SETTLED/CANCELED/ACCEPTED, settle and
// add indexes as LND numbers them, and a wait for the next settlement (for streams).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace turnpike::lightning_test {

enum class FakeState { Open, Settled, Canceled, Accepted };

struct FakeInvoice {
  std::string hash;      // hex
  std::string preimage;  // hex
  std::string bolt11;
  std::string memo;
  std::string label;
  uint64_t amountMsat = 0;
  int64_t createdAt = 0;
  int64_t expiresAt = 0;
  FakeState state = FakeState::Open;
  uint64_t paidMsat = 0;
  uint64_t addIndex = 0;
  uint64_t settleIndex = 0;
};

class FakeNode {
 public:
  FakeNode();

  FakeInvoice create(uint64_t amountMsat, const std::string& memo, int64_t expirySeconds,
                     const std::string& label = "");
  std::optional<FakeInvoice> find(const std::string& hash) const;
  std::vector<FakeInvoice> all() const;

  // Marks an invoice paid (`paidMsat` 0 = the invoice amount) and wakes the streams.
  void settle(const std::string& hash, uint64_t paidMsat = 0);
  void setState(const std::string& hash, FakeState state);

  // Invoices with an add_index above `after`, in add order.
  std::vector<FakeInvoice> addedAfter(uint64_t after) const;
  uint64_t lastAddIndex() const;
  // Invoices settled with a settle_index above `after`, in settle order.
  std::vector<FakeInvoice> settledAfter(uint64_t after) const;
  uint64_t lastSettleIndex() const;
  // Blocks until a settlement above `after`, a wakeAll() or the timeout.
  void waitForSettlement(uint64_t after, std::chrono::milliseconds timeout);
  void wakeAll();

  const std::string& publicKey() const { return publicKey_; }  // 33 bytes

 private:
  std::string secretKey_;
  std::string publicKey_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, FakeInvoice> invoices_;
  uint64_t addIndex_ = 0;
  uint64_t settleIndex_ = 0;
  bool woken_ = false;
};

}  // namespace turnpike::lightning_test
