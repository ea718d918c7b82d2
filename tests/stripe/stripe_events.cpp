#include "stripe_events.hpp"

#include <chrono>
#include <random>

#include "stripe/webhook_signature.hpp"

namespace turnpike::stripe_test {

using nlohmann::json;

int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json checkoutEvent(const std::string& type, const json& session) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return json{{"id", "evt_1T" + std::to_string(rng() % 1'000'000'000'000ULL)},
              {"object", "event"},
              {"api_version", "2024-06-20"},
              {"created", unixNow()},
              {"data", {{"object", session}}},
              {"livemode", false},
              {"pending_webhooks", 1},
              {"request", {{"id", nullptr}, {"idempotency_key", nullptr}}},
              {"type", type}};
}

std::string signatureHeader(const std::string& secret, const std::string& payload, int64_t timestamp) {
  if (timestamp == 0) timestamp = unixNow();
  return "t=" + std::to_string(timestamp) + ",v1=" + payments::stripe::computeSignature(secret, timestamp, payload);
}

}  // namespace turnpike::stripe_test
