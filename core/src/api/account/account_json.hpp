// JSON shapes of accounts, keys, ledger entries and usage rows in API responses. Times are
// unix seconds, amounts integers in billing.unit.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "billing/billing_service.hpp"
#include "store/records.hpp"

namespace turnpike::api {

nlohmann::json keyJson(const store::ApiKeyRecord& key, int64_t nowMs);
nlohmann::json ledgerJson(const store::LedgerEntry& entry);
nlohmann::json usageJson(const store::UsageRecord& usage);
nlohmann::json walletJson(const store::Wallet& wallet, const std::string& unit);
// An account with its wallet and keys, as the admin API and the CLI show it; nullopt when unknown.
std::optional<nlohmann::json> accountJson(billing::BillingService& billing, const std::string& accountId);

// An API time (unix seconds, or an ISO 8601 / YYYY-MM-DD string) as unix ms; nullopt when
// malformed.
std::optional<int64_t> parseTime(const nlohmann::json& value);
nlohmann::json timeJson(std::optional<int64_t> ms);

}  // namespace turnpike::api
