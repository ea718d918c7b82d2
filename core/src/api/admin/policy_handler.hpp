// The admin API for routing (on only when server.admin_token is set):
//   POST /admin/reload   reloads the routing and pricing scripts: 200 {"ok", "generation"}, or
//                        422 with the reason when they are refused (the old ones keep serving)
//   GET  /admin/routing  every (provider, model) candidate with its circuit, latency, error
//                        rate and requests in flight, as routing scripts see them
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "http/router.hpp"
#include "pipeline/health_tracker.hpp"
#include "policy/policy_engine.hpp"

namespace turnpike::api {

class PolicyHandler {
 public:
  using Reload = std::function<policy::ReloadResult(std::string_view trigger)>;

  PolicyHandler(Reload reload, const pipeline::HealthTracker& health, std::string token)
      : reload_(std::move(reload)), health_(health), token_(std::move(token)) {}
  void registerRoutes(http::Router& router);

 private:
  Reload reload_;
  const pipeline::HealthTracker& health_;
  std::string token_;
};

}  // namespace turnpike::api
