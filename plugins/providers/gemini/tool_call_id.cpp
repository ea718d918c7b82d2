#include "gemini/tool_call_id.hpp"

#include <turnpike/encoding.hpp>

namespace turnpike::gemini {

namespace encoding = sdk::encoding;

bool usableCallId(std::string_view id) {
  if (id.empty() || id.size() > 64 || id.find(kSignatureSeparator) != std::string_view::npos) return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string encodeToolCallId(std::string_view callId, std::string_view signature) {
  std::string id(callId);
  if (signature.empty()) return id;
  // Signatures are protobuf bytes, which JSON carries as padded standard base64; re-encoding the
  // bytes url-safe keeps the id inside the tool id alphabet at the same length.
  auto bytes = encoding::base64Decode(signature);
  if (!bytes || bytes->empty()) return id;
  id += kSignatureSeparator;
  id += encoding::base64UrlEncode(*bytes);
  return id;
}

DecodedToolCallId decodeToolCallId(std::string_view id) {
  size_t at = id.find(kSignatureSeparator);
  if (at == std::string_view::npos || at == 0) return {std::string(id), {}};
  auto bytes = encoding::base64UrlDecode(id.substr(at + kSignatureSeparator.size()));
  if (!bytes || bytes->empty()) return {std::string(id), {}};
  return {std::string(id.substr(0, at)), encoding::base64Encode(*bytes)};
}

}  // namespace turnpike::gemini
