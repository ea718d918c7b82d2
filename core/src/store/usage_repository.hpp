// usage table: one row per metered request.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/connection.hpp"
#include "store/records.hpp"

namespace turnpike::store::usage {

void insert(Connection& c, const UsageRecord& record);

struct HistoryQuery {
  std::string accountId;
  std::optional<std::string> keyId;  // none: every key of the account
  std::optional<std::string> model;
  int64_t start = 0;  // inclusive, unix ms
  int64_t end = 0;    // exclusive, unix ms
  int page = 1;       // 1-based
  int pageCount = 20; // rows per page
};

struct HistoryPage {
  std::vector<UsageRecord> rows;  // newest first
  int64_t total = 0;
  int64_t totalCost = 0;
};

HistoryPage history(Connection& c, const HistoryQuery& query);

}  // namespace turnpike::store::usage
