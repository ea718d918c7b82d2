#include "policy/code_signals.hpp"

#include <algorithm>

namespace turnpike::policy {

namespace {

constexpr std::string_view kKeywords[] = {"def",     "class",  "import",  "from",   "#include", "function",
                                          "fn",      "func",   "package", "public", "private",  "return",
                                          "const",   "let",    "var",     "SELECT"};

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool looksLikeCode(std::string_view line) {
  while (!line.empty() && isSpace(line.front())) line.remove_prefix(1);
  while (!line.empty() && isSpace(line.back())) line.remove_suffix(1);
  if (line.empty()) return false;
  char last = line.back();
  if (last == '{' || last == '}' || last == ';') return true;
  return std::any_of(std::begin(kKeywords), std::end(kKeywords), [&](std::string_view k) {
    return line.size() > k.size() && line.starts_with(k) && (line[k.size()] == ' ' || line[k.size()] == '(');
  });
}

}  // namespace

uint32_t countCodeSignals(std::string_view text, uint32_t cap) {
  uint32_t signals = 0;
  while (!text.empty() && signals < cap) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    uint32_t fences = 0;
    for (size_t at = line.find("```"); at != std::string_view::npos; at = line.find("```", at + 3)) ++fences;
    signals += fences > 0 ? fences : (looksLikeCode(line) ? 1 : 0);
  }
  return std::min(signals, cap);
}

}  // namespace turnpike::policy
