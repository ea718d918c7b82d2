#include "stripe/usd.hpp"

namespace turnpike::payments::stripe {

std::optional<int64_t> parseUsdCents(std::string_view text) {
  constexpr size_t kMaxWholeDigits = 12;
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || whole.size() > kMaxWholeDigits || fraction.size() > 2) return std::nullopt;
  if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
  int64_t cents = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    cents = cents * 10 + (c - '0');
  }
  for (size_t i = 0; i < 2; ++i) {
    char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    cents = cents * 10 + (c - '0');
  }
  return cents;
}

std::string formatUsd(int64_t cents) {
  std::string out = std::to_string(cents / 100);
  out.push_back('.');
  if (cents % 100 < 10) out.push_back('0');
  out += std::to_string(cents % 100);
  return out;
}

}  // namespace turnpike::payments::stripe
