#include "store/keys_repository.hpp"

#include "util/strings.hpp"

namespace turnpike::store::keys {

namespace {

constexpr const char* kColumns =
    "id, account_id, name, prefix, hash, scopes, usage_limit, reset_period, period_start, period_spent, reserved, "
    "expire_at, revoked_at, created_at, last_used_at";

ApiKeyRecord readRow(const Statement& s) {
  ApiKeyRecord k;
  k.id = s.text(0);
  k.accountId = s.text(1);
  k.name = s.text(2);
  k.prefix = s.text(3);
  k.hash = s.text(4);
  k.scopes = splitScopes(s.text(5));
  k.usageLimit = s.optionalInt64(6);
  k.resetPeriod = parseResetPeriod(s.text(7)).value_or(ResetPeriod::None);
  k.periodStart = s.int64(8);
  k.periodSpent = s.int64(9);
  k.reserved = s.int64(10);
  k.expireAt = s.optionalInt64(11);
  k.revokedAt = s.optionalInt64(12);
  k.createdAt = s.int64(13);
  k.lastUsedAt = s.optionalInt64(14);
  return k;
}

std::optional<ApiKeyRecord> one(Statement& s) {
  if (!s.step()) return std::nullopt;
  auto k = readRow(s);
  s.reset();
  return k;
}

}  // namespace

std::string joinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> splitScopes(std::string_view joined) {
  std::vector<std::string> out;
  if (joined.empty()) return out;
  for (auto part : util::split(joined, ',')) out.emplace_back(part);
  return out;
}

void insert(Connection& c, const ApiKeyRecord& k) {
  c.prepared(
       "INSERT INTO api_keys (id, account_id, name, prefix, hash, scopes, usage_limit, reset_period, period_start, "
       "period_spent, reserved, expire_at, revoked_at, created_at, last_used_at) "
       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, NULL, ?, NULL)")
      .bind(1, k.id)
      .bind(2, k.accountId)
      .bind(3, k.name)
      .bind(4, k.prefix)
      .bind(5, k.hash)
      .bind(6, joinScopes(k.scopes))
      .bind(7, k.usageLimit)
      .bind(8, resetPeriodName(k.resetPeriod))
      .bind(9, k.periodStart)
      .bind(10, k.expireAt)
      .bind(11, k.createdAt)
      .execute();
}

std::optional<ApiKeyRecord> findByHash(Connection& c, std::string_view hash) {
  static const std::string sql = std::string("SELECT ") + kColumns + " FROM api_keys WHERE hash = ?";
  auto& s = c.prepared(sql.c_str());
  s.bind(1, hash);
  return one(s);
}

std::optional<ApiKeyRecord> find(Connection& c, std::string_view accountId, std::string_view id) {
  static const std::string sql = std::string("SELECT ") + kColumns + " FROM api_keys WHERE id = ? AND account_id = ?";
  auto& s = c.prepared(sql.c_str());
  s.bind(1, id).bind(2, accountId);
  return one(s);
}

std::optional<ApiKeyRecord> findById(Connection& c, std::string_view id) {
  static const std::string sql = std::string("SELECT ") + kColumns + " FROM api_keys WHERE id = ?";
  auto& s = c.prepared(sql.c_str());
  s.bind(1, id);
  return one(s);
}

std::vector<ApiKeyRecord> listByAccount(Connection& c, std::string_view accountId) {
  static const std::string sql =
      std::string("SELECT ") + kColumns + " FROM api_keys WHERE account_id = ? ORDER BY created_at, id";
  auto& s = c.prepared(sql.c_str());
  s.bind(1, accountId);
  std::vector<ApiKeyRecord> out;
  while (s.step()) out.push_back(readRow(s));
  s.reset();
  return out;
}

void update(Connection& c, const ApiKeyRecord& k) {
  c.prepared("UPDATE api_keys SET name = ?, scopes = ?, usage_limit = ?, reset_period = ?, expire_at = ? WHERE id = ?")
      .bind(1, k.name)
      .bind(2, joinScopes(k.scopes))
      .bind(3, k.usageLimit)
      .bind(4, resetPeriodName(k.resetPeriod))
      .bind(5, k.expireAt)
      .bind(6, k.id)
      .execute();
}

bool revoke(Connection& c, std::string_view id, int64_t now) {
  return c.prepared("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
             .bind(1, now)
             .bind(2, id)
             .execute() == 1;
}

void startPeriod(Connection& c, std::string_view id, int64_t periodStart) {
  c.prepared("UPDATE api_keys SET period_start = ?, period_spent = 0 WHERE id = ?").bind(1, periodStart).bind(2, id).execute();
}

bool reserve(Connection& c, std::string_view id, int64_t amount) {
  return c.prepared("UPDATE api_keys SET reserved = reserved + ?1 "
                    "WHERE id = ?2 AND (usage_limit IS NULL OR period_spent + reserved + ?1 <= usage_limit)")
             .bind(1, amount)
             .bind(2, id)
             .execute() == 1;
}

void settle(Connection& c, std::string_view id, int64_t held, int64_t charge, int64_t now) {
  c.prepared("UPDATE api_keys SET period_spent = period_spent + ?1, reserved = reserved - ?2, last_used_at = ?4 WHERE id = ?3")
      .bind(1, charge)
      .bind(2, held)
      .bind(3, id)
      .bind(4, now)
      .execute();
}

}  // namespace turnpike::store::keys
