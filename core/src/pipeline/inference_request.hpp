// The "parse" stage for inference calls: the client's body as sent plus what one validating
// scan learned from it (request_scan.hpp).
#pragma once

#include <turnpike/plugin_abi.h>

#include <string>
#include <string_view>

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

// The body sent upstream: the client's bytes, with "model" set to the upstream id and, for
// streams, stream_options.include_usage forced on so usage is always known. Spliced, so
// everything else reaches the upstream exactly as the client wrote it.
std::string upstreamBody(const InferenceRequest& request, const std::string& upstreamModel);

}  // namespace turnpike::pipeline
