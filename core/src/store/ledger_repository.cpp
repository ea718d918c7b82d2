#include "store/ledger_repository.hpp"

namespace turnpike::store::ledger {

namespace {

LedgerEntry readRow(const Statement& s) {
  LedgerEntry e;
  e.id = s.int64(0);
  e.accountId = s.text(1);
  e.amount = s.int64(2);
  e.balanceAfter = s.int64(3);
  e.kind = s.text(4);
  e.idempotencyKey = s.optionalText(5);
  e.reference = s.optionalText(6);
  e.description = s.text(7);
  e.createdAt = s.int64(8);
  return e;
}

}  // namespace

int64_t append(Connection& c, const LedgerEntry& e) {
  auto& s = c.prepared(
      "INSERT INTO ledger (account_id, amount, balance_after, kind, idempotency_key, reference, description, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, e.accountId).bind(2, e.amount).bind(3, e.balanceAfter).bind(4, e.kind);
  if (e.idempotencyKey) {
    s.bind(5, *e.idempotencyKey);
  } else {
    s.bindNull(5);
  }
  if (e.reference) {
    s.bind(6, *e.reference);
  } else {
    s.bindNull(6);
  }
  s.bind(7, e.description).bind(8, e.createdAt);
  s.execute();
  return c.lastInsertId();
}

std::optional<LedgerEntry> findByIdempotencyKey(Connection& c, std::string_view key) {
  auto& s = c.prepared(
      "SELECT id, account_id, amount, balance_after, kind, idempotency_key, reference, description, created_at "
      "FROM ledger WHERE idempotency_key = ?");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  auto e = readRow(s);
  s.reset();
  return e;
}

std::vector<LedgerEntry> page(Connection& c, std::string_view accountId, std::optional<int64_t> beforeId, int limit) {
  auto& s = c.prepared(
      "SELECT id, account_id, amount, balance_after, kind, idempotency_key, reference, description, created_at "
      "FROM ledger WHERE account_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3");
  s.bind(1, accountId).bind(2, beforeId).bind(3, static_cast<int64_t>(limit));
  std::vector<LedgerEntry> out;
  while (s.step()) out.push_back(readRow(s));
  s.reset();
  return out;
}

int64_t sum(Connection& c, std::string_view accountId) {
  auto& s = c.prepared("SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE account_id = ?");
  s.bind(1, accountId);
  s.step();
  int64_t total = s.int64(0);
  s.reset();
  return total;
}

}  // namespace turnpike::store::ledger
