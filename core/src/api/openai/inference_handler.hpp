// POST /v1/chat/completions, /v1/completions and /v1/embeddings: parse, resolve the model's
// providers, and hand over to a ProxyCall.
#pragma once

#include "http/router.hpp"
#include "pipeline/model_catalog.hpp"
#include "pipeline/proxy_call.hpp"

namespace turnpike::api {

class InferenceHandler {
 public:
  InferenceHandler(const pipeline::ModelCatalog& catalog, pipeline::PipelineServices& services)
      : catalog_(catalog), services_(services) {}
  void registerRoutes(http::Router& router);

 private:
  void handle(tp_operation operation, const std::shared_ptr<http::Exchange>& exchange);

  const pipeline::ModelCatalog& catalog_;
  pipeline::PipelineServices& services_;
};

}  // namespace turnpike::api
