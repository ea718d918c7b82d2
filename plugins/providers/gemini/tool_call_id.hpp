// Canonical tool call ids for Gemini function calls. Gemini 3 hands back a thoughtSignature with
// each function call and refuses the next turn unless it returns on the same part; clients of
// every dialect round-trip tool call ids verbatim, so the signature rides inside the id:
//   <call id> "__ts_" <base64url of the signature's bytes>
// Ids stay within [A-Za-z0-9_-]. A call id never contains the separator, so the first one splits.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace turnpike::gemini {

inline constexpr std::string_view kSignatureSeparator = "__ts_";

// `signature` is the thoughtSignature as Gemini sent it (standard base64 text); empty: none.
std::string encodeToolCallId(std::string_view callId, std::string_view signature);

struct DecodedToolCallId {
  std::string callId;
  std::string signature;  // standard base64 text, as Gemini sent it; empty: none
};

// Ids that carry no (well-formed) signature come back whole with an empty signature.
DecodedToolCallId decodeToolCallId(std::string_view id);

// Whether Gemini's own call id can serve as the call id part: [A-Za-z0-9_-], 1..64 bytes, no
// separator.
bool usableCallId(std::string_view id);

}  // namespace turnpike::gemini
