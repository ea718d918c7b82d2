#include "onchain/bip21.hpp"

#include <turnpike/encoding.hpp>

namespace turnpike::payments::onchain {

namespace {

constexpr uint64_t kSatsPerBtc = 100'000'000;

}  // namespace

std::string formatBtc(uint64_t sats) {
  std::string out = std::to_string(sats / kSatsPerBtc);
  uint64_t fraction = sats % kSatsPerBtc;
  if (fraction == 0) return out;
  std::string digits = std::to_string(fraction);
  digits.insert(0, 8 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

std::string buildUri(const PaymentUri& uri) {
  std::string out = "bitcoin:" + uri.address;
  char sep = '?';
  auto add = [&](std::string_view key, const std::string& value) {
    out.push_back(sep);
    sep = '&';
    out += key;
    out.push_back('=');
    out += value;
  };
  if (uri.amountSat) add("amount", formatBtc(*uri.amountSat));
  if (!uri.label.empty()) add("label", sdk::encoding::percentEncode(uri.label));
  if (!uri.message.empty()) add("message", sdk::encoding::percentEncode(uri.message));
  if (!uri.lightning.empty()) add("lightning", sdk::encoding::percentEncode(uri.lightning));
  return out;
}

}  // namespace turnpike::payments::onchain
