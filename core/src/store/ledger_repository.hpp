// ledger table: append-only (triggers refuse UPDATE and DELETE); one row per balance change,
// written in the same transaction as the change.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "store/connection.hpp"
#include "store/records.hpp"

namespace turnpike::store::ledger {

// Appends `entry` (its id is assigned) and returns the id.
int64_t append(Connection& c, const LedgerEntry& entry);
std::optional<LedgerEntry> findByIdempotencyKey(Connection& c, std::string_view key);
// Newest first, strictly older than `beforeId` when given.
std::vector<LedgerEntry> page(Connection& c, std::string_view accountId, std::optional<int64_t> beforeId, int limit);
int64_t sum(Connection& c, std::string_view accountId);

}  // namespace turnpike::store::ledger
