// US dollar amounts as whole cents, Stripe's `unit_amount` for USD, read from and written as
// the decimal text clients and operators use ("5", "5.5", "5.00").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace turnpike::payments::stripe {

// Digits with at most two decimals; nullopt for anything else (signs, exponents, a third decimal,
// more than 12 whole digits).
std::optional<int64_t> parseUsdCents(std::string_view text);

// "1234.50" for 123450.
std::string formatUsd(int64_t cents);

}  // namespace turnpike::payments::stripe
