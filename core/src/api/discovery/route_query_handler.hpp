// POST /api/models/route: the candidates the router would consider for a kind of request,
// ranked, with LightPhon's filters — and what the routing script would choose for it.
//
//   {"model": "auto", "providers": ["a"], "capabilities": ["tools"], "min_params": 7,
//    "max_params": 70, "prefer_size": "small" | "large", "limit": 10, "prompt_tokens": 500}
//   -> {"candidates": [{provider, model, capabilities, parameters, context_length, price,
//                       health, latency_ms, error_rate, in_flight}, ...],
//       "selected": {"reason", "candidates": [{provider, model}, ...]} | {"denied": {status, message}}}
//
// Ranking: size preference first (models of unknown size last), then health, error rate,
// price (input + output) and latency; providers whose circuit is open are left out.
#pragma once

#include "http/router.hpp"
#include "pipeline/health_tracker.hpp"
#include "pipeline/model_catalog.hpp"
#include "pipeline/route_stage.hpp"

namespace turnpike::api {

class RouteQueryHandler {
 public:
  RouteQueryHandler(const pipeline::ModelCatalog& catalog, pipeline::HealthTracker& health,
                    const pipeline::RouteStage& route)
      : catalog_(catalog), health_(health), route_(route) {}
  void registerRoutes(http::Router& router);

 private:
  http::Response query(const http::Request& request) const;

  const pipeline::ModelCatalog& catalog_;
  pipeline::HealthTracker& health_;
  const pipeline::RouteStage& route_;
};

}  // namespace turnpike::api
