// A value that satisfies a JSON schema, the way a model fills in tool arguments or structured
// output: deterministic (derived from a seed text), every property filled, enums take their
// first value.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace turnpike::mock {

// Understands type (or a list of types), properties, required, items/prefixItems, enum, const,
// anyOf/oneOf/allOf, local $ref ("#/$defs/..."), string length and format, numeric bounds and
// multipleOf, array length and uniqueness. Strings carry `seed` (the user's words).
nlohmann::json schemaInstance(const nlohmann::json& schema, std::string_view seed);

}  // namespace turnpike::mock
