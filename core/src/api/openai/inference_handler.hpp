// POST /v1/chat/completions, /v1/completions and /v1/embeddings: parse, identify the caller,
// route, admit (rate limits, reservation), and hand over to a ProxyCall. The stages after
// parsing are shared with the other dialects' routes (Anthropic Messages, Responses), which
// translate their requests first and then serve them here.
#pragma once

#include <functional>
#include <memory>

#include "http/router.hpp"
#include "pipeline/admit_stage.hpp"
#include "pipeline/identify_stage.hpp"
#include "pipeline/proxy_call.hpp"
#include "pipeline/route_stage.hpp"

namespace turnpike::api {

class InferenceHandler {
 public:
  // Runs once the call exists, before it starts (the Responses API asks it to report back).
  using Prepare = std::function<void(pipeline::ProxyCall&, const pipeline::Identity&)>;

  // `admit` is null when billing is off: every request is served as it comes.
  InferenceHandler(pipeline::IdentifyStage& identify, const pipeline::RouteStage& route, pipeline::AdmitStage* admit,
                   pipeline::PipelineServices& services)
      : identify_(identify), route_(route), admit_(admit), services_(services) {}
  void registerRoutes(http::Router& router);

  // Identify, route, admit and proxy a parsed request.
  void serve(const std::shared_ptr<http::Exchange>& exchange, std::shared_ptr<pipeline::InferenceRequest> request,
             Prepare prepare = {});
  // The same, for a caller identified already (routes that must know the caller to parse).
  void serveAs(const std::shared_ptr<http::Exchange>& exchange, const pipeline::Identity& identity,
               std::shared_ptr<pipeline::InferenceRequest> request, Prepare prepare = {});
  void identify(const std::shared_ptr<http::Exchange>& exchange, std::function<void(pipeline::Identity)> next) {
    identify_.run(exchange, std::move(next));
  }
  // The candidates for `request`, as routing picks them (throws http::ApiError as RouteStage::plan).
  pipeline::RoutePlan plan(const pipeline::InferenceRequest& request, const pipeline::Identity& identity,
                           const http::Request& http) const {
    return route_.plan(request, identity, http);
  }
  pipeline::PipelineServices& services() { return services_; }

 private:
  pipeline::IdentifyStage& identify_;
  const pipeline::RouteStage& route_;
  pipeline::AdmitStage* admit_;
  pipeline::PipelineServices& services_;
};

}  // namespace turnpike::api
