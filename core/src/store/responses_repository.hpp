// stored_responses table: Responses kept for previous_response_id and GET /v1/responses/{id}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/connection.hpp"

namespace turnpike::store {

struct StoredResponse {
  std::string id;         // resp_…
  std::string accountId;  // the only account that sees it
  int64_t createdAt = 0;  // unix ms
  int64_t expiresAt = 0;  // unix ms; absent from then on
  std::string response;      // the Response object (JSON)
  std::string conversation;  // the canonical messages that led to it and its output (JSON array)
};

namespace responses {

// False when a response with this id exists already (nothing changes).
bool insert(Connection& c, const StoredResponse& r);
// The response of `accountId` unexpired at `now`.
std::optional<StoredResponse> find(Connection& c, std::string_view id, std::string_view accountId, int64_t now);
// False when the account has no such response.
bool remove(Connection& c, std::string_view id, std::string_view accountId);
// Deletes at most `limit` rows expired at `now`, oldest first; returns how many.
int64_t removeExpired(Connection& c, int64_t now, int64_t limit);

}  // namespace responses

}  // namespace turnpike::store
