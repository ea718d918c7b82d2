// The OpenAI Responses API: POST /v1/responses (translated to canonical once and served by the
// same stages as chat), and for `store: true` responses GET and DELETE /v1/responses/{id}.
// Stored responses belong to the account whose key made them; previous_response_id continues
// the stored conversation.
#pragma once

#include <functional>
#include <memory>

#include "api/openai/inference_handler.hpp"
#include "http/router.hpp"
#include "store/response_store.hpp"

namespace turnpike::api {

class ResponsesHandler {
 public:
  // Runs a task on a worker pool (store reads block); false when the pool has no room.
  using Offload = std::function<bool(std::function<void()>)>;

  // `store` null: billing is off (no accounts), nothing is kept.
  ResponsesHandler(InferenceHandler& inference, store::ResponseStore* store, Offload offload)
      : inference_(inference), store_(store), offload_(std::move(offload)) {}
  void registerRoutes(http::Router& router);

 private:
  void create(const std::shared_ptr<http::Exchange>& exchange);
  // Translates and serves `doc` with the conversation so far (`history`, canonical messages).
  void serve(const std::shared_ptr<http::Exchange>& exchange, const pipeline::Identity& identity,
             std::shared_ptr<nlohmann::json> doc, std::string body, nlohmann::json history);
  // The caller's account, or a 401 answered.
  void withAccount(const std::shared_ptr<http::Exchange>& exchange, std::function<void(std::string)> next);

  InferenceHandler& inference_;
  store::ResponseStore* store_;
  Offload offload_;
};

}  // namespace turnpike::api
