#include "dialects/tool_names.hpp"

#include "util/random.hpp"

namespace turnpike::dialects {

std::string canonicalToolName(std::string_view name) {
  if (name.size() <= kMaxCanonicalToolName) return std::string(name);
  std::string out(name.substr(0, 55));
  out += '_';
  out += util::sha256Hex(name).substr(0, 8);
  return out;
}

}  // namespace turnpike::dialects
