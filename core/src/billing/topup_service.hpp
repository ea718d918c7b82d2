// Top-ups: a request to add money through a payment method (Lightning invoice, on-chain
// address, card checkout). The core keeps the top-up rows and credits; payment plugins create
// the payment and report what settles. Each external payment is recorded and credited once,
// for the amount that actually arrived, whatever the number of reports. Anonymous top-ups are
// claimed later as a spend token (an account and a key created once).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "billing/billing_service.hpp"
#include "plugins/payment_method.hpp"
#include "store/topups_repository.hpp"

namespace turnpike::billing {

class TopupService {
 public:
  // Bounds a method puts on amounts stated in one currency (describe()'s "limits"), as the
  // decimal text it gave and in 10^-8 units of that currency for comparing.
  struct CurrencyLimit {
    std::string min, max;
    int64_t minUnits = 0;
    int64_t maxUnits = 0;  // 0: no maximum
  };

  struct Method {
    plugins::PaymentMethod* method;
    nlohmann::json description;  // describe(), read at start
    int64_t minMsat = 0;
    int64_t maxMsat = 0;  // 0: no maximum
    double underpaymentTolerance = 0;
    std::vector<std::string> currencies{};  // describe()'s "currencies": what amounts may be asked in; empty: any
    std::map<std::string, CurrencyLimit> limits{};
  };

  struct Request {
    std::string method;
    std::optional<std::string> accountId;  // an authenticated caller's account: credited when paid
    int64_t amountMsat = 0;
    std::string currency = "SATS";
    std::string currencyAmount;
    std::string rate;
    std::optional<int64_t> tokenDurationMs;  // anonymous: the spend token's lifetime
    std::string description = "Turnpike top-up";
  };

  struct Created {
    store::Topup topup;
    // Claims the spend token of an anonymous top-up: shown to its creator only, stored hashed.
    // The top-up id is the public reference (labels, metadata, URLs, logs) and claims nothing.
    std::string claimSecret;
  };

  struct Claimed {
    store::Topup topup;
    std::string token;  // the spend token, shown once
    std::string keyId;
    int64_t balance = 0;
  };

  explicit TopupService(BillingService& billing) : billing_(billing) {}

  void addMethod(plugins::PaymentMethod& method);
  const std::vector<Method>& methods() const { return methods_; }
  const Method* method(std::string_view name) const;

  // Throws http::ApiError: 400 in a currency the method does not take or outside its limits
  // (nothing is recorded then), 502 when the method fails.
  Created create(const Request& request);
  // With `refresh`, a pending top-up's method looks at its payment first.
  std::optional<store::Topup> find(const std::string& id, bool refresh);
  // A payment plugin's report (callback_payment_received); false when already recorded.
  bool paymentReceived(const std::string& method, std::string_view eventJson);
  // By the creator's claim secret; a pending top-up's method looks at its payment first.
  // Throws http::ApiError: 404 unknown, 402 not paid yet, 409 claimed before.
  Claimed claim(const std::string& claimSecret);

  // pending | processing | paid | overpaid | underpaid | expired | failed
  static std::string status(const store::Topup& topup, int64_t now);

 private:
  // Credits every recorded payment of a top-up that has an account (inside a writer job).
  static void creditPayments(store::Connection& c, store::Topup& topup, int64_t now);
  // Asks a pending top-up's method to look at its payment now (it reports what it finds through
  // paymentReceived); false when the top-up is not pending or has nothing to look at.
  bool checkPending(const store::Topup& topup);
  std::string statusAfterPayment(const store::Topup& topup) const;
  // Throws http::ApiError 400 when the method does not take the request's currency or amount.
  static void checkCurrency(const Method& method, const Request& request);

  // Enough decimals for every currency a top-up may be asked in (BTC has 8).
  static constexpr int kLimitScale = 8;

  BillingService& billing_;
  std::vector<Method> methods_;
};

nlohmann::json topupJson(const store::Topup& topup, int64_t now);

}  // namespace turnpike::billing
