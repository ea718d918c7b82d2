#include "store/accounts_repository.hpp"

namespace turnpike::store::accounts {

void insert(Connection& c, const Account& a) {
  c.prepared("INSERT INTO accounts (id, name, tier, created_at) VALUES (?, ?, ?, ?)")
      .bind(1, a.id)
      .bind(2, a.name)
      .bind(3, a.tier)
      .bind(4, a.createdAt)
      .execute();
  c.prepared("INSERT INTO wallets (account_id, balance, reserved, updated_at) VALUES (?, 0, 0, ?)")
      .bind(1, a.id)
      .bind(2, a.createdAt)
      .execute();
}

std::optional<Account> find(Connection& c, std::string_view id) {
  auto& s = c.prepared("SELECT id, name, tier, created_at FROM accounts WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  Account a{s.text(0), s.text(1), s.text(2), s.int64(3)};
  s.reset();
  return a;
}

bool setTier(Connection& c, std::string_view id, std::string_view tier) {
  return c.prepared("UPDATE accounts SET tier = ? WHERE id = ?").bind(1, tier).bind(2, id).execute() == 1;
}

std::optional<Wallet> wallet(Connection& c, std::string_view accountId) {
  auto& s = c.prepared("SELECT balance, reserved FROM wallets WHERE account_id = ?");
  s.bind(1, accountId);
  if (!s.step()) return std::nullopt;
  Wallet w{s.int64(0), s.int64(1)};
  s.reset();
  return w;
}

bool reserve(Connection& c, std::string_view accountId, int64_t amount, int64_t now) {
  return c.prepared("UPDATE wallets SET reserved = reserved + ?1, updated_at = ?3 "
                    "WHERE account_id = ?2 AND balance - reserved >= ?1")
             .bind(1, amount)
             .bind(2, accountId)
             .bind(3, now)
             .execute() == 1;
}

int64_t settle(Connection& c, std::string_view accountId, int64_t held, int64_t charge, int64_t now) {
  auto& s = c.prepared(
      "UPDATE wallets SET balance = balance - ?1, reserved = reserved - ?2, updated_at = ?4 WHERE account_id = ?3 "
      "RETURNING balance");
  s.bind(1, charge).bind(2, held).bind(3, accountId).bind(4, now);
  int64_t balance = s.step() ? s.int64(0) : -1;
  s.reset();
  return balance;
}

std::optional<int64_t> adjust(Connection& c, std::string_view accountId, int64_t delta, int64_t now) {
  auto& s = c.prepared(
      "UPDATE wallets SET balance = balance + ?1, updated_at = ?3 WHERE account_id = ?2 AND balance + ?1 >= reserved "
      "RETURNING balance");
  s.bind(1, delta).bind(2, accountId).bind(3, now);
  std::optional<int64_t> balance;
  if (s.step()) balance = s.int64(0);
  s.reset();
  return balance;
}

}  // namespace turnpike::store::accounts
