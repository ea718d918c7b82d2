// A fake Stripe API on 127.0.0.1, port 0 (a test::FakeUpstream answering as Stripe):
// POST /v1/checkout/sessions (form-encoded, Bearer key, parameter checks, the 30 min..24 h
// expires_at window) and GET /v1/checkout/sessions/{id}, answering in the documented object and
// error shapes, with Stripe's idempotency rules (a key replays its first answer, refuses other
// parameters, and answers 409 while its first request runs). Knobs make it fail as Stripe can.
#pragma once

#include <Poco/Net/HTTPServer.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fake_upstream.hpp"

namespace turnpike::stripe_test {

// An application/x-www-form-urlencoded body, names kept in bracket notation ("line_items[0][quantity]").
std::map<std::string, std::string> decodeForm(const std::string& body);

class FakeStripe {
 public:
  explicit FakeStripe(std::string secretKey);
  ~FakeStripe();

  std::string url() const;
  std::vector<test::RecordedRequest> requests() const;
  // Requests whose URI starts with `prefix`.
  size_t count(const std::string& method, const std::string& prefix) const;

  std::vector<nlohmann::json> sessions() const;
  std::optional<nlohmann::json> session(const std::string& id) const;
  // The payer finished Checkout: status complete, payment_status `paymentStatus` (async methods
  // stay "unpaid" until they settle). Returns the session as it is now.
  nlohmann::json complete(const std::string& id, const std::string& paymentStatus = "paid");
  // Changes fields of a stored session (a JSON merge patch).
  nlohmann::json patch(const std::string& id, const nlohmann::json& changes);

  std::atomic<int> createStatus{0};        // answer creates with this error status
  std::atomic<int> retrieveStatus{0};      // answer retrievals with this error status
  std::atomic<int> unavailableCreates{0};  // answer this many creates 503 (before the idempotency layer)
  std::atomic<int> slowCreateMs{0};        // the next create answers only after this long
  std::atomic<bool> echoKeyInErrors{false};  // put the presented key, unmasked, in 401 messages
  std::atomic<int64_t> amountSkewCents{0};   // make sessions charge this much more than asked

 private:
  struct Answer {
    int status = 200;
    std::string body;
  };
  struct Idempotent {
    std::string body;  // the request body first sent under the key
    bool running = true;
    Answer answer;
  };

  void handle(const test::RecordedRequest& request, Poco::Net::HTTPServerResponse& response);
  void handleCreate(const test::RecordedRequest& request, Poco::Net::HTTPServerResponse& response);
  Answer createSession(const std::map<std::string, std::string>& form);

  std::string secretKey_;
  mutable std::mutex mutex_;
  std::map<std::string, nlohmann::json> sessions_;
  std::map<std::string, Idempotent> idempotency_;
  std::unique_ptr<test::FakeUpstream> http_;  // last: stops before the state its handler uses
};

}  // namespace turnpike::stripe_test
