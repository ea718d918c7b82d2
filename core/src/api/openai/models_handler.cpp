#include "api/openai/models_handler.hpp"

#include "api/anthropic/anthropic_models.hpp"
#include "api/anthropic/messages_handler.hpp"
#include "http/api_error.hpp"

namespace turnpike::api {

using nlohmann::json;

json priceJson(const config::Price& p) {
  json j{{"input", p.input}, {"output", p.output}};
  if (p.cachedInput >= 0) j["cached_input"] = p.cachedInput;
  if (p.cacheWrite >= 0) j["cache_write"] = p.cacheWrite;
  if (p.request != 0) j["request"] = p.request;
  if (p.image != 0) j["image"] = p.image;
  if (p.second != 0) j["second"] = p.second;
  return j;
}

ModelsHandler::ModelsHandler(const pipeline::ModelCatalog& catalog, int64_t created)
    : catalog_(catalog), created_(created) {
  json data = json::array();
  for (const auto& id : catalog_.ids()) data.push_back(modelObject(id));
  listBody_ = json{{"object", "list"}, {"data", std::move(data)}}.dump();
}

json ModelsHandler::modelObject(const std::string& id) const {
  const auto* routes = catalog_.find(id);
  if (routes == nullptr || routes->empty()) return nullptr;
  const auto& first = *routes->front();
  json providers = json::array();
  for (const auto* r : *routes) {
    json p{{"name", r->providerName()}, {"price", priceJson(r->model.price)}};
    if (r->model.upstreamId != r->model.id) p["upstream_id"] = r->model.upstreamId;
    if (r->discovered) p["discovered"] = true;
    providers.push_back(std::move(p));
  }
  json obj{{"id", id},
           {"object", "model"},
           {"created", created_},
           {"owned_by", first.providerName()},
           {"price", priceJson(first.model.price)},
           {"providers", std::move(providers)}};
  if (first.model.contextLength > 0) obj["context_length"] = first.model.contextLength;
  if (first.model.maxOutputTokens > 0) obj["max_output_tokens"] = first.model.maxOutputTokens;
  if (!first.model.capabilities.empty()) obj["capabilities"] = first.model.capabilities;
  if (first.model.parametersB > 0) obj["parameters"] = first.model.parametersB;
  return obj;
}

void ModelsHandler::registerRoutes(http::Router& router) {
  // Anthropic's clients say so with anthropic-version, and read Anthropic's shape.
  auto anthropic = [](const http::Exchange& ex) { return ex.request().header("anthropic-version").has_value(); };
  router.add("GET", "/v1/models", [this, anthropic](const std::shared_ptr<http::Exchange>& ex, const http::PathParams&) {
    if (anthropic(*ex)) {
      ex->setErrorRenderer(renderAnthropicError);
      ex->respond(http::Response::json(200, anthropicModelList(catalog_, ex->request(), created_)));
      return;
    }
    ex->respond(http::Response::json(200, listBody_));
  });
  router.add("GET", "/v1/models/{id*}", [this, anthropic](const std::shared_ptr<http::Exchange>& ex, const http::PathParams& p) {
    if (anthropic(*ex)) {
      ex->setErrorRenderer(renderAnthropicError);
      json obj = anthropicModel(catalog_, p.get("id"), created_);
      if (obj.is_null()) throw http::ApiError(404, "not_found_error", "model: " + p.get("id"));
      ex->respond(http::Response::json(200, obj.dump()));
      return;
    }
    json obj = modelObject(p.get("id"));
    if (obj.is_null())
      throw http::ApiError(404, "model_not_found", "The model '" + p.get("id") + "' does not exist", "model");
    ex->respond(http::Response::json(200, obj.dump()));
  });
}

}  // namespace turnpike::api
