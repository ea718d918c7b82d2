// GET /health and GET /metrics (behind server.metrics_token when one is set).
#pragma once

#include <chrono>
#include <functional>

#include "api/token_gate.hpp"
#include "http/router.hpp"
#include "metrics/registry.hpp"

namespace turnpike::api {

class HealthHandler {
 public:
  struct Status {
    size_t providers = 0;
    size_t models = 0;
  };
  // `metricsGate` null: /metrics is public.
  HealthHandler(metrics::Registry& registry, std::function<Status()> status, const TokenGate* metricsGate)
      : registry_(registry),
        status_(std::move(status)),
        metricsGate_(metricsGate),
        started_(std::chrono::steady_clock::now()) {}
  void registerRoutes(http::Router& router);

 private:
  metrics::Registry& registry_;
  std::function<Status()> status_;
  const TokenGate* metricsGate_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace turnpike::api
