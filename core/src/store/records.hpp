// Rows as the rest of the gateway sees them. Times are unix milliseconds, amounts integers
// in billing.unit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace turnpike::store {

struct Account {
  std::string id;
  std::string name;
  std::string tier = "standard";
  int64_t createdAt = 0;
};

struct Wallet {
  int64_t balance = 0;
  int64_t reserved = 0;
  int64_t available() const { return balance - reserved; }
};

enum class ResetPeriod { None, Daily, Weekly, Monthly };

struct ApiKeyRecord {
  std::string id;
  std::string accountId;
  std::string name;
  std::string prefix;
  std::string hash;
  std::vector<std::string> scopes;
  std::optional<int64_t> usageLimit;
  ResetPeriod resetPeriod = ResetPeriod::None;
  int64_t periodStart = 0;
  int64_t periodSpent = 0;
  int64_t reserved = 0;
  std::optional<int64_t> expireAt;
  std::optional<int64_t> revokedAt;
  int64_t createdAt = 0;
  std::optional<int64_t> lastUsedAt;

  bool hasScope(const std::string& scope) const;
};

struct LedgerEntry {
  int64_t id = 0;
  std::string accountId;
  int64_t amount = 0;  // credit > 0, charge < 0
  int64_t balanceAfter = 0;
  std::string kind;  // credit, usage, topup, adjustment
  std::optional<std::string> idempotencyKey;
  std::optional<std::string> reference;
  std::string description;
  int64_t createdAt = 0;
};

struct UsageRecord {
  int64_t id = 0;
  std::string requestId;
  std::string accountId;
  std::optional<std::string> keyId;
  std::string model;
  std::string provider;
  int64_t promptTokens = 0;
  int64_t completionTokens = 0;
  int64_t cachedTokens = 0;
  int64_t cost = 0;
  int64_t shortfall = 0;   // used beyond what the wallet or the key's limit could cover: not charged
  bool estimated = false;  // the upstream reported no usage: the gateway counted the text
  int status = 0;
  bool stream = false;
  int64_t durationMs = 0;
  int64_t createdAt = 0;
};

std::string_view resetPeriodName(ResetPeriod p);
std::optional<ResetPeriod> parseResetPeriod(std::string_view name);

}  // namespace turnpike::store
