// Top-up amounts as clients state them (SATS, BTC, USD) converted exactly to msat.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace turnpike::billing {

struct Conversion {
  int64_t msat = 0;
  std::string rate;  // the rate used, recorded on the top-up ("" when none was needed)
};

// `amount` is the decimal text the client sent. SATS: whole satoshis; BTC: up to 8 decimals;
// USD: up to 2 decimals at `usdPerBtc` (rounded down to the msat). nullopt and `error` on
// anything else.
std::optional<Conversion> toMsat(std::string_view currency, std::string_view amount, int64_t usdPerBtc, std::string& error);

// A decimal with at most `scale` fraction digits as an integer of 10^-scale units.
std::optional<int64_t> parseFixed(std::string_view text, int scale);

}  // namespace turnpike::billing
