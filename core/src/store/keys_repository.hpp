// api_keys table. Keys are stored as SHA-256 hashes; only the prefix is kept in clear.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "store/connection.hpp"
#include "store/records.hpp"

namespace turnpike::store::keys {

void insert(Connection& c, const ApiKeyRecord& key);
std::optional<ApiKeyRecord> findByHash(Connection& c, std::string_view hash);
// The key `id` of account `accountId`.
std::optional<ApiKeyRecord> find(Connection& c, std::string_view accountId, std::string_view id);
std::optional<ApiKeyRecord> findById(Connection& c, std::string_view id);
std::vector<ApiKeyRecord> listByAccount(Connection& c, std::string_view accountId);
// Writes name, scopes, usage_limit, reset_period and expire_at.
void update(Connection& c, const ApiKeyRecord& key);
bool revoke(Connection& c, std::string_view id, int64_t now);
// Starts a new spending period (period_spent back to 0).
void startPeriod(Connection& c, std::string_view id, int64_t periodStart);
// Holds `amount` against the key's usage_limit; false when it would pass the limit.
bool reserve(Connection& c, std::string_view id, int64_t amount);
void settle(Connection& c, std::string_view id, int64_t held, int64_t charge, int64_t now);

std::string joinScopes(const std::vector<std::string>& scopes);
std::vector<std::string> splitScopes(std::string_view joined);

}  // namespace turnpike::store::keys
