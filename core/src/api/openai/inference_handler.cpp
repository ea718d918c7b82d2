#include "api/openai/inference_handler.hpp"

#include "http/api_error.hpp"

namespace turnpike::api {

namespace {

std::string modelNotFoundMessage(const std::string& model, const pipeline::ModelCatalog& catalog) {
  std::string list;
  for (const auto& id : catalog.ids()) {
    if (list.size() > 2000) {
      list += ", ...";
      break;
    }
    list += (list.empty() ? "" : ", ") + id;
  }
  return "The model '" + model + "' does not exist. Available models: " + list;
}

// Operations a model can serve; models without capabilities serve chat and completions.
bool serves(const pipeline::ModelRoute& route, tp_operation op) {
  if (route.model.capabilities.empty()) return op != TP_OP_EMBEDDING;
  switch (op) {
    case TP_OP_CHAT: return route.has("chat");
    case TP_OP_COMPLETION: return route.has("completions") || route.has("chat");
    case TP_OP_EMBEDDING: return route.has("embeddings");
  }
  return false;
}

}  // namespace

void InferenceHandler::registerRoutes(http::Router& router) {
  auto bind = [this](tp_operation op) {
    return [this, op](const std::shared_ptr<http::Exchange>& ex, const http::PathParams&) { handle(op, ex); };
  };
  router.add("POST", "/v1/chat/completions", bind(TP_OP_CHAT));
  router.add("POST", "/v1/completions", bind(TP_OP_COMPLETION));
  router.add("POST", "/v1/embeddings", bind(TP_OP_EMBEDDING));
}

void InferenceHandler::handle(tp_operation operation, const std::shared_ptr<http::Exchange>& exchange) {
  auto request = pipeline::parseInferenceRequest(operation, std::move(exchange->request().body));
  const auto* routes = catalog_.find(request.model());
  if (routes == nullptr) throw http::ApiError(404, "model_not_found", modelNotFoundMessage(request.model(), catalog_), "model");
  std::vector<const pipeline::ModelRoute*> candidates;
  for (const auto& r : *routes)
    if (serves(r, operation)) candidates.push_back(&r);
  if (candidates.empty())
    throw http::ApiError(400, "unsupported_operation",
                         "The model '" + request.model() + "' does not support " +
                             std::string(pipeline::operationName(operation)) + " requests",
                         "model");
  if (admit_ == nullptr) {
    std::make_shared<pipeline::ProxyCall>(exchange, std::move(request), std::move(candidates), std::nullopt, services_)
        ->start();
    return;
  }
  // The stage keeps what it needs; the request and candidates travel on to the proxy call.
  auto pending = std::make_shared<std::pair<pipeline::InferenceRequest, std::vector<const pipeline::ModelRoute*>>>(
      std::move(request), std::move(candidates));
  admit_->run(exchange, pending->first, pending->second,
              [this, exchange, pending](std::optional<pipeline::Charging> charging) {
                std::make_shared<pipeline::ProxyCall>(exchange, std::move(pending->first), std::move(pending->second),
                                                      std::move(charging), services_)
                    ->start();
              });
}

}  // namespace turnpike::api
