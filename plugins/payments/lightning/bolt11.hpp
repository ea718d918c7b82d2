// BOLT11 Lightning invoices (lightning/bolts 11-payment-encoding.md): decoding with signature
// checking, and encoding signed with a node key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/network.hpp"
#include "common/result.hpp"
#include "common/secp256k1.hpp"

namespace turnpike::payments::lightning {

// One hop of a private route (`r`).
struct RouteHop {
  std::string pubkey;  // 33 bytes, node at the start of the channel
  uint64_t shortChannelId = 0;
  uint32_t feeBaseMsat = 0;
  uint32_t feeProportionalMillionths = 0;
  uint16_t cltvExpiryDelta = 0;
};

// On-chain fallback (`f`): versions 0..16 carry a witness program, 17 a P2PKH hash, 18 a P2SH hash.
struct Fallback {
  uint8_t version = 0;
  std::string program;
};

struct Invoice {
  Network network = Network::Mainnet;
  std::optional<uint64_t> amountMsat;           // absent: any amount
  uint64_t timestamp = 0;                       // unix seconds (35 bits)
  std::string paymentHash;                      // p, 32 bytes
  std::string paymentSecret;                    // s, 32 bytes
  std::optional<std::string> description;       // d, UTF-8; exactly one of d and h
  std::optional<std::string> descriptionHash;   // h, 32 bytes
  std::optional<std::string> payee;             // n, 33 bytes; written only when set
  std::optional<uint64_t> expiry;               // x, seconds
  std::optional<uint64_t> minFinalCltvExpiry;   // c
  std::optional<std::string> metadata;          // m
  std::vector<uint16_t> features;               // 9, numbers of the set bits, ascending
  std::vector<Fallback> fallbacks;              // f, most preferred first
  std::vector<std::vector<RouteHop>> routeHints;  // r, one entry per route
  // Order of the tagged fields, one tag letter per field ("spd9", "pdsxcr9", ...). decode()
  // records what it read so that encode() can write the same string again; fields not named here
  // follow in the order "psdhmnxcfr9".
  std::string fieldOrder;

  uint64_t expirySeconds() const { return expiry.value_or(3600); }
  uint64_t minFinalCltv() const { return minFinalCltvExpiry.value_or(18); }
  bool hasFeature(uint16_t bit) const;
  // timestamp + expiry, saturating.
  uint64_t expiresAt() const;
  bool isExpired(uint64_t now) const { return now >= expiresAt(); }
};

struct DecodedInvoice {
  Invoice invoice;
  std::string payee;             // 33 bytes: the `n` field when present, else the recovered key
  RecoverableSignature signature;
  std::string signedData;        // UTF-8 HRP ‖ data words packed into bytes, zero padded
};

// Parses and checks an invoice: checksum, HRP (network and amount), every tagged field, required
// fields (p, s, exactly one of d/h), unknown even feature bits, and the signature (against `n`
// with low-S when present, else by public key recovery, which accepts high-S). Unknown fields,
// p/s/h/n fields of the wrong length, fallbacks of unknown versions and repeats of single-valued
// fields are skipped. Uppercase invoices are accepted. Without `n`, any change to a signed
// invoice recovers a different key: compare `payee` with the node you expect.
Result<DecodedInvoice> decode(std::string_view text);

// Writes and signs an invoice with the node's 32-byte secret key. `invoice.payee`, when set,
// must be that key's public key.
Result<std::string> encode(const Invoice& invoice, std::string_view secretKey);

// HRP amount <-> msat: "2500u" -> 250000000; "" -> nullopt amount. The encoder picks the shortest
// form.
Result<std::optional<uint64_t>> parseAmount(std::string_view amount);
std::string formatAmount(uint64_t msat);

// BOLT 7 notation "block x tx x output", e.g. "66051x263430x1800".
std::string formatShortChannelId(uint64_t scid);

}  // namespace turnpike::payments::lightning
