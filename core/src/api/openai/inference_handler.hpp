// POST /v1/chat/completions, /v1/completions and /v1/embeddings: parse, resolve the model's
// providers, and hand over to a ProxyCall.
#pragma once

#include "http/router.hpp"
#include "pipeline/admit_stage.hpp"
#include "pipeline/model_catalog.hpp"
#include "pipeline/proxy_call.hpp"

namespace turnpike::api {

class InferenceHandler {
 public:
  // `admit` is null when billing is off: every request is served as it comes.
  InferenceHandler(const pipeline::ModelCatalog& catalog, pipeline::PipelineServices& services,
                   pipeline::AdmitStage* admit)
      : catalog_(catalog), services_(services), admit_(admit) {}
  void registerRoutes(http::Router& router);

 private:
  void handle(tp_operation operation, const std::shared_ptr<http::Exchange>& exchange);

  const pipeline::ModelCatalog& catalog_;
  pipeline::PipelineServices& services_;
  pipeline::AdmitStage* admit_;
};

}  // namespace turnpike::api
