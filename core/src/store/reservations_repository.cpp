#include "store/reservations_repository.hpp"

namespace turnpike::store::reservations {

int64_t insert(Connection& c, std::string_view accountId, std::optional<std::string_view> keyId, int64_t amount,
               int64_t keyAmount, std::string_view holder, int64_t now) {
  auto& s = c.prepared(
      "INSERT INTO reservations (account_id, key_id, amount, key_amount, holder, created_at) VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, accountId);
  if (keyId) {
    s.bind(2, *keyId);
  } else {
    s.bindNull(2);
  }
  s.bind(3, amount).bind(4, keyAmount).bind(5, holder).bind(6, now).execute();
  return c.lastInsertId();
}

bool remove(Connection& c, int64_t id) { return c.prepared("DELETE FROM reservations WHERE id = ?").bind(1, id).execute() == 1; }

Released releaseOthers(Connection& c, std::string_view holder) {
  Released r;
  auto& count = c.prepared("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM reservations WHERE holder <> ?");
  count.bind(1, holder);
  count.step();
  r.count = count.int64(0);
  r.amount = count.int64(1);
  count.reset();
  if (r.count == 0) return r;
  c.prepared(
       "UPDATE wallets SET reserved = reserved - (SELECT COALESCE(SUM(amount), 0) FROM reservations r "
       "WHERE r.account_id = wallets.account_id AND r.holder <> ?1) "
       "WHERE account_id IN (SELECT account_id FROM reservations WHERE holder <> ?1)")
      .bind(1, holder)
      .execute();
  c.prepared(
       "UPDATE api_keys SET reserved = reserved - (SELECT COALESCE(SUM(key_amount), 0) FROM reservations r "
       "WHERE r.key_id = api_keys.id AND r.holder <> ?1) "
       "WHERE id IN (SELECT key_id FROM reservations WHERE holder <> ?1 AND key_id IS NOT NULL)")
      .bind(1, holder)
      .execute();
  c.prepared("DELETE FROM reservations WHERE holder <> ?").bind(1, holder).execute();
  return r;
}

int64_t countHeld(Connection& c) {
  auto& s = c.prepared("SELECT COUNT(*) FROM reservations");
  s.step();
  int64_t n = s.int64(0);
  s.reset();
  return n;
}

}  // namespace turnpike::store::reservations
