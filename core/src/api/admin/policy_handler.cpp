#include "api/admin/policy_handler.hpp"

#include <nlohmann/json.hpp>

#include "http/api_error.hpp"
#include "pipeline/response_edit.hpp"

namespace turnpike::api {

using nlohmann::json;

void PolicyHandler::registerRoutes(http::Router& router) {
  router.addBlocking("POST", "/admin/reload", [this](const http::Request& r, const http::PathParams&) {
    if (auto refused = gate_.refusal(r)) return std::move(*refused);
    auto result = reload_("admin");
    if (result.ok) return http::Response::json(200, json{{"ok", true}, {"generation", result.generation}}.dump());
    auto response = http::errorResponse(422, "scripts_refused", "the new scripts were refused; generation " +
                                                                    std::to_string(result.generation) +
                                                                    " keeps serving: " + result.error);
    response.body = pipeline::insertFirstMember(response.body, "\"generation\":" + std::to_string(result.generation));
    return response;
  });
  router.add("GET", "/admin/routing", [this](const std::shared_ptr<http::Exchange>& ex, const http::PathParams&) {
    if (auto refused = gate_.refusal(ex->request())) {
      ex->respond(std::move(*refused));
      return;
    }
    json list = json::array();
    for (const auto& c : health_.snapshot()->candidates())
      list.push_back({{"provider", c.provider},
                      {"model", c.model},
                      {"health", policy::healthName(c.health)},
                      {"latency_ms", c.latencyEwmaMs},
                      {"error_rate", c.errorRate},
                      {"in_flight", c.inFlight}});
    ex->respond(http::Response::json(200, json{{"object", "list"}, {"data", std::move(list)}}.dump()));
  });
}

}  // namespace turnpike::api
