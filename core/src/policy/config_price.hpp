// The configured price of a call, computed exactly in C++: what the caller charges when price()
// fails, and the reference the default pricing script is tested against.
//
//   base   = ceil(((prompt - cached) * input + cached * cached_input + completion * output) / 1e6)
//            + request
//   amount = ceil(base * markup_bp / 10000)
//
// cached is clamped to prompt. nullopt when a price or the markup is negative, or the amount does
// not fit in int64.
#pragma once

#include <cstdint>
#include <optional>

#include "policy/price_types.hpp"

namespace turnpike::policy {

std::optional<int64_t> configPrice(const PriceUsage& usage, const PriceContext& context);

}  // namespace turnpike::policy
