// The few fields of Stripe's Checkout Session and Event objects that crediting needs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace turnpike::payments::stripe {

struct CheckoutSession {
  std::string id;                  // cs_...
  std::string status;              // open | complete | expired
  std::string paymentStatus;       // paid | unpaid | no_payment_required
  std::optional<int64_t> amountTotal;  // smallest currency unit; null before line items resolve
  std::string currency;            // lowercase ISO code
  std::string clientReferenceId;
  std::string url;
  std::optional<int64_t> expiresAt;  // unix seconds
  std::map<std::string, std::string> metadata;

  // Only "paid" may be credited (a completed session can still be awaiting an async payment).
  bool isPaid() const { return paymentStatus == "paid"; }
};

struct Event {
  std::string id;          // evt_...
  std::string type;        // e.g. checkout.session.completed
  std::string objectType;  // data.object.object, e.g. checkout.session
  std::string objectId;    // data.object.id
  std::optional<CheckoutSession> session;  // when the object is a checkout.session
};

// Absent or null optional members read as empty; members of the wrong JSON type are errors.
Result<CheckoutSession> parseCheckoutSession(std::string_view json);
Result<Event> parseEvent(std::string_view json);

}  // namespace turnpike::payments::stripe
