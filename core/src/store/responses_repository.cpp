#include "store/responses_repository.hpp"

namespace turnpike::store::responses {

bool insert(Connection& c, const StoredResponse& r) {
  return c.prepared("INSERT INTO stored_responses (id, account_id, created_at, expires_at, response, conversation) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")
             .bind(1, r.id)
             .bind(2, r.accountId)
             .bind(3, r.createdAt)
             .bind(4, r.expiresAt)
             .bind(5, r.response)
             .bind(6, r.conversation)
             .execute() == 1;
}

std::optional<StoredResponse> find(Connection& c, std::string_view id, std::string_view accountId, int64_t now) {
  auto& s = c.prepared(
      "SELECT id, account_id, created_at, expires_at, response, conversation FROM stored_responses "
      "WHERE id = ? AND account_id = ? AND expires_at > ?");
  s.bind(1, id).bind(2, accountId).bind(3, now);
  if (!s.step()) return std::nullopt;
  StoredResponse r;
  r.id = s.text(0);
  r.accountId = s.text(1);
  r.createdAt = s.int64(2);
  r.expiresAt = s.int64(3);
  r.response = s.text(4);
  r.conversation = s.text(5);
  s.reset();
  return r;
}

bool remove(Connection& c, std::string_view id, std::string_view accountId) {
  return c.prepared("DELETE FROM stored_responses WHERE id = ? AND account_id = ?").bind(1, id).bind(2, accountId).execute() ==
         1;
}

int64_t removeExpired(Connection& c, int64_t now, int64_t limit) {
  // A subquery with LIMIT: DELETE ... LIMIT is not portable (PostgreSQL has none).
  return c.prepared("DELETE FROM stored_responses WHERE id IN "
                    "(SELECT id FROM stored_responses WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)")
      .bind(1, now)
      .bind(2, limit)
      .execute();
}

}  // namespace turnpike::store::responses
