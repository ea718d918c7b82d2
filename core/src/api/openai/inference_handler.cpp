#include "api/openai/inference_handler.hpp"

namespace turnpike::api {

void InferenceHandler::registerRoutes(http::Router& router) {
  auto bind = [this](tp_operation op) {
    return [this, op](const std::shared_ptr<http::Exchange>& ex, const http::PathParams&) { handle(op, ex); };
  };
  router.add("POST", "/v1/chat/completions", bind(TP_OP_CHAT));
  router.add("POST", "/v1/completions", bind(TP_OP_COMPLETION));
  router.add("POST", "/v1/embeddings", bind(TP_OP_EMBEDDING));
}

void InferenceHandler::handle(tp_operation operation, const std::shared_ptr<http::Exchange>& exchange) {
  // Shared by the stages' callbacks; each stage runs on the exchange's loop.
  auto request = std::make_shared<pipeline::InferenceRequest>(
      pipeline::parseInferenceRequest(operation, std::move(exchange->request().body)));
  identify_.run(exchange, [this, exchange, request](pipeline::Identity identity) {
    auto plan = std::make_shared<pipeline::RoutePlan>(route_.plan(*request, identity, exchange->request()));
    if (admit_ == nullptr) {
      std::make_shared<pipeline::ProxyCall>(exchange, std::move(*request), std::move(*plan), std::nullopt, services_)
          ->start();
      return;
    }
    admit_->run(exchange, *request, identity, plan->candidates,
                [this, exchange, request, plan](std::optional<pipeline::Charging> charging) {
                  std::make_shared<pipeline::ProxyCall>(exchange, std::move(*request), std::move(*plan),
                                                        std::move(charging), services_)
                      ->start();
                });
  });
}

}  // namespace turnpike::api
