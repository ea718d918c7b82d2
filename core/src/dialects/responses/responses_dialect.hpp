// The OpenAI Responses dialect (POST /v1/responses): requests to canonical, canonical responses
// to the Response object and its event stream, and the conversation a stored response carries
// forward (previous_response_id).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "dialects/dialect.hpp"

namespace turnpike::dialects::responses {

// The top-level members the translator reads: pipeline::parseRequestDocument holds each to one
// spelling.
inline constexpr std::string_view kReadMembers[] = {
    "model", "input", "instructions", "stream", "max_output_tokens", "tools", "tool_choice",
    "previous_response_id", "store", "metadata", "text", "reasoning", "temperature", "top_p",
    "parallel_tool_calls"};

// A /v1/responses request, already parsed and free of duplicate members, to canonical.
// `history`: the canonical messages of the previous_response_id chain (an empty array when
// none), put before the request's own input. Throws http::ApiError(400, code, message, param).
CanonicalRequest toCanonical(const nlohmann::json& request, const nlohmann::json& history);

// Output items of a Response object as canonical messages (assistant text, tool calls; reasoning
// is dropped), for the history of a later request. Tool names are shortened as toCanonical does.
nlohmann::json outputMessages(const nlohmann::json& response);

// The conversation a stored response carries forward (ResponseStore's `conversation`): the
// history, the request's input as canonical messages and outputMessages(response). Without the
// request's instructions: a later request with previous_response_id gives its own (as OpenAI
// does, instructions are not carried over). Throws http::ApiError as toCanonical.
nlohmann::json conversationAfter(const nlohmann::json& request, const nlohmann::json& history,
                                 const nlohmann::json& response);

// The encoder's finalResponse() is the complete Response object once the stream finished or
// whole() ran: what `store: true` keeps.
std::unique_ptr<ResponseEncoder> makeEncoder(ResponseContext context);

// Bytes of generated text in one stream event or a whole Response.
uint64_t generatedTextBytes(std::string_view json);

}  // namespace turnpike::dialects::responses
