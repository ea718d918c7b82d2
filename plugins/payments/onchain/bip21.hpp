// BIP21 payment URIs: bitcoin:<address>?amount=..&label=..&message=..&lightning=..
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace turnpike::payments::onchain {

struct PaymentUri {
  std::string address;
  std::optional<uint64_t> amountSat;
  std::string label;      // omitted when empty
  std::string message;    // omitted when empty
  std::string lightning;  // BOLT11 invoice for a unified QR, omitted when empty
};

// Parameters are written in the order amount, label, message, lightning; values are
// percent-encoded (sdk::encoding::percentEncode).
std::string buildUri(const PaymentUri& uri);

// Exact decimal BTC from satoshis, without trailing zeros: 2030000000 -> "20.3", 1 -> "0.00000001".
std::string formatBtc(uint64_t sats);

}  // namespace turnpike::payments::onchain
