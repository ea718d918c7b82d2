// The Anthropic Messages dialect (POST /v1/messages): requests to and from canonical, responses
// (the Message object and its named-event stream) to and from canonical, and its error shape.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "dialects/dialect.hpp"

namespace turnpike::dialects::anthropic {

// The top-level members the translator reads: pipeline::parseRequestDocument holds each to one
// spelling.
inline constexpr std::string_view kReadMembers[] = {
    "model", "max_tokens", "messages", "system", "stream", "tools", "tool_choice", "metadata",
    "stop_sequences", "thinking", "temperature", "top_p", "top_k"};

// A /v1/messages (or /v1/messages/count_tokens) request, already parsed and free of duplicate
// members, to canonical. Unknown members are tolerated (Claude Code sends context_management,
// output_config ...); what OpenAI upstreams would refuse is dropped or bridged. Throws
// http::ApiError(400, code, message, param) for a request Anthropic would refuse.
// count_tokens requests carry no max_tokens; Messages requests must.
enum class RequestKind { Messages, CountTokens };
CanonicalRequest toCanonical(const nlohmann::json& request, RequestKind kind = RequestKind::Messages);

// A canonical request, ready for its upstream (model already the upstream id, the output limit
// set), to a Messages request for a provider that speaks Anthropic. Throws http::ApiError (400)
// for what Messages cannot express.
std::string fromCanonical(std::string_view canonicalBody);

std::unique_ptr<ResponseEncoder> makeEncoder(ResponseContext context);
std::unique_ptr<ResponseDecoder> makeDecoder(ResponseContext context);

// Anthropic's error type for an HTTP status (invalid_request_error, billing_error ...).
std::string_view errorType(int status);
// {"type":"error","error":{"type","message"}}; `type` empty: errorType(status).
std::string errorBody(int status, std::string_view message, std::string_view type = {});

// Bytes of generated text (text, tool input, thinking) in one stream event or a whole Message:
// what a cut stream is billed on when the upstream's usage never came.
uint64_t generatedTextBytes(std::string_view json);

}  // namespace turnpike::dialects::anthropic
