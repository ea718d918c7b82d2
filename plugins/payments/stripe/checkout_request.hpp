// What the plugin asks Stripe for when a top-up is created: a Checkout Session in payment mode
// with one USD line item, tied to the top-up by client_reference_id and metadata, expiring with
// the top-up inside Stripe's window, under an Idempotency-Key derived from the top-up.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "stripe/plugin_config.hpp"

namespace turnpike::payments::stripe {

struct CheckoutOrder {
  std::string topupId;
  uint64_t amountMsat = 0;
  int64_t amountCents = 0;
  std::string description;  // shown under the product name; may be empty
  int64_t expiresAt = 0;    // unix seconds
};

// Stripe accepts expires_at from 30 minutes to 24 hours after the session's creation. The
// top-up's own end when it fits (a minute inside each bound, for clock skew), else the nearest bound.
int64_t sessionExpiry(int64_t topupExpiresAt, int64_t now);

// The form body of POST /v1/checkout/sessions.
std::string checkoutSessionForm(const PluginConfig& config, const CheckoutOrder& order);

// The same for every attempt at one top-up, so Stripe never makes it two sessions.
std::string idempotencyKey(std::string_view topupId);

}  // namespace turnpike::payments::stripe
