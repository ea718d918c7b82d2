#include "fake_node.hpp"

#include <algorithm>
#include <stdexcept>

#include <turnpike/encoding.hpp>

#include "common/crypto.hpp"
#include "common/secp256k1.hpp"
#include "lightning/bolt11.hpp"

namespace turnpike::lightning_test {

using namespace turnpike::payments;
namespace encoding = turnpike::sdk::encoding;

namespace {

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

FakeNode::FakeNode() {
  do {
    secretKey_ = crypto::randomBytes(32);
  } while (!Secp256k1::shared().isValidSecretKey(secretKey_));
  publicKey_ = *Secp256k1::shared().publicKey(secretKey_);
}

FakeInvoice FakeNode::create(uint64_t amountMsat, const std::string& memo, int64_t expirySeconds,
                             const std::string& label) {
  std::string preimage = crypto::randomBytes(32);
  lightning::Invoice inv;
  inv.network = Network::Regtest;
  inv.amountMsat = amountMsat;
  inv.timestamp = static_cast<uint64_t>(nowSeconds());
  inv.paymentHash = crypto::sha256(preimage);
  inv.paymentSecret = crypto::randomBytes(32);
  inv.description = memo;
  inv.expiry = static_cast<uint64_t>(expirySeconds);
  inv.features = {8, 14};
  auto text = lightning::encode(inv, secretKey_);
  if (!text) throw std::runtime_error(text.error());

  FakeInvoice f;
  f.hash = encoding::hexEncode(inv.paymentHash);
  f.preimage = encoding::hexEncode(preimage);
  f.bolt11 = *text;
  f.memo = memo;
  f.label = label;
  f.amountMsat = amountMsat;
  f.createdAt = static_cast<int64_t>(inv.timestamp);
  f.expiresAt = static_cast<int64_t>(inv.expiresAt());
  std::lock_guard lock(mutex_);
  f.addIndex = ++addIndex_;
  invoices_[f.hash] = f;
  return f;
}

std::optional<FakeInvoice> FakeNode::find(const std::string& hash) const {
  std::lock_guard lock(mutex_);
  auto it = invoices_.find(hash);
  if (it == invoices_.end()) return std::nullopt;
  return it->second;
}

std::vector<FakeInvoice> FakeNode::all() const {
  std::lock_guard lock(mutex_);
  std::vector<FakeInvoice> out;
  for (const auto& [_, inv] : invoices_) out.push_back(inv);
  return out;
}

void FakeNode::settle(const std::string& hash, uint64_t paidMsat) {
  {
    std::lock_guard lock(mutex_);
    auto& inv = invoices_.at(hash);
    inv.state = FakeState::Settled;
    inv.paidMsat = paidMsat == 0 ? inv.amountMsat : paidMsat;
    inv.settleIndex = ++settleIndex_;
  }
  changed_.notify_all();
}

void FakeNode::setState(const std::string& hash, FakeState state) {
  std::lock_guard lock(mutex_);
  invoices_.at(hash).state = state;
}

std::vector<FakeInvoice> FakeNode::settledAfter(uint64_t after) const {
  std::lock_guard lock(mutex_);
  std::vector<FakeInvoice> out;
  for (const auto& [_, inv] : invoices_)
    if (inv.state == FakeState::Settled && inv.settleIndex > after) out.push_back(inv);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.settleIndex < b.settleIndex; });
  return out;
}

std::vector<FakeInvoice> FakeNode::addedAfter(uint64_t after) const {
  std::lock_guard lock(mutex_);
  std::vector<FakeInvoice> out;
  for (const auto& [_, inv] : invoices_)
    if (inv.addIndex > after) out.push_back(inv);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.addIndex < b.addIndex; });
  return out;
}

uint64_t FakeNode::lastAddIndex() const {
  std::lock_guard lock(mutex_);
  return addIndex_;
}

uint64_t FakeNode::lastSettleIndex() const {
  std::lock_guard lock(mutex_);
  return settleIndex_;
}

void FakeNode::waitForSettlement(uint64_t after, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return settleIndex_ > after || woken_; });
  woken_ = false;
}

void FakeNode::wakeAll() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  changed_.notify_all();
}

}  // namespace turnpike::lightning_test
