#include "store/response_store.hpp"

#include <memory>

namespace turnpike::store {

ResponseStore::ResponseStore(Writer& writer, ConnectionPool& readers, std::chrono::milliseconds retention,
                             size_t maxStoredBytes, Clock clock)
    : writer_(writer),
      readers_(readers),
      retentionMs_(retention.count()),
      maxStoredBytes_(maxStoredBytes),
      clock_(std::move(clock)) {}

int64_t ResponseStore::now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

StoredResponse ResponseStore::row(std::string id, std::string accountId, std::string response,
                                  std::string conversation) const {
  StoredResponse r;
  r.id = std::move(id);
  r.accountId = std::move(accountId);
  r.createdAt = now();
  r.expiresAt = r.createdAt + retentionMs_;
  r.response = std::move(response);
  r.conversation = std::move(conversation);
  return r;
}

void ResponseStore::put(std::string id, std::string accountId, std::string response, std::string conversation,
                        std::function<void(PutOutcome, std::exception_ptr)> done) {
  if (response.size() + conversation.size() > maxStoredBytes_) {
    if (done) done(PutOutcome::TooLarge, nullptr);
    return;
  }
  auto stored = std::make_shared<bool>(false);
  auto r = std::make_shared<StoredResponse>(row(std::move(id), std::move(accountId), std::move(response),
                                                std::move(conversation)));
  writer_.submit(Writer::Job{[r, stored](Connection& c) { *stored = responses::insert(c, *r); },
                             [stored, done = std::move(done)](std::exception_ptr error) {
                               if (done) done(*stored ? PutOutcome::Stored : PutOutcome::Duplicate, error);
                             }});
}

ResponseStore::PutOutcome ResponseStore::putAndWait(std::string id, std::string accountId, std::string response,
                                                    std::string conversation) {
  if (response.size() + conversation.size() > maxStoredBytes_) return PutOutcome::TooLarge;
  StoredResponse r = row(std::move(id), std::move(accountId), std::move(response), std::move(conversation));
  bool stored = writer_.run([&r](Connection& c) { return responses::insert(c, r); });
  return stored ? PutOutcome::Stored : PutOutcome::Duplicate;
}

std::optional<StoredResponse> ResponseStore::get(const std::string& id, const std::string& accountId) {
  int64_t at = now();
  return readers_.with([&](Connection& c) { return responses::find(c, id, accountId, at); });
}

bool ResponseStore::remove(const std::string& id, const std::string& accountId) {
  return writer_.run([&](Connection& c) { return responses::remove(c, id, accountId); });
}

int64_t ResponseStore::sweep() {
  int64_t at = now();
  return writer_.run([at](Connection& c) { return responses::removeExpired(c, at, kSweepBatch); });
}

}  // namespace turnpike::store
