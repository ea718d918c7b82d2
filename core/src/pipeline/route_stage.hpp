// The route stage: which (provider, model) pairs serve a request, in the order dispatch tries
// them. The routing script's route(req, ctx) decides (policy/policy_engine.hpp); when it returns
// nil, fails, or names nothing usable, the configured order stands and the failure is counted
// in turnpike_policy_errors_total{function="route"}. `model: "auto"` is resolved here too.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/request.hpp"
#include "metrics/registry.hpp"
#include "pipeline/health_tracker.hpp"
#include "pipeline/identify_stage.hpp"
#include "pipeline/inference_request.hpp"
#include "pipeline/model_catalog.hpp"
#include "policy/policy_engine.hpp"

namespace turnpike::pipeline {

// The model id clients send to let the gateway choose (unless a configured model has that id).
inline constexpr std::string_view kAutoModel = "auto";

struct RoutePlan {
  std::vector<const ModelRoute*> candidates;  // tried in order; never empty
  // Why these: "configured_order", "script" (route() chose), "auto" (route() chose for
  // model "auto"), "script_error" (route() failed; configured order).
  std::string_view reason = "configured_order";
  nlohmann::json info;  // route()'s optional info table; null if none
};

class RouteStage {
 public:
  // `engine` null: configured order only.
  RouteStage(const ModelCatalog& catalog, HealthTracker& health, policy::PolicyEngine* engine,
             metrics::Family<metrics::Counter>& policyErrors)
      : catalog_(catalog), health_(health), engine_(engine), policyErrors_(policyErrors) {}

  // Throws http::ApiError: 404 unknown model, 400 when no candidate serves the operation (or its
  // tools / images), and the script's deny.
  RoutePlan plan(const InferenceRequest& request, const Identity& identity, const http::Request& http) const;

  // The script's summary of a request (what `req` holds).
  static policy::RouteRequest routeRequest(const InferenceRequest& request, const Identity& identity,
                                           const http::Request& http);

 private:
  // Configured order: the model's providers, or for "auto" every model able to serve the request.
  std::vector<const ModelRoute*> configuredOrder(const InferenceRequest& request, bool automatic) const;

  const ModelCatalog& catalog_;
  HealthTracker& health_;
  policy::PolicyEngine* engine_;
  metrics::Family<metrics::Counter>& policyErrors_;
};

}  // namespace turnpike::pipeline
