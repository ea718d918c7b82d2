// How much code a prompt contains, for routing (req.code_signals), in one cheap pass.
#pragma once

#include <cstdint>
#include <string_view>

namespace turnpike::policy {

// Counts, up to `cap`:
//  - each ``` fence (a fenced block counts 2), and
//  - each other line that looks like code: trimmed, it ends with '{', '}' or ';', or it starts
//    with a keyword followed by a space or '(' : def class import from #include function fn func
//    package public private return const let var SELECT.
// Prose scores 0 or 1; a pasted snippet scores several.
uint32_t countCodeSignals(std::string_view text, uint32_t cap = 1000);

}  // namespace turnpike::policy
