#include "dialects/tool_names.hpp"

#include "util/random.hpp"

namespace turnpike::dialects {

bool toolNameCharactersValid(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string canonicalToolName(std::string_view name) {
  if (name.size() <= kMaxCanonicalToolName) return std::string(name);
  std::string out(name.substr(0, 55));
  out += '_';
  out += util::sha256Hex(name).substr(0, 8);
  return out;
}

std::string canonicalToolName(std::string_view name, std::map<std::string, std::string>& toolNames) {
  std::string canonical = canonicalToolName(name);
  if (canonical.size() != name.size()) toolNames[canonical] = std::string(name);
  return canonical;
}

}  // namespace turnpike::dialects
