#include "policy/pattern_cost.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>
#include <vector>

namespace turnpike::policy {

namespace {

using ByteSet = std::array<bool, 256>;

// lstrlib's match_class: %a, %d, %w ... (upper case: the complement), else the byte itself.
bool inClass(unsigned char c, unsigned char cl) {
  bool in;
  switch (std::tolower(cl)) {
    case 'a': in = std::isalpha(c) != 0; break;
    case 'c': in = std::iscntrl(c) != 0; break;
    case 'd': in = std::isdigit(c) != 0; break;
    case 'g': in = std::isgraph(c) != 0; break;
    case 'l': in = std::islower(c) != 0; break;
    case 'p': in = std::ispunct(c) != 0; break;
    case 's': in = std::isspace(c) != 0; break;
    case 'u': in = std::isupper(c) != 0; break;
    case 'w': in = std::isalnum(c) != 0; break;
    case 'x': in = std::isxdigit(c) != 0; break;
    default: return c == cl;
  }
  return std::isupper(cl) != 0 ? !in : in;
}

// The bytes a single-character item matches: `item` is ".", "%x", "[set]" or one byte
// (lstrlib's singlematch and matchbracketclass).
ByteSet bytesOf(std::string_view item) {
  ByteSet set{};
  if (item == ".") {
    set.fill(true);
  } else if (item[0] == '%') {
    for (int c = 0; c < 256; ++c) set[c] = inClass(static_cast<unsigned char>(c), static_cast<unsigned char>(item[1]));
  } else if (item[0] == '[') {
    size_t i = 1, end = item.size() - 1;  // item[end] is the closing ']'
    bool negated = i < end && item[i] == '^';
    if (negated) ++i;
    for (; i < end; ++i) {
      auto c = static_cast<unsigned char>(item[i]);
      if (c == '%' && i + 1 < end) {
        ++i;
        for (int b = 0; b < 256; ++b)
          set[b] = set[b] || inClass(static_cast<unsigned char>(b), static_cast<unsigned char>(item[i]));
      } else if (i + 2 < end && item[i + 1] == '-') {
        for (int b = c; b <= static_cast<unsigned char>(item[i + 2]); ++b) set[b] = true;
        i += 2;
      } else {
        set[c] = true;
      }
    }
    if (negated)
      for (auto& b : set) b = !b;
  } else {
    set[static_cast<unsigned char>(item[0])] = true;
  }
  return set;
}

// The end of the single-character item at `p` (lstrlib's classEnd); npos when malformed.
size_t itemEnd(std::string_view pattern, size_t p) {
  char c = pattern[p++];
  if (c == '%') return p < pattern.size() ? p + 1 : std::string_view::npos;
  if (c != '[') return p;
  if (p < pattern.size() && pattern[p] == '^') ++p;
  do {
    if (p >= pattern.size()) return std::string_view::npos;
    if (pattern[p++] == '%' && p < pattern.size()) ++p;
  } while (p >= pattern.size() || pattern[p] != ']');
  return p + 1;
}

// Longest run of subject bytes an item can span, remembered per item text: a pattern that
// repeats one class costs one scan of the subject.
class Runs {
 public:
  explicit Runs(std::string_view subject) : subject_(subject) {}

  double of(std::string_view item) {
    if (item == ".") return static_cast<double>(subject_.size());
    for (const auto& [text, run] : known_)
      if (text == item) return run;
    ByteSet set = bytesOf(item);
    size_t longest = 0, current = 0;
    for (char c : subject_) {
      current = set[static_cast<unsigned char>(c)] ? current + 1 : 0;
      longest = std::max(longest, current);
    }
    known_.emplace_back(item, static_cast<double>(longest));
    return static_cast<double>(longest);
  }

 private:
  std::string_view subject_;
  std::vector<std::pair<std::string_view, double>> known_;
};

}  // namespace

double patternSteps(std::string_view subject, std::string_view pattern, bool plain, bool anchorable) {
  const double n = static_cast<double>(subject.size());
  const double m = static_cast<double>(pattern.size());
  // A plain search compares the pattern at every offset where it fits.
  if (plain) return subject.size() < pattern.size() ? 0 : (n - m + 1) * (m + 1);
  size_t p = 0;
  bool anchored = anchorable && !pattern.empty() && pattern[0] == '^';
  if (anchored) ++p;
  double branches = 1;  // tries per start
  double perTry = m + 1;
  Runs runs(subject);
  auto steps = [&] { return (anchored ? 1 : n + 1) * branches * perTry; };
  while (p < pattern.size() && steps() <= kMaxPatternSteps) {
    char c = pattern[p];
    if (c == '(' || c == ')') {
      ++p;
      continue;
    }
    if (c == '$' && p + 1 == pattern.size()) break;
    if (c == '%' && p + 1 < pattern.size()) {
      char next = pattern[p + 1];
      if (next == 'b') {  // %bxy scans up to the rest of the subject, once per try
        perTry += n;
        p += 4;
        continue;
      }
      if (next == 'f') {  // %f[set] looks at two bytes
        p += 2;
        if (p >= pattern.size() || pattern[p] != '[') break;
        p = itemEnd(pattern, p);
        if (p == std::string_view::npos) break;
        continue;
      }
      if (next >= '0' && next <= '9') {  // a back-reference compares up to a whole capture, once per try
        perTry += n;
        p += 2;
        continue;
      }
    }
    size_t end = itemEnd(pattern, p);
    if (end == std::string_view::npos) break;
    std::string_view item = pattern.substr(p, end - p);
    char quantifier = end < pattern.size() ? pattern[end] : '\0';
    if (quantifier == '?') {
      branches *= 2;
      ++end;
    } else if (quantifier == '*' || quantifier == '+' || quantifier == '-') {
      branches *= runs.of(item) + 1;
      ++end;
    }
    p = end;
  }
  return steps();
}

}  // namespace turnpike::policy
