// The "parse" stage for inference calls: the client's body as sent plus what one validating
// scan learned from it (request_scan.hpp).
#pragma once

#include <turnpike/plugin_abi.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "dialects/dialect.hpp"
#include "pipeline/request_scan.hpp"

namespace turnpike::pipeline {

struct InferenceRequest {
  tp_operation operation = TP_OP_CHAT;
  dialects::Dialect dialect = dialects::Dialect::OpenAIChat;  // the client's
  std::string rawBody;        // as the client sent it
  std::string canonicalBody;  // its canonical (OpenAI chat) translation; empty when it is one already
  RequestSummary summary;     // of the canonical form
  std::map<std::string, std::string> toolNames;  // dialects::CanonicalRequest's
  nlohmann::json echo;                           // dialects::CanonicalRequest's
  bool customTools = false;  // the canonical form has OpenAI custom tools (Codex's apply_patch)
  // Client headers of the dialect's own protocol, passed on to providers that speak it.
  std::vector<std::pair<std::string, std::string>> passedHeaders;

  const std::string& model() const { return summary.model; }
  bool stream() const { return summary.stream; }
  const std::string& canonical() const { return canonicalBody.empty() ? rawBody : canonicalBody; }
};

std::string_view operationName(tp_operation op);

// Throws http::ApiError (400) naming the offending parameter.
InferenceRequest parseInferenceRequest(tp_operation operation, std::string body);

// A request of another dialect, already translated: summarised from its canonical form. The
// client's output limit (canonical "max_tokens") is taken out of the body and kept in the
// summary, so that upstreamBody() writes it under the member the model's upstream reads.
InferenceRequest translatedRequest(dialects::Dialect dialect, tp_operation operation, std::string rawBody,
                                   dialects::CanonicalRequest canonical);

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

// The client's own bytes with "model" set to the upstream id, for a provider that speaks the
// client's dialect.
std::string nativeBody(const InferenceRequest& request, const config::ModelConfig& model);

}  // namespace turnpike::pipeline
