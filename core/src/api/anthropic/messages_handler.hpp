// The Anthropic Messages API: POST /v1/messages (also with Claude Code's ?beta=true), POST
// /v1/messages/count_tokens, and the HEAD /api/hello probe. Requests are read under the gateway's
// member-name rules, translated to canonical once, and served by the same stages as chat; every
// error on these routes has Anthropic's shape.
#pragma once

#include "api/openai/inference_handler.hpp"
#include "http/router.hpp"

namespace turnpike::api {

class MessagesHandler {
 public:
  explicit MessagesHandler(InferenceHandler& inference) : inference_(inference) {}
  void registerRoutes(http::Router& router);

 private:
  void messages(const std::shared_ptr<http::Exchange>& exchange);
  void countTokens(const std::shared_ptr<http::Exchange>& exchange);

  InferenceHandler& inference_;
};

// Rewrites an error response in OpenAI's shape into Anthropic's, keeping its status and headers
// (a 402's L402 challenge included).
void renderAnthropicError(http::Response& response);

}  // namespace turnpike::api
