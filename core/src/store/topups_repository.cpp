#include "store/topups_repository.hpp"

namespace turnpike::store {

namespace {
void bindOptional(Statement& s, int i, const std::optional<std::string>& v) {
  if (v) {
    s.bind(i, *v);
  } else {
    s.bindNull(i);
  }
}
}  // namespace

namespace topups {

void insert(Connection& c, const Topup& t) {
  auto& s = c.prepared(
      "INSERT INTO topups (id, method, account_id, key_id, amount, currency, currency_amount, rate, status, paid, "
      "credited, external_ref, details, token_duration_ms, created_at, expires_at, updated_at, claim_hash) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, t.id).bind(2, t.method);
  bindOptional(s, 3, t.accountId);
  bindOptional(s, 4, t.keyId);
  s.bind(5, t.amount).bind(6, t.currency).bind(7, t.currencyAmount).bind(8, t.rate).bind(9, t.status);
  bindOptional(s, 10, t.externalRef);
  s.bind(11, t.details).bind(12, t.tokenDurationMs).bind(13, t.createdAt).bind(14, t.expiresAt).bind(15, t.updatedAt);
  bindOptional(s, 16, t.claimHash);
  s.execute();
}

namespace {

Topup readTopup(Statement& s) {
  Topup t;
  t.id = s.text(0);
  t.method = s.text(1);
  t.accountId = s.optionalText(2);
  t.keyId = s.optionalText(3);
  t.amount = s.int64(4);
  t.currency = s.text(5);
  t.currencyAmount = s.text(6);
  t.rate = s.text(7);
  t.status = s.text(8);
  t.paid = s.int64(9);
  t.credited = s.int64(10);
  t.externalRef = s.optionalText(11);
  t.details = s.text(12);
  t.tokenDurationMs = s.optionalInt64(13);
  t.createdAt = s.int64(14);
  t.expiresAt = s.int64(15);
  t.updatedAt = s.int64(16);
  t.claimHash = s.optionalText(17);
  s.reset();
  return t;
}

// The columns in readTopup's order.
#define TOPUP_SELECT                                                                                        \
  "SELECT id, method, account_id, key_id, amount, currency, currency_amount, rate, status, paid, credited, " \
  "external_ref, details, token_duration_ms, created_at, expires_at, updated_at, claim_hash FROM topups "

std::optional<Topup> findOne(Connection& c, const char* sql, std::string_view value) {
  auto& s = c.prepared(sql);
  s.bind(1, value);
  if (!s.step()) return std::nullopt;
  return readTopup(s);
}

}  // namespace

std::optional<Topup> find(Connection& c, std::string_view id) { return findOne(c, TOPUP_SELECT "WHERE id = ?", id); }

std::optional<Topup> findByClaim(Connection& c, std::string_view claimHash) {
  return findOne(c, TOPUP_SELECT "WHERE claim_hash = ?", claimHash);
}

#undef TOPUP_SELECT

void setPaymentRequest(Connection& c, std::string_view id, std::string_view externalRef, std::string_view details,
                       int64_t expiresAt, int64_t now) {
  c.prepared("UPDATE topups SET external_ref = ?, details = ?, expires_at = ?, updated_at = ? WHERE id = ?")
      .bind(1, externalRef)
      .bind(2, details)
      .bind(3, expiresAt)
      .bind(4, now)
      .bind(5, id)
      .execute();
}

void setStatus(Connection& c, std::string_view id, std::string_view status, int64_t now) {
  c.prepared("UPDATE topups SET status = ?, updated_at = ? WHERE id = ?").bind(1, status).bind(2, now).bind(3, id).execute();
}

bool recordPayment(Connection& c, std::string_view topupId, std::string_view externalId, int64_t amount, int64_t now) {
  bool inserted = c.prepared("INSERT INTO topup_payments (external_id, topup_id, amount, created_at) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT (external_id) DO NOTHING")
                      .bind(1, externalId)
                      .bind(2, topupId)
                      .bind(3, amount)
                      .bind(4, now)
                      .execute() == 1;
  if (inserted)
    c.prepared("UPDATE topups SET paid = paid + ?, updated_at = ? WHERE id = ?").bind(1, amount).bind(2, now).bind(3, topupId).execute();
  return inserted;
}

std::vector<TopupPayment> payments(Connection& c, std::string_view topupId) {
  auto& s = c.prepared("SELECT external_id, topup_id, amount FROM topup_payments WHERE topup_id = ? ORDER BY created_at, external_id");
  s.bind(1, topupId);
  std::vector<TopupPayment> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.int64(2)});
  s.reset();
  return out;
}

void attachAccount(Connection& c, std::string_view id, std::string_view accountId, std::optional<std::string_view> keyId,
                   int64_t now) {
  auto& s = c.prepared("UPDATE topups SET account_id = ?, key_id = ?, updated_at = ? WHERE id = ?");
  s.bind(1, accountId);
  if (keyId) {
    s.bind(2, *keyId);
  } else {
    s.bindNull(2);
  }
  s.bind(3, now).bind(4, id).execute();
}

void addCredited(Connection& c, std::string_view id, int64_t amount, int64_t now) {
  c.prepared("UPDATE topups SET credited = credited + ?, updated_at = ? WHERE id = ?").bind(1, amount).bind(2, now).bind(3, id).execute();
}

}  // namespace topups

namespace l402 {

std::optional<L402Credential> find(Connection& c, std::string_view paymentHash) {
  auto& s = c.prepared(
      "SELECT payment_hash, account_id, amount, expires_at, consumed_at, claimed_by FROM l402_credentials "
      "WHERE payment_hash = ?");
  s.bind(1, paymentHash);
  if (!s.step()) return std::nullopt;
  L402Credential cred{s.text(0), s.text(1), s.int64(2), s.optionalInt64(3), s.optionalInt64(4), s.optionalText(5)};
  s.reset();
  return cred;
}

void insert(Connection& c, const L402Credential& cred, int64_t now) {
  c.prepared("INSERT INTO l402_credentials (payment_hash, account_id, amount, expires_at, consumed_at, created_at) "
             "VALUES (?, ?, ?, ?, NULL, ?)")
      .bind(1, cred.paymentHash)
      .bind(2, cred.accountId)
      .bind(3, cred.amount)
      .bind(4, cred.expiresAt)
      .bind(5, now)
      .execute();
}

bool claim(Connection& c, std::string_view paymentHash, std::string_view holder) {
  return c.prepared("UPDATE l402_credentials SET claimed_by = ? "
                    "WHERE payment_hash = ? AND consumed_at IS NULL AND claimed_by IS NULL")
             .bind(1, holder)
             .bind(2, paymentHash)
             .execute() == 1;
}

void finishClaim(Connection& c, std::string_view paymentHash, bool spent, int64_t now) {
  if (spent) {
    c.prepared("UPDATE l402_credentials SET consumed_at = ?, claimed_by = NULL WHERE payment_hash = ?")
        .bind(1, now)
        .bind(2, paymentHash)
        .execute();
  } else {
    c.prepared("UPDATE l402_credentials SET claimed_by = NULL WHERE payment_hash = ?").bind(1, paymentHash).execute();
  }
}

int64_t releaseClaimsOfOthers(Connection& c, std::string_view holder) {
  return c.prepared("UPDATE l402_credentials SET claimed_by = NULL WHERE claimed_by IS NOT NULL AND claimed_by != ?")
      .bind(1, holder)
      .execute();
}

}  // namespace l402

}  // namespace turnpike::store
