// Responses kept for `store: true` (POST /v1/responses), read back by previous_response_id and
// GET /v1/responses/{id}. Writes go through the database's one writer (group commit); reads use
// the reader pool. Every operation is scoped to an account: another account's response, and an
// expired one, are absent. Blocking calls are for worker threads, never event loops.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>

#include "store/connection_pool.hpp"
#include "store/responses_repository.hpp"
#include "store/writer.hpp"

namespace turnpike::store {

class ResponseStore {
 public:
  // A response with its conversation over this is not kept (the chain it would continue is
  // then as long as it can get: one lookup reads it whole).
  static constexpr size_t kMaxStoredBytes = 4 * 1024 * 1024;
  // Rows one sweep() deletes at most, so a sweep never holds the writer for long.
  static constexpr int64_t kSweepBatch = 500;

  using Clock = std::function<int64_t()>;  // unix ms

  ResponseStore(Writer& writer, ConnectionPool& readers, std::chrono::milliseconds retention,
                size_t maxStoredBytes = kMaxStoredBytes, Clock clock = {});

  enum class PutOutcome { Stored, TooLarge, Duplicate };

  // Keeps `response` (a Response object) and `conversation` (canonical messages, JSON array)
  // for `accountId` until now + retention. TooLarge is decided before anything is queued (and
  // `done` runs at once); otherwise `done` runs on the writer thread after commit (keep it
  // short), with the exception when the write failed. `done` may be empty.
  void put(std::string id, std::string accountId, std::string response, std::string conversation,
           std::function<void(PutOutcome, std::exception_ptr)> done);
  // The same, waiting for the commit; throws StoreError.
  PutOutcome putAndWait(std::string id, std::string accountId, std::string response, std::string conversation);

  std::optional<StoredResponse> get(const std::string& id, const std::string& accountId);
  // False when the account has no such (unexpired or not) response.
  bool remove(const std::string& id, const std::string& accountId);
  // Deletes expired rows, at most kSweepBatch; returns how many (call again while it is the batch).
  int64_t sweep();

  int64_t now() const;

 private:
  StoredResponse row(std::string id, std::string accountId, std::string response, std::string conversation) const;

  Writer& writer_;
  ConnectionPool& readers_;
  int64_t retentionMs_;
  size_t maxStoredBytes_;
  Clock clock_;
};

}  // namespace turnpike::store
