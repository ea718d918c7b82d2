#include "api/anthropic/messages_handler.hpp"

#include "billing/pricing.hpp"
#include "dialects/anthropic/anthropic_dialect.hpp"
#include "http/api_error.hpp"
#include "pipeline/request_scan.hpp"

namespace turnpike::api {

namespace {

using dialects::Dialect;

// Anthropic's own protocol headers, passed on to providers that speak it.
constexpr std::string_view kPassedHeaders[] = {"anthropic-version", "anthropic-beta"};
constexpr size_t kMaxPassedHeader = 1024;

std::shared_ptr<pipeline::InferenceRequest> readRequest(http::Exchange& exchange, tp_operation operation) {
  std::string body = std::move(exchange.request().body);
  auto doc = pipeline::parseRequestDocument(body, dialects::anthropic::kReadMembers);
  auto canonical = dialects::anthropic::toCanonical(doc, operation == TP_OP_COUNT_TOKENS
                                                             ? dialects::anthropic::RequestKind::CountTokens
                                                             : dialects::anthropic::RequestKind::Messages);
  auto request = std::make_shared<pipeline::InferenceRequest>(
      pipeline::translatedRequest(Dialect::AnthropicMessages, operation, std::move(body), std::move(canonical)));
  for (std::string_view name : kPassedHeaders) {
    auto value = exchange.request().header(name);
    if (value && value->size() <= kMaxPassedHeader) request->passedHeaders.emplace_back(name, *value);
  }
  return request;
}

bool anthropicType(std::string_view type) {
  for (std::string_view known : {"invalid_request_error", "authentication_error", "billing_error", "permission_error",
                                 "not_found_error", "request_too_large", "rate_limit_error", "api_error",
                                 "timeout_error", "overloaded_error"})
    if (type == known) return true;
  return false;
}

}  // namespace

void renderAnthropicError(http::Response& response) {
  auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("error") || !doc["error"].is_object()) return;
  const auto& error = doc["error"];
  std::string message = error.value("message", std::string());
  std::string type = error.value("type", std::string());
  // An Anthropic upstream's own type is kept; the gateway's (OpenAI's for the status) is mapped.
  bool upstreams = anthropicType(type) && type != http::errorType(response.status);
  response.body = dialects::anthropic::errorBody(response.status, message, upstreams ? type : std::string());
}

void MessagesHandler::registerRoutes(http::Router& router) {
  auto anthropic = [](auto fn) {
    return [fn](const std::shared_ptr<http::Exchange>& ex, const http::PathParams&) {
      ex->setErrorRenderer(renderAnthropicError);
      fn(ex);
    };
  };
  router.add("POST", "/v1/messages", anthropic([this](const std::shared_ptr<http::Exchange>& ex) { messages(ex); }));
  router.add("POST", "/v1/messages/count_tokens",
             anthropic([this](const std::shared_ptr<http::Exchange>& ex) { countTokens(ex); }));
  // Claude Code's reachability probe (it sends HEAD; GET answers the same).
  router.add("GET", "/api/hello", [](const std::shared_ptr<http::Exchange>& ex, const http::PathParams&) {
    ex->respond(http::Response::json(200, "{}"));
  });
}

void MessagesHandler::messages(const std::shared_ptr<http::Exchange>& exchange) {
  inference_.serve(exchange, readRequest(*exchange, TP_OP_CHAT));
}

void MessagesHandler::countTokens(const std::shared_ptr<http::Exchange>& exchange) {
  auto request = readRequest(*exchange, TP_OP_COUNT_TOKENS);
  inference_.identify(exchange, [this, exchange, request](pipeline::Identity identity) {
    auto plan = inference_.plan(*request, identity, exchange->request());
    // The upstream's own count where a candidate has one; otherwise Turnpike's estimate. Callers
    // without a key get the estimate: they may not spend the operator's upstream limits.
    std::erase_if(plan.candidates, [&](const pipeline::ModelRoute* r) {
      return !r->provider->countsTokens() || identity.kind == pipeline::Identity::Kind::Anonymous;
    });
    if (plan.candidates.empty()) {
      nlohmann::json body{{"input_tokens", billing::estimatePromptTokens(request->summary)}};
      exchange->respond(http::Response::json(200, body.dump()));
      return;
    }
    std::make_shared<pipeline::ProxyCall>(exchange, std::move(*request), std::move(plan), std::nullopt,
                                          inference_.services())
        ->start();
  });
}

}  // namespace turnpike::api
