// GET /v1/stripe/reconcile/{session_id}: asks Stripe about one of the plugin's Checkout
// Sessions and credits it when paid, for payers whose webhook is late or lost (the success page
// can call it with the {CHECKOUT_SESSION_ID} Stripe put in its URL). Open to anyone: it only
// ever credits what Stripe says was paid, answers unknown ids without calling Stripe, and
// looks a session up at most once per check interval (429 with Retry-After otherwise).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include <turnpike/plugin.hpp>

#include "stripe/session_reconciler.hpp"

namespace turnpike::payments::stripe {

inline constexpr std::string_view kReconcileRoute = "/v1/stripe/reconcile/{session_id}";
inline constexpr std::string_view kReconcilePrefix = "/v1/stripe/reconcile/";

// on_http for kReconcileRoute: the host's request JSON in, the reply JSON out.
std::string handleReconcile(sdk::Host host, SessionReconciler& reconciler, const nlohmann::json& request);

}  // namespace turnpike::payments::stripe
