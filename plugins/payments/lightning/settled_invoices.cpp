#include "lightning/settled_invoices.hpp"

#include <nlohmann/json.hpp>

#include "common/clock.hpp"
#include "lightning/state_keys.hpp"

namespace turnpike::payments::lightning {

using nlohmann::json;

std::optional<uint64_t> SettledInvoices::find(std::string_view paymentHash) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = memory_.find(std::string(paymentHash)); it != memory_.end()) return it->second;
  }
  auto text = host_.stateGet(keys::settled(paymentHash));
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, false);
  uint64_t amount = j.is_object() ? j.value("amount_msat", uint64_t{0}) : 0;
  remember(paymentHash, amount);
  return amount;
}

uint64_t SettledInvoices::record(std::string_view paymentHash, uint64_t amountMsat) {
  json j{{"amount_msat", amountMsat}, {"settled_at", nowSeconds()}};
  if (!host_.stateInsert(keys::settled(paymentHash), j.dump())) {
    auto existing = host_.stateGet(keys::settled(paymentHash));
    json e = existing ? json::parse(*existing, nullptr, false) : json();
    if (e.is_object()) amountMsat = e.value("amount_msat", amountMsat);
  }
  remember(paymentHash, amountMsat);
  return amountMsat;
}

void SettledInvoices::remember(std::string_view paymentHash, uint64_t amountMsat) {
  std::lock_guard lock(mutex_);
  // A crude bound: starting over costs one state read per hash, never a wrong answer.
  if (memory_.size() >= limit_) memory_.clear();
  memory_.emplace(std::string(paymentHash), amountMsat);
}

}  // namespace turnpike::payments::lightning
