// The "parse" stage for inference calls: validate the OpenAI request body and extract what the
// later stages need, without changing anything the client sent that the upstream should see.
#pragma once

#include <turnpike/plugin_abi.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace turnpike::pipeline {

struct InferenceRequest {
  tp_operation operation = TP_OP_CHAT;
  std::string rawBody;
  nlohmann::json body;
  std::string model;
  bool stream = false;
  bool clientWantsUsage = false;  // stream_options.include_usage was true
  std::optional<uint64_t> maxTokens;
};

std::string_view operationName(tp_operation op);

// Throws http::ApiError (400) naming the offending parameter.
InferenceRequest parseInferenceRequest(tp_operation operation, std::string body);

// The body sent upstream: the client's, with "model" set to the upstream id and, for streams,
// stream_options.include_usage forced on so usage is always known.
std::string upstreamBody(const InferenceRequest& request, const std::string& upstreamModel);

}  // namespace turnpike::pipeline
