// Stripe's REST API through the host's HTTP client: Bearer authentication, form bodies, an
// Idempotency-Key on every POST, retries where Stripe's libraries retry (network failures,
// 409 idempotency lock, 429, 5xx, honouring Stripe-Should-Retry), and failure messages that
// carry Stripe's explanation but never a configured secret.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <turnpike/plugin.hpp>

#include "common/result.hpp"
#include "stripe/objects.hpp"
#include "stripe/plugin_config.hpp"

namespace turnpike::payments::stripe {

class ApiClient {
 public:
  static constexpr int kMaxAttempts = 3;

  ApiClient(sdk::Host host, const PluginConfig& config,
            std::chrono::milliseconds firstRetryDelay = std::chrono::milliseconds(250));

  // POST /v1/checkout/sessions with `form`. A retry sends the same bytes under the same key, so
  // Stripe answers it with the session the first attempt made.
  Result<CheckoutSession> createCheckoutSession(const std::string& form, const std::string& idempotencyKey) const;
  // GET /v1/checkout/sessions/{id}; `id` must already be checked (isSessionId).
  Result<CheckoutSession> retrieveCheckoutSession(std::string_view id) const;

  // Replaces every configured secret in `text` (for messages built from remote answers).
  std::string scrub(std::string text) const;

 private:
  struct Reply {
    int status = 0;
    std::string body;
  };
  Result<Reply> exchange(const sdk::HttpRequest& request, std::string_view what) const;
  Result<CheckoutSession> session(const Result<Reply>& reply, std::string_view what) const;
  sdk::HttpRequest request(std::string_view method, std::string_view path) const;

  sdk::Host host_;
  const PluginConfig& config_;
  std::chrono::milliseconds firstRetryDelay_;
};

// "cs_" followed by letters, digits and '_' (Stripe's id alphabet), at most 255 characters:
// safe to put in a URL path.
bool isSessionId(std::string_view id);

}  // namespace turnpike::payments::stripe
