// JSON Schema -> the OpenAPI subset Gemini accepts for function parameters and responseSchema.
// Gemini answers 400 INVALID_ARGUMENT to $schema, additionalProperties, const, type arrays and
// other keywords clients' schema generators emit (zod, pydantic), so only what it knows is kept.
#pragma once

#include <nlohmann/json.hpp>

namespace turnpike::gemini {

// Keeps Gemini's keywords; const -> enum [value]; ["T", "null"] -> type T + nullable; null
// members of anyOf/oneOf -> nullable; oneOf -> anyOf; allOf merged; local $ref inlined (bounded,
// recursive ones cut); formats Gemini refuses dropped; required trimmed to declared properties.
nlohmann::json sanitizeSchema(const nlohmann::json& schema);

}  // namespace turnpike::gemini
