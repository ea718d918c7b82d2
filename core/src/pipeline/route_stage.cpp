#include "pipeline/route_stage.hpp"

#include "billing/pricing.hpp"
#include "http/api_error.hpp"

namespace turnpike::pipeline {

namespace {

std::string_view scriptOperation(tp_operation op) {
  switch (op) {
    case TP_OP_CHAT: return "chat";
    case TP_OP_COMPLETION: return "completions";
    case TP_OP_EMBEDDING: return "embeddings";
    case TP_OP_COUNT_TOKENS: return "chat";  // counted where the chat request would go
  }
  return "chat";
}

std::string modelNotFoundMessage(const std::string& model, const ModelCatalog& catalog) {
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

// What a request needs from a model beyond the operation: tools, vision.
bool meetsNeeds(const ModelRoute& route, const InferenceRequest& request) {
  if (!serves(route, request.operation)) return false;
  if (request.summary.hasTools && !route.has("tools")) return false;
  return request.summary.imageCount == 0 || route.has("vision");
}

}  // namespace


policy::RouteRequest RouteStage::routeRequest(const InferenceRequest& request, const Identity& identity,
                                              const http::Request& http) {
  const auto& s = request.summary;
  policy::RouteRequest r;
  r.model = s.model;
  r.operation = scriptOperation(request.operation);
  r.stream = s.stream;
  r.messageCount = static_cast<uint32_t>(s.messageCount);
  r.promptTokens = billing::estimatePromptTokens(s);
  r.maxTokens = s.maxTokens;
  r.hasTools = s.hasTools;
  r.hasImages = s.imageCount > 0;
  r.codeSignals = s.codeSignals;
  r.accountId = identity.accountId;
  r.tier = identity.tier;
  r.headers = http.headers;
  if (s.metadata.is_object()) r.metadata = &s.metadata;
  return r;
}

std::vector<const ModelRoute*> RouteStage::configuredOrder(const InferenceRequest& request, bool automatic) const {
  std::vector<const ModelRoute*> out;
  if (automatic) {
    for (const auto* route : catalog_.all())
      if (meetsNeeds(*route, request)) out.push_back(route);
    if (out.empty())
      throw http::ApiError(400, "unsupported_request",
                           "no configured model can serve this " + std::string(operationName(request.operation)) +
                               " request" + (request.summary.hasTools ? " with tools" : "") +
                               (request.summary.imageCount > 0 ? " with images" : ""),
                           "model");
    return out;
  }
  const auto* routes = catalog_.find(request.model());
  if (routes == nullptr)
    throw http::ApiError(404, "model_not_found", modelNotFoundMessage(request.model(), catalog_), "model");
  for (const auto* route : *routes)
    if (serves(*route, request.operation)) out.push_back(route);
  if (out.empty())
    throw http::ApiError(400, "unsupported_operation",
                         "The model '" + request.model() + "' does not support " +
                             std::string(operationName(request.operation)) + " requests",
                         "model");
  return out;
}

RoutePlan RouteStage::plan(const InferenceRequest& request, const Identity& identity, const http::Request& http) const {
  bool automatic = request.model() == kAutoModel && catalog_.find(kAutoModel) == nullptr;
  RoutePlan plan;
  // Unknown models and unsupported operations are answered before the script runs.
  plan.candidates = configuredOrder(request, automatic);
  if (engine_ == nullptr) return plan;

  auto snapshot = health_.snapshot();
  auto outcome = engine_->route(routeRequest(request, identity, http), policy::RouteContext{snapshot});
  if (!outcome.ok()) {
    policyErrors_.with({"route", policy::kindName(outcome.error.kind)}).add();
    plan.reason = "script_error";
    return plan;
  }
  switch (outcome.decision) {
    case policy::RouteOutcome::Decision::Default:
      return plan;
    case policy::RouteOutcome::Decision::Deny:
      throw http::ApiError(outcome.denyStatus, "request_denied", outcome.denyMessage);
    case policy::RouteOutcome::Decision::Route:
      break;
  }
  std::vector<const ModelRoute*> chosen;
  auto take = [&](const policy::RouteTarget& t) {
    const ModelRoute* route = t.candidate ? health_.routeOf(*snapshot, *t.candidate) : nullptr;
    if (route != nullptr && serves(*route, request.operation)) chosen.push_back(route);
  };
  take(outcome.target);
  for (const auto& f : outcome.fallbacks) take(f);
  if (chosen.empty()) {
    // Every choice is unable to serve the operation: the script's mistake, not the client's.
    policyErrors_.with({"route", policy::kindName(policy::PolicyErrorKind::BadResult)}).add();
    plan.reason = "script_error";
    return plan;
  }
  plan.candidates = std::move(chosen);
  plan.reason = automatic ? "auto" : "script";
  plan.info = std::move(outcome.info);
  return plan;
}

}  // namespace turnpike::pipeline
