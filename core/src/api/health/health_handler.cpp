#include "api/health/health_handler.hpp"

#include <nlohmann/json.hpp>

#include "app/version.hpp"

namespace turnpike::api {

void HealthHandler::registerRoutes(http::Router& router) {
  router.add("GET", "/health", [this](const std::shared_ptr<http::Exchange>& ex, const http::PathParams&) {
    auto s = status_();
    auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
    nlohmann::json body{{"status", "ok"},
                        {"version", kVersion},
                        {"uptime_seconds", uptime.count()},
                        {"providers", s.providers},
                        {"models", s.models}};
    ex->respond(http::Response::json(200, body.dump()));
  });
  router.add("GET", "/metrics", [this](const std::shared_ptr<http::Exchange>& ex, const http::PathParams&) {
    if (metricsGate_ != nullptr) {
      if (auto refused = metricsGate_->refusal(ex->request())) {
        ex->respond(std::move(*refused));
        return;
      }
    }
    ex->respond(http::Response::text(200, registry_.render(), "text/plain; version=0.0.4; charset=utf-8"));
  });
}

}  // namespace turnpike::api
