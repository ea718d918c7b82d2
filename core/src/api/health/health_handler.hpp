// GET /health and GET /metrics.
#pragma once

#include <chrono>
#include <functional>

#include "http/router.hpp"
#include "metrics/registry.hpp"

namespace turnpike::api {

class HealthHandler {
 public:
  struct Status {
    size_t providers = 0;
    size_t models = 0;
  };
  HealthHandler(metrics::Registry& registry, std::function<Status()> status)
      : registry_(registry), status_(std::move(status)), started_(std::chrono::steady_clock::now()) {}
  void registerRoutes(http::Router& router);

 private:
  metrics::Registry& registry_;
  std::function<Status()> status_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace turnpike::api
