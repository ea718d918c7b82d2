#include "api/openai/inference_handler.hpp"

namespace turnpike::api {

void InferenceHandler::registerRoutes(http::Router& router) {
  auto bind = [this](tp_operation op) {
    return [this, op](const std::shared_ptr<http::Exchange>& ex, const http::PathParams&) {
      serve(ex, std::make_shared<pipeline::InferenceRequest>(
                    pipeline::parseInferenceRequest(op, std::move(ex->request().body))));
    };
  };
  router.add("POST", "/v1/chat/completions", bind(TP_OP_CHAT));
  router.add("POST", "/v1/completions", bind(TP_OP_COMPLETION));
  router.add("POST", "/v1/embeddings", bind(TP_OP_EMBEDDING));
}

void InferenceHandler::serve(const std::shared_ptr<http::Exchange>& exchange,
                             std::shared_ptr<pipeline::InferenceRequest> request, Prepare prepare) {
  identify_.run(exchange, [this, exchange, request, prepare = std::move(prepare)](pipeline::Identity identity) mutable {
    serveAs(exchange, identity, std::move(request), std::move(prepare));
  });
}

void InferenceHandler::serveAs(const std::shared_ptr<http::Exchange>& exchange, const pipeline::Identity& identity,
                               std::shared_ptr<pipeline::InferenceRequest> request, Prepare prepare) {
  // Shared by the stages' callbacks; each stage runs on the exchange's loop.
  auto plan = std::make_shared<pipeline::RoutePlan>(route_.plan(*request, identity, exchange->request()));
  auto start = [this, exchange, request, plan, identity, prepare = std::move(prepare)](
                   std::optional<pipeline::Charging> charging) {
    auto call = std::make_shared<pipeline::ProxyCall>(exchange, std::move(*request), std::move(*plan),
                                                      std::move(charging), services_);
    if (prepare) prepare(*call, identity);
    call->start();
  };
  if (admit_ == nullptr) {
    start(std::nullopt);
    return;
  }
  admit_->run(exchange, *request, identity, plan->candidates, std::move(start));
}

}  // namespace turnpike::api
