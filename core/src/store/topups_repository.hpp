// topups and topup_payments tables.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/connection.hpp"

namespace turnpike::store {

struct Topup {
  std::string id;
  std::string method;
  std::optional<std::string> accountId;
  std::optional<std::string> keyId;  // the spend token, once claimed
  int64_t amount = 0;                // msat requested
  std::string currency;
  std::string currencyAmount;
  std::string rate;
  std::string status = "pending";
  int64_t paid = 0;      // msat settled
  int64_t credited = 0;  // msat credited to the account
  std::optional<std::string> externalRef;
  std::string details = "{}";
  std::optional<int64_t> tokenDurationMs;
  std::optional<std::string> claimHash;  // hex SHA-256 of the claim secret (none before schema v5)
  int64_t createdAt = 0;
  int64_t expiresAt = 0;
  int64_t updatedAt = 0;
};

struct TopupPayment {
  std::string externalId;
  std::string topupId;
  int64_t amount = 0;
};

namespace topups {

void insert(Connection& c, const Topup& t);
std::optional<Topup> find(Connection& c, std::string_view id);
std::optional<Topup> findByClaim(Connection& c, std::string_view claimHash);
// The method's answer to the creation: where to pay and until when.
void setPaymentRequest(Connection& c, std::string_view id, std::string_view externalRef, std::string_view details,
                       int64_t expiresAt, int64_t now);
void setStatus(Connection& c, std::string_view id, std::string_view status, int64_t now);
// Records one external payment; false when it was recorded before (nothing changes).
bool recordPayment(Connection& c, std::string_view topupId, std::string_view externalId, int64_t amount, int64_t now);
std::vector<TopupPayment> payments(Connection& c, std::string_view topupId);
void attachAccount(Connection& c, std::string_view id, std::string_view accountId, std::optional<std::string_view> keyId,
                   int64_t now);
void addCredited(Connection& c, std::string_view id, int64_t amount, int64_t now);

}  // namespace topups

struct L402Credential {
  std::string paymentHash;
  std::string accountId;
  int64_t amount = 0;
  std::optional<int64_t> expiresAt;
  std::optional<int64_t> consumedAt;
  std::optional<std::string> claimedBy;  // the gateway process serving it right now
};

namespace l402 {

std::optional<L402Credential> find(Connection& c, std::string_view paymentHash);
void insert(Connection& c, const L402Credential& credential, int64_t now);
// Claims a single-use credential for a request of `holder`; false when it is spent or claimed.
bool claim(Connection& c, std::string_view paymentHash, std::string_view holder);
// Ends the claim: the credential is spent when `spent`, else free again.
void finishClaim(Connection& c, std::string_view paymentHash, bool spent, int64_t now);
// Frees the claims of every holder but `holder` (processes that are gone); returns how many.
int64_t releaseClaimsOfOthers(Connection& c, std::string_view holder);

}  // namespace l402

}  // namespace turnpike::store
