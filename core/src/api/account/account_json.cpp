#include "api/account/account_json.hpp"

#include <chrono>
#include <regex>

#include "billing/billing_service.hpp"
#include "billing/periods.hpp"

namespace turnpike::api {

using nlohmann::json;

json timeJson(std::optional<int64_t> ms) { return ms ? json(*ms / 1000) : json(nullptr); }

std::optional<int64_t> parseTime(const json& value) {
  // Unix seconds of the years 0000 to 9999, as the ISO form below: milliseconds of those (and a
  // day added to them) stay far from int64_t overflow.
  constexpr int64_t kFirstSecond = -62'167'219'200, kLastSecond = 253'402'300'799;
  if (value.is_number_unsigned()) {
    auto s = value.get<uint64_t>();
    if (s > static_cast<uint64_t>(kLastSecond)) return std::nullopt;
    return static_cast<int64_t>(s) * 1000;
  }
  if (value.is_number_integer()) {
    auto s = value.get<int64_t>();
    if (s < kFirstSecond || s > kLastSecond) return std::nullopt;
    return s * 1000;
  }
  if (!value.is_string()) return std::nullopt;
  // YYYY-MM-DD, optionally followed by THH:MM:SS[.fraction][Z|+HH:MM|-HH:MM]; no other shapes.
  static const std::regex kShape(
      R"(^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):?(\d{2}))?)?$)");
  std::smatch m;
  const std::string text = value.get<std::string>();
  if (!std::regex_match(text, m, kShape)) return std::nullopt;
  using namespace std::chrono;
  year_month_day day{year{std::stoi(m[1])}, month{static_cast<unsigned>(std::stoi(m[2]))},
                     std::chrono::day{static_cast<unsigned>(std::stoi(m[3]))}};
  if (!day.ok()) return std::nullopt;
  int64_t ms = duration_cast<milliseconds>(sys_days{day}.time_since_epoch()).count();
  if (m[4].matched) {
    int h = std::stoi(m[4]), min = std::stoi(m[5]), sec = std::stoi(m[6]);
    if (h > 23 || min > 59 || sec > 60) return std::nullopt;
    ms += ((h * 60 + min) * 60 + sec) * 1000LL;
    if (m[7].matched) ms += std::stoll((m[7].str().substr(1) + "00").substr(0, 3));
    if (m[8].matched && m[8] != "Z") {
      int64_t offset = (std::stoi(m[9]) * 60 + std::stoi(m[10])) * 60'000LL;
      ms += m[8].str()[0] == '+' ? -offset : offset;
    }
  }
  return ms;
}

json keyJson(const store::ApiKeyRecord& k, int64_t nowMs) {
  return json{{"id", k.id},
              {"object", "api_key"},
              {"name", k.name},
              {"prefix", k.prefix},
              {"scopes", k.scopes},
              {"usage_limit", k.usageLimit ? json(*k.usageLimit) : json(nullptr)},
              {"reset_period", store::resetPeriodName(k.resetPeriod)},
              {"spent_this_period", billing::BillingService::spentThisPeriod(k, nowMs)},
              {"expire_at", timeJson(k.expireAt)},
              {"revoked", k.revokedAt.has_value()},
              {"revoked_at", timeJson(k.revokedAt)},
              {"created_at", k.createdAt / 1000},
              {"last_used_at", timeJson(k.lastUsedAt)}};
}

json ledgerJson(const store::LedgerEntry& e) {
  return json{{"id", e.id},
              {"object", "ledger_entry"},
              {"amount", e.amount},
              {"balance_after", e.balanceAfter},
              {"kind", e.kind},
              {"reference", e.reference ? json(*e.reference) : json(nullptr)},
              {"description", e.description},
              {"created_at", e.createdAt / 1000}};
}

json usageJson(const store::UsageRecord& u) {
  return json{{"request_id", u.requestId},
              {"object", "usage_record"},
              {"key_id", u.keyId ? json(*u.keyId) : json(nullptr)},
              {"model", u.model},
              {"provider", u.provider},
              {"prompt_tokens", u.promptTokens},
              {"completion_tokens", u.completionTokens},
              {"cached_tokens", u.cachedTokens},
              {"cost", u.cost},
              {"estimated", u.estimated},
              {"status", u.status},
              {"stream", u.stream},
              {"duration_ms", u.durationMs},
              {"created_at", u.createdAt / 1000}};
}

json walletJson(const store::Wallet& w, const std::string& unit) {
  return json{{"balance", w.balance}, {"reserved", w.reserved}, {"available", w.available()}, {"unit", unit}};
}

std::optional<json> accountJson(billing::BillingService& billing, const std::string& accountId) {
  auto account = billing.account(accountId);
  if (!account) return std::nullopt;
  auto wallet = billing.wallet(account->id).value_or(store::Wallet{});
  int64_t now = billing::nowMs();
  json keys = json::array();
  for (const auto& k : billing.listKeys(account->id)) keys.push_back(keyJson(k, now));
  return json{{"object", "account"},
              {"account_id", account->id},
              {"name", account->name},
              {"tier", account->tier},
              {"created_at", account->createdAt / 1000},
              {"balance", wallet.balance},
              {"reserved", wallet.reserved},
              {"available", wallet.available()},
              {"keys", std::move(keys)}};
}

}  // namespace turnpike::api
