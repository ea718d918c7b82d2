#include "billing/payment_host.hpp"

#include <stdexcept>

#include "billing/periods.hpp"
#include "store/plugin_state_repository.hpp"

namespace turnpike::billing {

using store::Connection;

std::optional<std::string> StorePaymentHost::stateGet(std::string_view key) {
  return billing_.readers().with([&](Connection& c) { return store::plugin_state::get(c, instance_, key); });
}

void StorePaymentHost::statePut(std::string_view key, std::string_view value) {
  billing_.writer().run([&](Connection& c) { store::plugin_state::put(c, instance_, key, value, nowMs()); });
}

bool StorePaymentHost::stateInsert(std::string_view key, std::string_view value) {
  return billing_.writer().run([&](Connection& c) { return store::plugin_state::insert(c, instance_, key, value, nowMs()); });
}

void StorePaymentHost::stateDelete(std::string_view key) {
  billing_.writer().run([&](Connection& c) { store::plugin_state::remove(c, instance_, key); });
}

void StorePaymentHost::stateScan(std::string_view prefix,
                                 const std::function<bool(const std::string&, const std::string&)>& visit) {
  billing_.readers().with([&](Connection& c) { store::plugin_state::scan(c, instance_, prefix, visit); });
}

bool StorePaymentHost::paymentReceived(std::string_view eventJson) { return topups_.paymentReceived(instance_, eventJson); }

std::optional<std::string> ScratchPaymentHost::stateGet(std::string_view key) {
  std::lock_guard lock(mutex_);
  auto it = state_.find(key);
  return it == state_.end() ? std::nullopt : std::optional<std::string>(it->second);
}

void ScratchPaymentHost::statePut(std::string_view key, std::string_view value) {
  std::lock_guard lock(mutex_);
  state_[std::string(key)] = std::string(value);
}

bool ScratchPaymentHost::stateInsert(std::string_view key, std::string_view value) {
  std::lock_guard lock(mutex_);
  return state_.emplace(std::string(key), std::string(value)).second;
}

void ScratchPaymentHost::stateDelete(std::string_view key) {
  std::lock_guard lock(mutex_);
  if (auto it = state_.find(key); it != state_.end()) state_.erase(it);
}

void ScratchPaymentHost::stateScan(std::string_view prefix,
                                   const std::function<bool(const std::string&, const std::string&)>& visit) {
  std::lock_guard lock(mutex_);
  for (auto it = state_.lower_bound(prefix); it != state_.end() && it->first.rfind(prefix, 0) == 0; ++it)
    if (!visit(it->first, it->second)) return;
}

bool ScratchPaymentHost::paymentReceived(std::string_view) {
  throw std::runtime_error("no store: payments are not recorded while checking the configuration");
}

}  // namespace turnpike::billing
