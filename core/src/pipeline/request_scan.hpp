// One validating pass over an inference request body: checks it is well-formed JSON (RFC 8259,
// UTF-8) and that the fields Turnpike reads have the right types, and collects everything
// routing, pricing and dispatch need — without building a DOM. Offsets of the members the
// gateway may rewrite are kept so the upstream body is spliced, not re-serialized.
#pragma once

#include <turnpike/plugin_abi.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace turnpike::pipeline {

struct Span {
  size_t begin = 0;
  size_t end = 0;  // one past the last byte; begin == end: absent
  bool present() const { return end > begin; }
};

// A member that limits the output ("max_tokens", "max_completion_tokens").
struct OutputLimit {
  std::optional<uint64_t> value;  // nullopt: absent or null
  Span span;                      // the member's value, also when it is null
};

struct RequestSummary {
  std::string model;
  bool stream = false;
  bool clientWantsUsage = false;  // stream_options.include_usage is true
  OutputLimit maxTokensMember;
  OutputLimit maxCompletionTokensMember;
  // The most output tokens the client allows: the larger of the two members, since an upstream
  // may read either.
  std::optional<uint64_t> maxTokens;
  uint64_t n = 1;
  size_t messageCount = 0;
  uint64_t promptBytes = 0;  // bytes of text the model reads (messages, prompt, input)
  uint32_t imageCount = 0;
  bool hasTools = false;
  uint32_t codeSignals = 0;  // policy::countCodeSignals over the text the model reads
  nlohmann::json metadata;   // the "metadata" object (string values only), decoded; null if absent

  Span modelValue;          // the "model" member's value, quotes included
  Span streamOptionsValue;  // the "stream_options" member's value
  size_t closingBrace = 0;  // offset of the object's final '}'
  bool hasMembers = false;
};

// Throws http::ApiError (400): invalid_json, or invalid_type / missing_required_parameter /
// invalid_value / duplicate_parameter / invalid_parameter naming the parameter. Member names are
// read decoded, and the names the gateway reads may appear once and in one spelling only, so
// the summary describes the request exactly as an upstream will read it.
RequestSummary scanRequest(tp_operation operation, std::string_view body);

// A request of an API family translated before it is read (Anthropic Messages, Responses),
// parsed into a DOM under the same rules on member names: at the top level every name comes
// once and `watched` names (lower-case ASCII, at most 32) in their own spelling only; nested
// objects' names come once too, since the body may reach an upstream as it is. Throws
// http::ApiError (400): invalid_json, duplicate_parameter, invalid_parameter.
nlohmann::json parseRequestDocument(std::string_view body, std::span<const std::string_view> watched);

}  // namespace turnpike::pipeline
