// The services the host gives each payment plugin instance (plugins::PaymentHost): its state
// in the plugin_state table and its payment reports into the top-ups. ScratchPaymentHost keeps
// state in memory, for `check-config`, which instantiates plugins without a database.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "billing/billing_service.hpp"
#include "billing/topup_service.hpp"
#include "plugins/host_api.hpp"

namespace turnpike::billing {

class StorePaymentHost final : public plugins::PaymentHost {
 public:
  StorePaymentHost(BillingService& billing, TopupService& topups, std::string instance)
      : billing_(billing), topups_(topups), instance_(std::move(instance)) {}

  std::optional<std::string> stateGet(std::string_view key) override;
  void statePut(std::string_view key, std::string_view value) override;
  bool stateInsert(std::string_view key, std::string_view value) override;
  void stateDelete(std::string_view key) override;
  void stateScan(std::string_view prefix,
                 const std::function<bool(const std::string&, const std::string&)>& visit) override;
  bool paymentReceived(std::string_view eventJson) override;

 private:
  BillingService& billing_;
  TopupService& topups_;
  std::string instance_;
};

class ScratchPaymentHost final : public plugins::PaymentHost {
 public:
  std::optional<std::string> stateGet(std::string_view key) override;
  void statePut(std::string_view key, std::string_view value) override;
  bool stateInsert(std::string_view key, std::string_view value) override;
  void stateDelete(std::string_view key) override;
  void stateScan(std::string_view prefix,
                 const std::function<bool(const std::string&, const std::string&)>& visit) override;
  bool paymentReceived(std::string_view eventJson) override;

 private:
  std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> state_;
};

}  // namespace turnpike::billing
