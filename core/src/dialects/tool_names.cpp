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
  // Names not yet checked (history, stored output) may hold UTF-8: the cut never splits a
  // character, or the body holding the name no longer serializes.
  size_t cut = 55;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
  std::string out(name.substr(0, cut));
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
