#include "billing/currency.hpp"

#include <limits>

namespace turnpike::billing {

std::optional<int64_t> parseFixed(std::string_view text, int scale) {
  if (text.empty() || text.size() > 30) return std::nullopt;
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || static_cast<int>(frac.size()) > scale || (dot != std::string_view::npos && frac.empty()))
    return std::nullopt;
  __int128 value = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  for (int i = 0; i < scale; ++i) {
    char c = i < static_cast<int>(frac.size()) ? frac[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > std::numeric_limits<int64_t>::max()) return std::nullopt;
  return static_cast<int64_t>(value);
}

std::optional<Conversion> toMsat(std::string_view currency, std::string_view amount, int64_t usdPerBtc, std::string& error) {
  constexpr int64_t kMsatPerBtc = 100'000'000'000;
  Conversion out;
  if (currency == "SATS") {
    auto sats = parseFixed(amount, 0);
    if (!sats || *sats > std::numeric_limits<int64_t>::max() / 1000) {
      error = "SATS amounts are whole satoshis";
      return std::nullopt;
    }
    out.msat = *sats * 1000;
  } else if (currency == "BTC") {
    auto sats = parseFixed(amount, 8);
    if (!sats || *sats > std::numeric_limits<int64_t>::max() / 1000) {
      error = "BTC amounts have at most 8 decimals";
      return std::nullopt;
    }
    out.msat = *sats * 1000;
  } else if (currency == "USD") {
    if (usdPerBtc <= 0) {
      error = "USD top-ups need billing.rates.usd_per_btc";
      return std::nullopt;
    }
    auto cents = parseFixed(amount, 2);
    if (!cents) {
      error = "USD amounts have at most 2 decimals";
      return std::nullopt;
    }
    __int128 msat = static_cast<__int128>(*cents) * kMsatPerBtc / (static_cast<__int128>(usdPerBtc) * 100);
    if (msat > std::numeric_limits<int64_t>::max()) {
      error = "amount too large";
      return std::nullopt;
    }
    out.msat = static_cast<int64_t>(msat);
    out.rate = "usd_per_btc=" + std::to_string(usdPerBtc);
  } else {
    error = "currency must be SATS, BTC or USD";
    return std::nullopt;
  }
  if (out.msat <= 0) {
    error = "the amount must be positive";
    return std::nullopt;
  }
  return out;
}

}  // namespace turnpike::billing
