// POST /v1/chat/completions, /v1/completions and /v1/embeddings: parse, identify the caller,
// route, admit (rate limits, reservation), and hand over to a ProxyCall.
#pragma once

#include "http/router.hpp"
#include "pipeline/admit_stage.hpp"
#include "pipeline/identify_stage.hpp"
#include "pipeline/proxy_call.hpp"
#include "pipeline/route_stage.hpp"

namespace turnpike::api {

class InferenceHandler {
 public:
  // `admit` is null when billing is off: every request is served as it comes.
  InferenceHandler(pipeline::IdentifyStage& identify, const pipeline::RouteStage& route, pipeline::AdmitStage* admit,
                   pipeline::PipelineServices& services)
      : identify_(identify), route_(route), admit_(admit), services_(services) {}
  void registerRoutes(http::Router& router);

 private:
  void handle(tp_operation operation, const std::shared_ptr<http::Exchange>& exchange);

  pipeline::IdentifyStage& identify_;
  const pipeline::RouteStage& route_;
  pipeline::AdmitStage* admit_;
  pipeline::PipelineServices& services_;
};

}  // namespace turnpike::api
