// Stripe event deliveries for tests: the event object around a Checkout Session as Stripe sends
// it, and its Stripe-Signature header.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace turnpike::stripe_test {

// {"id": "evt_...", "object": "event", "type": type, "data": {"object": session}, ...}.
nlohmann::json checkoutEvent(const std::string& type, const nlohmann::json& session);

// "t=<timestamp>,v1=<signature>" for `payload` under `secret`; `timestamp` 0 is now.
std::string signatureHeader(const std::string& secret, const std::string& payload, int64_t timestamp = 0);

int64_t unixNow();

}  // namespace turnpike::stripe_test
