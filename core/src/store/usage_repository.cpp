#include "store/usage_repository.hpp"

#include <Poco/Data/RecordSet.h>

namespace turnpike::store::usage {

using namespace Poco::Data::Keywords;

void insert(Connection& c, const UsageRecord& u) {
  auto& s = c.prepared(
      "INSERT INTO usage (request_id, account_id, key_id, model, provider, prompt_tokens, completion_tokens, "
      "cached_tokens, cost, status, stream, duration_ms, created_at, shortfall, estimated) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, u.requestId).bind(2, u.accountId);
  if (u.keyId) {
    s.bind(3, *u.keyId);
  } else {
    s.bindNull(3);
  }
  s.bind(4, u.model)
      .bind(5, u.provider)
      .bind(6, u.promptTokens)
      .bind(7, u.completionTokens)
      .bind(8, u.cachedTokens)
      .bind(9, u.cost)
      .bind(10, static_cast<int64_t>(u.status))
      .bind(11, static_cast<int64_t>(u.stream ? 1 : 0))
      .bind(12, u.durationMs)
      .bind(13, u.createdAt)
      .bind(14, u.shortfall)
      .bind(15, static_cast<int64_t>(u.estimated ? 1 : 0))
      .execute();
}

HistoryPage history(Connection& c, const HistoryQuery& q) {
  // Filters vary per call, so this ad-hoc query goes through Poco::Data.
  std::string where = " WHERE account_id = ? AND created_at >= ? AND created_at < ?";
  std::string accountId = q.accountId;
  Poco::Int64 start = q.start, end = q.end;
  std::string keyId = q.keyId.value_or("");
  std::string model = q.model.value_or("");
  if (q.keyId) where += " AND key_id = ?";
  if (q.model) where += " AND model = ?";

  auto bindFilters = [&](Poco::Data::Statement& st) {
    st, use(accountId), use(start), use(end);
    if (q.keyId) st, use(keyId);
    if (q.model) st, use(model);
  };

  HistoryPage page;
  Poco::Int64 total = 0, totalCost = 0;
  Poco::Data::Statement count(c.session());
  count << "SELECT COUNT(*), COALESCE(SUM(cost), 0) FROM usage" + where, into(total), into(totalCost);
  bindFilters(count);
  count.execute();
  page.total = total;
  page.totalCost = totalCost;

  Poco::Int64 limit = q.pageCount, offset = static_cast<Poco::Int64>(q.page - 1) * q.pageCount;
  Poco::Data::Statement select(c.session());
  select << "SELECT id, request_id, account_id, key_id, model, provider, prompt_tokens, completion_tokens, cached_tokens, "
            "cost, status, stream, duration_ms, created_at, shortfall, estimated FROM usage" +
                where + " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?";
  bindFilters(select);
  select, use(limit), use(offset);
  select.execute();
  Poco::Data::RecordSet rs(select);
  for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
    UsageRecord u;
    u.id = rs[0].convert<Poco::Int64>();
    u.requestId = rs[1].convert<std::string>();
    u.accountId = rs[2].convert<std::string>();
    if (!rs[3].isEmpty()) u.keyId = rs[3].convert<std::string>();
    u.model = rs[4].convert<std::string>();
    u.provider = rs[5].convert<std::string>();
    u.promptTokens = rs[6].convert<Poco::Int64>();
    u.completionTokens = rs[7].convert<Poco::Int64>();
    u.cachedTokens = rs[8].convert<Poco::Int64>();
    u.cost = rs[9].convert<Poco::Int64>();
    u.status = rs[10].convert<int>();
    u.stream = rs[11].convert<int>() != 0;
    u.durationMs = rs[12].convert<Poco::Int64>();
    u.createdAt = rs[13].convert<Poco::Int64>();
    u.shortfall = rs[14].convert<Poco::Int64>();
    u.estimated = rs[15].convert<int>() != 0;
    page.rows.push_back(std::move(u));
  }
  return page;
}

}  // namespace turnpike::store::usage
