// The "parse" stage for inference calls: the client's body as sent plus what one validating
// scan learned from it (request_scan.hpp).
#pragma once

#include <turnpike/plugin_abi.h>

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "pipeline/request_scan.hpp"

namespace turnpike::pipeline {

struct InferenceRequest {
  tp_operation operation = TP_OP_CHAT;
  std::string rawBody;
  RequestSummary summary;

  const std::string& model() const { return summary.model; }
  bool stream() const { return summary.stream; }
};

std::string_view operationName(tp_operation op);

// Throws http::ApiError (400) naming the offending parameter.
InferenceRequest parseInferenceRequest(tp_operation operation, std::string body);

// The most output tokens `request` may produce at `model`: what the client allows, else the
// model's cap, else the billing default (0 for embeddings). The reservation is priced on it and
// the upstream is held to it.
uint64_t outputCeiling(const InferenceRequest& request, const config::ModelConfig& model,
                       const config::BillingConfig& billing);

// The body sent upstream for `request` at `model`: the client's bytes, with "model" set to the
// upstream id, for streams stream_options.include_usage forced on so usage is always known, and
// the output limit member the upstream reads (max_tokens_param) set to outputCeiling() when the
// client left it unset. Spliced, so everything else reaches the upstream exactly as the client
// wrote it.
std::string upstreamBody(const InferenceRequest& request, const config::ModelConfig& model, uint64_t ceiling);

}  // namespace turnpike::pipeline
