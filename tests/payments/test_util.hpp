// Hex helpers for the payment protocol tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <turnpike/encoding.hpp>

namespace turnpike::payments::test {

inline std::string hex(std::string_view bytes) { return sdk::encoding::hexEncode(bytes); }

// Test data is hex written by hand or copied from a spec: a typo is a test bug, so fail loudly.
inline std::string unhex(std::string_view text) {
  auto bytes = sdk::encoding::hexDecode(text);
  if (!bytes) throw std::invalid_argument("bad hex in test data: " + std::string(text));
  return *bytes;
}

inline std::string repeatByte(char byte, size_t count) { return std::string(count, byte); }

}  // namespace turnpike::payments::test
