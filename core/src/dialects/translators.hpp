// The translator of each dialect, chosen by Dialect: what the pipeline calls, so that it never
// names a dialect itself.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "dialects/dialect.hpp"

namespace turnpike::dialects {

// Canonical -> `client`'s responses; null for OpenAI chat (nothing to translate).
std::unique_ptr<ResponseEncoder> makeEncoder(Dialect client, ResponseContext context);
// `provider`'s responses -> canonical; null for OpenAI chat and for dialects no provider speaks.
std::unique_ptr<ResponseDecoder> makeDecoder(Dialect provider, ResponseContext context);
// A canonical request, ready for its upstream, in `provider`'s dialect. Throws http::ApiError.
std::string requestFromCanonical(Dialect provider, std::string_view canonicalBody);
// Bytes of generated text in one stream event or whole response of `dialect`.
uint64_t generatedTextBytes(Dialect dialect, std::string_view json);
// An error told to a client mid-stream, framed as its dialect frames events.
std::string streamErrorEvent(Dialect client, int status, std::string_view code, std::string_view message);

}  // namespace turnpike::dialects
