// The Checkout Sessions this plugin created (`session:<id>`) and those whose payment was
// reported (`paid:<id>`). Each write is a single atomic state call, so concurrent webhooks,
// reconciles and checks never lose or overwrite one another's records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <turnpike/plugin.hpp>

namespace turnpike::payments::stripe {

struct SessionRecord {
  std::string sessionId;
  std::string topupId;
  uint64_t amountMsat = 0;   // what the top-up credits when paid in full
  int64_t amountCents = 0;   // what Checkout was asked to charge, in USD cents
  int64_t createdAt = 0;     // unix seconds
};

class SessionBook {
 public:
  explicit SessionBook(sdk::Host host) : host_(host) {}

  // Records a new session. Recording the same session again (a replayed create) is a no-op;
  // the same id for another top-up throws.
  void add(const SessionRecord& record);
  // nullopt when this plugin did not create the session; throws on a corrupt record.
  std::optional<SessionRecord> find(std::string_view sessionId) const;

  // The amount reported for the session, once it was marked paid.
  std::optional<uint64_t> paidAmount(std::string_view sessionId) const;
  // True for the one call that marks the session paid.
  bool markPaid(std::string_view sessionId, uint64_t amountMsat, int64_t amountTotalCents, std::string_view via);

 private:
  sdk::Host host_;
};

}  // namespace turnpike::payments::stripe
