#include "dialects/tool_names.hpp"

#include "util/random.hpp"

namespace turnpike::dialects {

namespace {
constexpr size_t kMaxToolName = 64;
constexpr size_t kKeptPrefix = 55;
constexpr size_t kHashDigits = 8;
}  // namespace

bool toolNameCharactersValid(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string canonicalToolName(std::string_view name, std::map<std::string, std::string>& toolNames) {
  if (name.size() <= kMaxToolName) return std::string(name);
  std::string shortened(name.substr(0, kKeptPrefix));
  shortened += '_';
  shortened += util::sha256Hex(name).substr(0, kHashDigits);
  toolNames[shortened] = std::string(name);
  return shortened;
}

}  // namespace turnpike::dialects
