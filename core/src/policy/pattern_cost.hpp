// The worst case of a Lua pattern match, for the guard around string.find, match, gmatch and
// gsub (lua_state.cpp). Lua matches patterns by backtracking in C: the instruction hook never
// fires inside, so the time limit cannot stop `s:find(".-.-.-x")` over a 64 KiB header. The guard
// refuses a call whose worst case is too long instead.
//
// The bound follows lstrlib's matcher: from each start it tries, for every quantified item
// (*, +, -), each length of the longest run of subject bytes the item's class can span, and two
// ways for ?; a try costs at most the pattern's length, plus a scan of the subject for each %b and
// back-reference. So: starts x the product of those counts x (pattern length + 1 + scans x
// subject length); a plain search: offsets x (pattern length + 1). It is usually far above what a
// match really takes, and never below.
#pragma once

#include <cstdint>
#include <string_view>

namespace turnpike::policy {

// Steps above which a pattern call is refused: tens of milliseconds of matching at the very
// worst, while patterns over short strings (names, model ids, user agents) stay far below.
inline constexpr double kMaxPatternSteps = 2e7;

// `plain`: string.find's plain search (no pattern at all). `anchorable`: a leading '^' anchors
// the match to the start (find, match, gsub; not gmatch, which reads it as a literal).
double patternSteps(std::string_view subject, std::string_view pattern, bool plain, bool anchorable);

}  // namespace turnpike::policy
