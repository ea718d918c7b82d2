// The admin API for routing (on only when server.admin_token is set):
//   POST /admin/reload   reloads the routing and pricing scripts: 200 {"ok", "generation"}, or
//                        422 with the reason when they are refused (the old ones keep serving)
//   GET  /admin/routing  every (provider, model) candidate with its circuit, latency, error
//                        rate and requests in flight, as routing scripts see them
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "api/token_gate.hpp"
#include "http/router.hpp"
#include "pipeline/health_tracker.hpp"
#include "policy/policy_engine.hpp"

namespace turnpike::api {

class PolicyHandler {
 public:
  using Reload = std::function<policy::ReloadResult(std::string_view trigger)>;

  PolicyHandler(Reload reload, const pipeline::HealthTracker& health, const TokenGate& gate)
      : reload_(std::move(reload)), health_(health), gate_(gate) {}
  void registerRoutes(http::Router& router);

 private:
  Reload reload_;
  const pipeline::HealthTracker& health_;
  const TokenGate& gate_;
};

}  // namespace turnpike::api
