#include "billing/key_rules.hpp"

#include "billing/billing_service.hpp"

namespace turnpike::billing {

namespace {

using Verdict = KeyRuling::Verdict;

KeyRuling refuse(Verdict verdict, std::string param, std::string message) {
  return KeyRuling{verdict, std::move(param), std::move(message), 0};
}

// The first scope of `key` the caller lacks, or empty.
std::string scopeNotHeld(const store::ApiKeyRecord& caller, const store::ApiKeyRecord& key) {
  for (const auto& s : key.scopes)
    if (!caller.hasScope(s)) return s;
  return {};
}

}  // namespace

KeyRuling judgeKeyChange(const store::ApiKeyRecord& caller, const store::ApiKeyRecord* before,
                         const store::ApiKeyRecord& after, int64_t now) {
  if (before != nullptr) {
    if (auto s = scopeNotHeld(caller, *before); !s.empty())
      return refuse(Verdict::Outranked, "id", "key " + before->id + " holds the scope '" + s + "', which the calling key lacks");
  }
  if (auto s = scopeNotHeld(caller, after); !s.empty())
    return refuse(Verdict::MissingScope, "scopes", "the calling key lacks the scope '" + s + "'");

  if (caller.expireAt && (before == nullptr || before->expireAt != after.expireAt) &&
      (!after.expireAt || *after.expireAt > *caller.expireAt))
    return refuse(Verdict::ExceedsCaller, "expire_at",
                  "the calling key expires at " + std::to_string(*caller.expireAt / 1000) +
                      " (unix s): keys it creates or changes must expire no later");

  KeyRuling allowed;
  if (!caller.usageLimit) return allowed;
  bool self = before != nullptr && before->id == caller.id;
  if (before != nullptr && before->resetPeriod != after.resetPeriod && after.usageLimit)
    return refuse(Verdict::ExceedsCaller, "reset_period",
                  "a key with a usage_limit cannot change reset periods: a new period starts the spending over");
  if (before != nullptr && before->usageLimit == after.usageLimit) return allowed;
  if (!after.usageLimit)
    return refuse(Verdict::ExceedsCaller, "usage_limit",
                  "the calling key has a usage_limit: keys it creates or changes need one too");
  // Setting a limit on an unlimited key, or lowering one, only tightens.
  int64_t raise = before == nullptr ? *after.usageLimit
                  : before->usageLimit ? *after.usageLimit - *before->usageLimit
                                       : 0;
  if (raise <= 0) return allowed;
  if (self) return refuse(Verdict::ExceedsCaller, "usage_limit", "a key cannot raise its own usage_limit");
  if (after.resetPeriod != store::ResetPeriod::None && after.resetPeriod != caller.resetPeriod)
    return refuse(Verdict::ExceedsCaller, "reset_period",
                  "a limit granted by the calling key resets with its own period ('" +
                      std::string(store::resetPeriodName(caller.resetPeriod)) + "') or never ('none')");
  int64_t left = *caller.usageLimit - BillingService::spentThisPeriod(caller, now) - caller.reserved;
  if (raise > left)
    return refuse(Verdict::ExceedsCaller, "usage_limit",
                  "the calling key has " + std::to_string(std::max<int64_t>(0, left)) +
                      " of its usage_limit left this period; it can grant at most that");
  allowed.transfer = raise;
  return allowed;
}

KeyRuling judgeKeyRevoke(const store::ApiKeyRecord& caller, const store::ApiKeyRecord& target) {
  if (auto s = scopeNotHeld(caller, target); !s.empty())
    return refuse(Verdict::Outranked, "id", "key " + target.id + " holds the scope '" + s + "', which the calling key lacks");
  return {};
}

std::string_view keyRulingCode(KeyRuling::Verdict verdict) {
  switch (verdict) {
    case Verdict::Allowed: return "";
    case Verdict::MissingScope: return "insufficient_scope";
    case Verdict::Outranked: return "key_outranks_caller";
    case Verdict::ExceedsCaller: return "exceeds_calling_key";
  }
  return "";
}

}  // namespace turnpike::billing
