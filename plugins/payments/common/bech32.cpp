#include "common/bech32.hpp"

#include <stdexcept>

namespace turnpike::payments::bech32 {

namespace {

constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr uint32_t kBech32Constant = 1;
constexpr uint32_t kBech32mConstant = 0x2bc830a3;
constexpr size_t kChecksumLength = 6;
constexpr size_t kMaxHrpLength = 83;

int charsetIndex(char c) {
  for (int i = 0; i < 32; ++i)
    if (kCharset[i] == c) return i;
  return -1;
}

uint32_t polymod(const std::vector<uint8_t>& values) {
  static constexpr uint32_t kGenerator[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= kGenerator[i];
  }
  return chk;
}

std::vector<uint8_t> hrpExpand(std::string_view hrp) {
  std::vector<uint8_t> out;
  out.reserve(hrp.size() * 2 + 1);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

uint32_t constantFor(Encoding e) { return e == Encoding::Bech32 ? kBech32Constant : kBech32mConstant; }

}  // namespace

std::string encode(std::string_view hrp, const Words& data, Encoding encoding) {
  if (hrp.empty() || hrp.size() > kMaxHrpLength) throw std::invalid_argument("bech32: HRP length out of range");
  for (char c : hrp)
    if (c < 33 || c > 126 || (c >= 'A' && c <= 'Z')) throw std::invalid_argument("bech32: invalid HRP character");
  for (uint8_t w : data)
    if (w > 31) throw std::invalid_argument("bech32: data word out of range");

  std::vector<uint8_t> values = hrpExpand(hrp);
  values.insert(values.end(), data.begin(), data.end());
  values.insert(values.end(), kChecksumLength, 0);
  uint32_t mod = polymod(values) ^ constantFor(encoding);

  std::string out(hrp);
  out.reserve(hrp.size() + 1 + data.size() + kChecksumLength);
  out.push_back('1');
  for (uint8_t w : data) out.push_back(kCharset[w]);
  for (size_t i = 0; i < kChecksumLength; ++i) out.push_back(kCharset[(mod >> (5 * (5 - i))) & 31]);
  return out;
}

Result<Decoded> decode(std::string_view text, size_t maxLength) {
  if (text.size() > maxLength) return fail("bech32: string longer than " + std::to_string(maxLength) + " characters");
  bool lower = false;
  bool upper = false;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 33 || u > 126) return fail("bech32: character out of range");
    if (c >= 'a' && c <= 'z') lower = true;
    if (c >= 'A' && c <= 'Z') upper = true;
  }
  if (lower && upper) return fail("bech32: mixed case");

  size_t sep = text.rfind('1');
  if (sep == std::string_view::npos) return fail("bech32: no separator");
  if (sep == 0) return fail("bech32: empty HRP");
  if (sep > kMaxHrpLength) return fail("bech32: HRP longer than 83 characters");
  if (text.size() - sep - 1 < kChecksumLength) return fail("bech32: checksum too short");

  Decoded out;
  out.hrp.reserve(sep);
  for (size_t i = 0; i < sep; ++i) {
    char c = text[i];
    out.hrp.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  Words values;
  values.reserve(text.size() - sep - 1);
  for (size_t i = sep + 1; i < text.size(); ++i) {
    char c = text[i];
    int v = charsetIndex((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
    if (v < 0) return fail("bech32: invalid data character");
    values.push_back(static_cast<uint8_t>(v));
  }

  std::vector<uint8_t> check = hrpExpand(out.hrp);
  check.insert(check.end(), values.begin(), values.end());
  uint32_t mod = polymod(check);
  if (mod == kBech32Constant) {
    out.encoding = Encoding::Bech32;
  } else if (mod == kBech32mConstant) {
    out.encoding = Encoding::Bech32m;
  } else {
    return fail("bech32: invalid checksum");
  }
  values.resize(values.size() - kChecksumLength);
  out.data = std::move(values);
  return out;
}

std::optional<std::vector<uint8_t>> convertBits(const std::vector<uint8_t>& in, int fromBits, int toBits, bool pad) {
  const uint32_t maxOut = (1u << toBits) - 1;
  const uint32_t maxAcc = (1u << (fromBits + toBits - 1)) - 1;
  uint32_t acc = 0;
  int bits = 0;
  std::vector<uint8_t> out;
  out.reserve(in.size() * fromBits / toBits + 1);
  for (uint8_t v : in) {
    if ((v >> fromBits) != 0) return std::nullopt;
    acc = ((acc << fromBits) | v) & maxAcc;
    bits += fromBits;
    while (bits >= toBits) {
      bits -= toBits;
      out.push_back(static_cast<uint8_t>((acc >> bits) & maxOut));
    }
  }
  if (pad) {
    if (bits > 0) out.push_back(static_cast<uint8_t>((acc << (toBits - bits)) & maxOut));
  } else if (bits >= fromBits || ((acc << (toBits - bits)) & maxOut) != 0) {
    return std::nullopt;
  }
  return out;
}

Words toWords(std::string_view bytes) {
  std::vector<uint8_t> in(bytes.begin(), bytes.end());
  return *convertBits(in, 8, 5, true);
}

std::optional<std::string> fromWords(const Words& words) {
  auto bytes = convertBits(words, 5, 8, false);
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

}  // namespace turnpike::payments::bech32
