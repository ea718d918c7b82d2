// Edits of OpenAI response objects without parsing them: members are spliced into the text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace turnpike::pipeline {

// `object` with `member` ("\"name\":value") added as its first member; unchanged if `object` is
// not a JSON object.
std::string insertFirstMember(std::string_view object, std::string_view member);

// Adds "cost" to the top-level "usage" object. Without one, adds a usage object with the
// given token counts and the cost.
std::string withUsageCost(std::string_view response, int64_t cost, uint64_t promptTokens, uint64_t completionTokens);

// Bytes of generated text in a response or a stream chunk: under "choices", every string of
// content (or content parts), text, reasoning, refusal, call arguments and audio transcripts.
// What is billed when the upstream reports no usage.
uint64_t generatedTextBytes(std::string_view response);

// Bytes of every string under `json` (at any depth, bounded) held by a member whose key
// `isText` accepts, or by an array such a member holds: the walk behind generatedTextBytes, for
// the other dialects' response objects.
uint64_t textBytesUnder(std::string_view json, bool (*isText)(std::string_view key));

}  // namespace turnpike::pipeline
