// What an API key may do to the keys of its own account (POST, PATCH and DELETE /v1/keys).
// A key hands out only what it holds, so whoever holds it can never get past its own bounds:
//  - scopes: a key it creates or changes gets only scopes the caller holds, and a key holding a
//    scope the caller lacks (the owner's key, usually) is out of its reach altogether;
//  - expire_at: a caller that expires sets expiries no later than its own (never none);
//  - usage_limit: a caller with a limit sets limits only (never none), and a raise it grants
//    (a new key's whole limit) moves out of its own limit, at most what it has left this period,
//    so its keys together spend no more per period than it could alone. It cannot raise its own
//    limit nor change any key's reset_period (a new period starts the spending over), and what
//    it grants resets with its own period or never.
// Tightening is always allowed. Only fields a change touches are judged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/records.hpp"

namespace turnpike::billing {

struct KeyRuling {
  enum class Verdict {
    Allowed,
    MissingScope,   // grants a scope the caller lacks
    Outranked,      // the key holds a scope the caller lacks
    ExceedsCaller,  // looser than the caller's own expiry or usage limit
  };
  Verdict verdict = Verdict::Allowed;
  std::string param;    // the request field at fault
  std::string message;
  int64_t transfer = 0;  // allowed: what moves from the caller's usage_limit to the key

  bool allowed() const { return verdict == Verdict::Allowed; }
};

// `before` is the key as stored (null for a key being created), `after` what the caller asks
// for; `caller` as stored now.
KeyRuling judgeKeyChange(const store::ApiKeyRecord& caller, const store::ApiKeyRecord* before,
                         const store::ApiKeyRecord& after, int64_t nowMs);
KeyRuling judgeKeyRevoke(const store::ApiKeyRecord& caller, const store::ApiKeyRecord& target);

// The API error code of a refusal: insufficient_scope, key_outranks_caller, exceeds_calling_key.
std::string_view keyRulingCode(KeyRuling::Verdict verdict);

}  // namespace turnpike::billing
