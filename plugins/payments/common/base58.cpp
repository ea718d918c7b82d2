#include "common/base58.hpp"

#include <vector>

#include "common/crypto.hpp"

namespace turnpike::payments::base58 {

namespace {

constexpr char kAlphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

int alphabetIndex(char c) {
  for (int i = 0; i < 58; ++i)
    if (kAlphabet[i] == c) return i;
  return -1;
}

// Inputs are at most a few hundred bytes (extended keys are 82), so the quadratic base
// conversion is fine.
constexpr size_t kMaxTextLength = 512;

std::string checksum(std::string_view payload) { return crypto::sha256(crypto::sha256(payload)).substr(0, 4); }

}  // namespace

std::string encode(std::string_view bytes) {
  size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == '\0') ++zeros;
  // Big-endian base-58 digits of the number, least significant first.
  std::vector<uint8_t> digits;
  digits.reserve(bytes.size() * 138 / 100 + 1);
  for (size_t i = zeros; i < bytes.size(); ++i) {
    uint32_t carry = static_cast<uint8_t>(bytes[i]);
    for (auto& d : digits) {
      carry += static_cast<uint32_t>(d) << 8;
      d = static_cast<uint8_t>(carry % 58);
      carry /= 58;
    }
    while (carry > 0) {
      digits.push_back(static_cast<uint8_t>(carry % 58));
      carry /= 58;
    }
  }
  std::string out(zeros, '1');
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(kAlphabet[*it]);
  return out;
}

Result<std::string> decode(std::string_view text) {
  if (text.size() > kMaxTextLength) return fail("base58: input too long");
  size_t ones = 0;
  while (ones < text.size() && text[ones] == '1') ++ones;
  std::vector<uint8_t> bytes;  // least significant first
  bytes.reserve(text.size() * 733 / 1000 + 1);
  for (size_t i = ones; i < text.size(); ++i) {
    int v = alphabetIndex(text[i]);
    if (v < 0) return fail("base58: invalid character");
    uint32_t carry = static_cast<uint32_t>(v);
    for (auto& b : bytes) {
      carry += static_cast<uint32_t>(b) * 58;
      b = static_cast<uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push_back(static_cast<uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  std::string out(ones, '\0');
  for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) out.push_back(static_cast<char>(*it));
  return out;
}

std::string encodeCheck(std::string_view payload) {
  std::string data(payload);
  data += checksum(payload);
  return encode(data);
}

Result<std::string> decodeCheck(std::string_view text) {
  auto data = decode(text);
  if (!data) return fail(data.error());
  if (data->size() < 4) return fail("base58: too short for a checksum");
  std::string_view all(*data);
  std::string_view payload = all.substr(0, all.size() - 4);
  if (!crypto::constantTimeEquals(checksum(payload), all.substr(all.size() - 4)))
    return fail("base58: invalid checksum");
  return std::string(payload);
}

}  // namespace turnpike::payments::base58
