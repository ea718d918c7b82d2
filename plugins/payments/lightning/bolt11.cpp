#include "lightning/bolt11.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "common/bech32.hpp"
#include "common/crypto.hpp"

namespace turnpike::payments::lightning {

namespace {

using bech32::Words;

// Tagged field types; each one's letter is its value in the bech32 alphabet.
enum Tag : uint8_t {
  kPaymentHash = 1,      // p
  kRouteHint = 3,        // r
  kFeatures = 5,         // 9
  kExpiry = 6,           // x
  kFallback = 9,         // f
  kDescription = 13,     // d
  kPaymentSecret = 16,   // s
  kPayee = 19,           // n
  kDescriptionHash = 23, // h
  kMinFinalCltv = 24,    // c
  kMetadata = 27,        // m
};

constexpr char kAlphabet[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr char kDefaultOrder[] = "psdhmnxcfr9";

constexpr size_t kTimestampWords = 7;
constexpr size_t kSignatureWords = 104;  // 520 bits: 64-byte signature + recovery id
constexpr size_t kMaxFieldWords = 1023;  // 10-bit data_length
constexpr size_t kHashWords = 52;        // 256 bits
constexpr size_t kPubkeyWords = 53;      // 264 bits
constexpr size_t kHopBytes = 51;
constexpr uint64_t kMaxTimestamp = (uint64_t{1} << 35) - 1;
constexpr uint64_t kMsatPerBtc = 100'000'000'000;

// Feature bits BOLT 9 gives the invoice context ("9"): var_onion_optin, payment_secret,
// basic_mpp, option_route_blinding, option_attribution_data, option_payment_metadata.
constexpr std::array<uint16_t, 6> kKnownEvenFeatures = {8, 14, 16, 24, 36, 48};

int tagOfLetter(char c) {
  for (int i = 0; i < 32; ++i)
    if (kAlphabet[i] == c) return i;
  return -1;
}

// Big-endian integer from 5-bit words.
uint64_t wordsToUint(const Words& w, size_t begin, size_t count) {
  uint64_t v = 0;
  for (size_t i = 0; i < count; ++i) v = (v << 5) | w[begin + i];
  return v;
}

// Minimal big-endian words (no leading zero word; 0 is the empty sequence).
Words uintToWords(uint64_t v) {
  Words out;
  while (v > 0) {
    out.push_back(static_cast<uint8_t>(v & 31));
    v >>= 5;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

uint64_t readBigEndian(std::string_view bytes, size_t offset, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i) v = (v << 8) | static_cast<uint8_t>(bytes[offset + i]);
  return v;
}

void writeBigEndian(std::string& out, uint64_t v, size_t size) {
  for (size_t i = size; i-- > 0;) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::optional<Network> networkOfCurrency(std::string_view currency) {
  for (Network n : {Network::Mainnet, Network::Testnet, Network::Signet, Network::Regtest})
    if (bolt11Currency(n) == currency) return n;
  return std::nullopt;
}

bool isValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t extra;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      auto d = static_cast<uint8_t>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
      return false;
    i += extra + 1;
  }
  return true;
}

Words featureWords(const std::vector<uint16_t>& bits) {
  if (bits.empty()) return {};
  size_t highest = *std::max_element(bits.begin(), bits.end());
  Words w(highest / 5 + 1, 0);
  for (uint16_t b : bits) w[w.size() - 1 - b / 5] |= static_cast<uint8_t>(1u << (b % 5));
  return w;
}

Result<Fallback> parseFallback(const Words& field) {
  Fallback f;
  f.version = field[0];
  auto program = bech32::fromWords(Words(field.begin() + 1, field.end()));
  if (!program) return fail("bolt11: fallback address has invalid padding");
  f.program = std::move(*program);
  return f;
}

std::string validateFallback(const Fallback& f) {
  if (f.version == 17 || f.version == 18) {
    if (f.program.size() != 20) return "bolt11: P2PKH/P2SH fallback must be a 20-byte hash";
  } else if (f.version <= 16) {
    if (f.program.size() < 2 || f.program.size() > 40) return "bolt11: witness program must be 2 to 40 bytes";
    if (f.version == 0 && f.program.size() != 20 && f.program.size() != 32)
      return "bolt11: version 0 witness program must be 20 or 32 bytes";
  } else {
    return "bolt11: unknown fallback version " + std::to_string(f.version);
  }
  return {};
}

Result<std::vector<RouteHop>> parseRoute(std::string_view data) {
  if (data.empty() || data.size() % kHopBytes != 0)
    return fail("bolt11: route hint length is not a multiple of 51 bytes");
  std::vector<RouteHop> route;
  for (size_t off = 0; off < data.size(); off += kHopBytes) {
    RouteHop hop;
    hop.pubkey = std::string(data.substr(off, 33));
    hop.shortChannelId = readBigEndian(data, off + 33, 8);
    hop.feeBaseMsat = static_cast<uint32_t>(readBigEndian(data, off + 41, 4));
    hop.feeProportionalMillionths = static_cast<uint32_t>(readBigEndian(data, off + 45, 4));
    hop.cltvExpiryDelta = static_cast<uint16_t>(readBigEndian(data, off + 49, 2));
    route.push_back(std::move(hop));
  }
  return route;
}

std::string signingData(std::string_view hrp, const Words& words) {
  std::string out(hrp);
  auto packed = bech32::convertBits(words, 5, 8, true);
  out.append(packed->begin(), packed->end());
  return out;
}

}  // namespace

bool Invoice::hasFeature(uint16_t bit) const {
  return std::find(features.begin(), features.end(), bit) != features.end();
}

uint64_t Invoice::expiresAt() const {
  uint64_t e = expirySeconds();
  return timestamp > std::numeric_limits<uint64_t>::max() - e ? std::numeric_limits<uint64_t>::max() : timestamp + e;
}

Result<std::optional<uint64_t>> parseAmount(std::string_view amount) {
  if (amount.empty()) return std::optional<uint64_t>{};
  char last = amount.back();
  std::string_view digits = amount;
  // msat per unit of the multiplier; pico is a tenth of a msat, handled apart.
  uint64_t msatPerUnit = kMsatPerBtc;
  bool pico = false;
  if (last < '0' || last > '9') {
    digits.remove_suffix(1);
    switch (last) {
      case 'm': msatPerUnit = 100'000'000; break;
      case 'u': msatPerUnit = 100'000; break;
      case 'n': msatPerUnit = 100; break;
      case 'p': pico = true; break;
      default: return fail(std::string("bolt11: invalid amount multiplier '") + last + "'");
    }
  }
  if (digits.empty()) return fail("bolt11: amount has no digits");
  if (digits[0] == '0') return fail("bolt11: amount has a leading zero");
  // 128 bits hold any 21-digit pico amount, enough for every msat value that fits in 64 bits.
  if (digits.size() > 21) return fail("bolt11: amount too large");
  unsigned __int128 value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return fail("bolt11: amount is not a decimal number");
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  unsigned __int128 msat;
  if (pico) {
    if (value % 10 != 0) return fail("bolt11: pico amount is not a whole number of msat");
    msat = value / 10;
  } else {
    msat = value * msatPerUnit;
  }
  if (msat > std::numeric_limits<uint64_t>::max()) return fail("bolt11: amount too large");
  return std::optional<uint64_t>(static_cast<uint64_t>(msat));
}

std::string formatAmount(uint64_t msat) {
  if (msat % kMsatPerBtc == 0) return std::to_string(msat / kMsatPerBtc);
  if (msat % 100'000'000 == 0) return std::to_string(msat / 100'000'000) + "m";
  if (msat % 100'000 == 0) return std::to_string(msat / 100'000) + "u";
  if (msat % 100 == 0) return std::to_string(msat / 100) + "n";
  // Ten pico-BTC per msat; the digits of msat followed by a 0 never overflow.
  return std::to_string(msat) + "0p";
}

std::string formatShortChannelId(uint64_t scid) {
  return std::to_string(scid >> 40) + "x" + std::to_string((scid >> 16) & 0xffffff) + "x" +
         std::to_string(scid & 0xffff);
}

Result<DecodedInvoice> decode(std::string_view text) {
  auto bech = bech32::decode(text, bech32::kNoLengthLimit);
  if (!bech) return fail("bolt11: " + bech.error());
  if (bech->encoding != bech32::Encoding::Bech32) return fail("bolt11: invoice uses bech32m instead of bech32");
  const std::string& hrp = bech->hrp;
  const Words& words = bech->data;

  DecodedInvoice out;
  Invoice& inv = out.invoice;

  if (hrp.size() < 2 || hrp.compare(0, 2, "ln") != 0) return fail("bolt11: HRP does not start with 'ln'");
  size_t amountStart = hrp.find_first_of("0123456789", 2);
  if (amountStart == std::string::npos) amountStart = hrp.size();
  auto network = networkOfCurrency(std::string_view(hrp).substr(2, amountStart - 2));
  if (!network) return fail("bolt11: unknown currency prefix '" + hrp.substr(0, amountStart) + "'");
  inv.network = *network;
  auto amount = parseAmount(std::string_view(hrp).substr(amountStart));
  if (!amount) return fail(amount.error());
  inv.amountMsat = *amount;

  if (words.size() < kTimestampWords + kSignatureWords) return fail("bolt11: data part too short");
  const size_t fieldsEnd = words.size() - kSignatureWords;
  inv.timestamp = wordsToUint(words, 0, kTimestampWords);

  bool seen[32] = {};
  size_t pos = kTimestampWords;
  while (pos < fieldsEnd) {
    if (fieldsEnd - pos < 3) return fail("bolt11: truncated tagged field");
    uint8_t type = words[pos];
    size_t len = static_cast<size_t>(words[pos + 1]) * 32 + words[pos + 2];
    size_t begin = pos + 3;
    if (fieldsEnd - begin < len) return fail("bolt11: tagged field runs past the signature");
    pos = begin + len;
    Words field(words.begin() + static_cast<std::ptrdiff_t>(begin), words.begin() + static_cast<std::ptrdiff_t>(pos));
    const char letter = kAlphabet[type];

    // Fixed-length fields of the wrong length are skipped, as the spec's example requires.
    switch (type) {
      case kPaymentHash:
      case kPaymentSecret:
      case kDescriptionHash:
        if (len != kHashWords) continue;
        break;
      case kPayee:
        if (len != kPubkeyWords) continue;
        break;
      case kRouteHint:
      case kFeatures:
      case kExpiry:
      case kFallback:
      case kDescription:
      case kMinFinalCltv:
      case kMetadata:
        break;
      default:
        continue;  // unknown field
    }
    // Repeats of single-valued fields are ignored: the first one counts ("SHOULD use the first p
    // field"; the spec's high-S example repeats `s`).
    if (type != kFallback && type != kRouteHint) {
      if (seen[type]) continue;
      seen[type] = true;
    }

    switch (type) {
      case kPaymentHash:
      case kPaymentSecret:
      case kDescriptionHash:
      case kDescription:
      case kMetadata: {
        auto bytes = bech32::fromWords(field);
        if (!bytes) return fail(std::string("bolt11: '") + letter + "' field has invalid padding");
        if (type == kPaymentHash) inv.paymentHash = std::move(*bytes);
        if (type == kPaymentSecret) inv.paymentSecret = std::move(*bytes);
        if (type == kDescriptionHash) inv.descriptionHash = std::move(*bytes);
        if (type == kDescription) inv.description = std::move(*bytes);
        if (type == kMetadata) inv.metadata = std::move(*bytes);
        break;
      }
      case kPayee: {
        auto bytes = bech32::fromWords(field);
        if (!bytes) return fail("bolt11: 'n' field has invalid padding");
        inv.payee = std::move(*bytes);
        break;
      }
      case kExpiry:
      case kMinFinalCltv: {
        if (len > 0 && field[0] == 0)
          return fail(std::string("bolt11: '") + letter + "' field is not minimally encoded");
        if (len > 12) return fail(std::string("bolt11: '") + letter + "' field too large");
        (type == kExpiry ? inv.expiry : inv.minFinalCltvExpiry) = wordsToUint(field, 0, len);
        break;
      }
      case kFeatures: {
        if (len > 0 && field[0] == 0) return fail("bolt11: '9' field is not minimally encoded");
        for (size_t i = 0; i < len; ++i) {
          for (int b = 0; b < 5; ++b) {
            if ((field[len - 1 - i] >> b) & 1) inv.features.push_back(static_cast<uint16_t>(i * 5 + b));
          }
        }
        for (uint16_t bit : inv.features) {
          if (bit % 2 == 0 &&
              std::find(kKnownEvenFeatures.begin(), kKnownEvenFeatures.end(), bit) == kKnownEvenFeatures.end())
            return fail("bolt11: unknown required feature bit " + std::to_string(bit));
        }
        break;
      }
      case kFallback: {
        if (len == 0) return fail("bolt11: empty 'f' field");
        if (field[0] > 18) continue;  // unknown version: skipped as the spec requires
        auto fb = parseFallback(field);
        if (!fb) return fail(fb.error());
        if (auto err = validateFallback(*fb); !err.empty()) return fail(err);
        inv.fallbacks.push_back(std::move(*fb));
        break;
      }
      case kRouteHint: {
        auto bytes = bech32::fromWords(field);
        if (!bytes) return fail("bolt11: 'r' field has invalid padding");
        auto route = parseRoute(*bytes);
        if (!route) return fail(route.error());
        inv.routeHints.push_back(std::move(*route));
        break;
      }
    }
    inv.fieldOrder.push_back(letter);
  }

  if (inv.paymentHash.empty()) return fail("bolt11: missing payment hash ('p')");
  if (inv.paymentSecret.empty()) return fail("bolt11: missing payment secret ('s')");
  if (inv.description.has_value() == inv.descriptionHash.has_value())
    return fail("bolt11: exactly one of description ('d') and description hash ('h') is required");

  Words sigWords(words.begin() + static_cast<std::ptrdiff_t>(fieldsEnd), words.end());
  std::string sig = *bech32::fromWords(sigWords);  // 520 bits: always whole bytes
  int recoveryId = static_cast<uint8_t>(sig[64]);
  if (recoveryId > 3) return fail("bolt11: invalid signature recovery id");
  out.signature = RecoverableSignature{sig.substr(0, 64), recoveryId};

  Words signedWords(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(fieldsEnd));
  out.signedData = signingData(hrp, signedWords);
  std::string digest = crypto::sha256(out.signedData);
  const Secp256k1& secp = Secp256k1::shared();

  // A valid `n` decides; an `n` that is no curve point is treated as absent (spec: "if a valid
  // n field is provided").
  if (inv.payee && !secp.parsePublicKey(*inv.payee)) {
    inv.payee.reset();
    inv.fieldOrder.erase(inv.fieldOrder.find('n'), 1);
  }
  if (inv.payee) {
    if (!secp.isLowS(out.signature.compact)) return fail("bolt11: high-S signature with an 'n' field");
    if (!secp.verify(digest, out.signature.compact, *inv.payee))
      return fail("bolt11: signature does not match the payee ('n')");
    out.payee = *inv.payee;
  } else {
    auto recovered = secp.recoverPublicKey(digest, out.signature.compact, recoveryId);
    if (!recovered) return fail("bolt11: signature is not recoverable");
    out.payee = std::move(*recovered);
  }
  return out;
}

Result<std::string> encode(const Invoice& inv, std::string_view secretKey) {
  const Secp256k1& secp = Secp256k1::shared();
  auto nodeKey = secp.publicKey(secretKey);
  if (!nodeKey) return fail("bolt11: invalid secret key");
  if (inv.payee && *inv.payee != *nodeKey) return fail("bolt11: payee ('n') is not the signing key");
  if (inv.paymentHash.size() != 32) return fail("bolt11: payment hash must be 32 bytes");
  if (inv.paymentSecret.size() != 32) return fail("bolt11: payment secret must be 32 bytes");
  if (inv.description.has_value() == inv.descriptionHash.has_value())
    return fail("bolt11: exactly one of description and description hash is required");
  if (inv.description && !isValidUtf8(*inv.description)) return fail("bolt11: description is not valid UTF-8");
  if (inv.descriptionHash && inv.descriptionHash->size() != 32)
    return fail("bolt11: description hash must be 32 bytes");
  if (inv.timestamp > kMaxTimestamp) return fail("bolt11: timestamp does not fit in 35 bits");
  if (inv.amountMsat && *inv.amountMsat == 0) return fail("bolt11: amount must be positive");
  for (const auto& f : inv.fallbacks)
    if (auto err = validateFallback(f); !err.empty()) return fail(err);
  for (uint16_t bit : inv.features)
    if (bit >= kMaxFieldWords * 5) return fail("bolt11: feature bit out of range");
  for (const auto& route : inv.routeHints) {
    if (route.empty()) return fail("bolt11: empty route hint");
    for (const auto& hop : route)
      if (hop.pubkey.size() != 33) return fail("bolt11: route hint pubkey must be 33 bytes");
  }

  Words words = uintToWords(inv.timestamp);
  words.insert(words.begin(), kTimestampWords - words.size(), 0);

  bool overflow = false;
  auto addField = [&](uint8_t type, const Words& data) {
    if (data.size() > kMaxFieldWords) {
      overflow = true;
      return;
    }
    words.push_back(type);
    words.push_back(static_cast<uint8_t>(data.size() >> 5));
    words.push_back(static_cast<uint8_t>(data.size() & 31));
    words.insert(words.end(), data.begin(), data.end());
  };

  size_t nextFallback = 0;
  size_t nextRoute = 0;
  bool written[32] = {};
  // Writes the next field of that letter not yet written; false when there is none.
  auto writeNext = [&](char letter) -> bool {
    int type = tagOfLetter(letter);
    if (type < 0) return false;
    if (type == kFallback) {
      if (nextFallback >= inv.fallbacks.size()) return false;
      const Fallback& f = inv.fallbacks[nextFallback++];
      Words data{f.version};
      Words program = bech32::toWords(f.program);
      data.insert(data.end(), program.begin(), program.end());
      addField(kFallback, data);
      return true;
    }
    if (type == kRouteHint) {
      if (nextRoute >= inv.routeHints.size()) return false;
      std::string bytes;
      for (const RouteHop& hop : inv.routeHints[nextRoute++]) {
        bytes += hop.pubkey;
        writeBigEndian(bytes, hop.shortChannelId, 8);
        writeBigEndian(bytes, hop.feeBaseMsat, 4);
        writeBigEndian(bytes, hop.feeProportionalMillionths, 4);
        writeBigEndian(bytes, hop.cltvExpiryDelta, 2);
      }
      addField(kRouteHint, bech32::toWords(bytes));
      return true;
    }
    if (written[type]) return false;
    switch (type) {
      case kPaymentHash: addField(kPaymentHash, bech32::toWords(inv.paymentHash)); break;
      case kPaymentSecret: addField(kPaymentSecret, bech32::toWords(inv.paymentSecret)); break;
      case kDescription:
        if (!inv.description) return false;
        addField(kDescription, bech32::toWords(*inv.description));
        break;
      case kDescriptionHash:
        if (!inv.descriptionHash) return false;
        addField(kDescriptionHash, bech32::toWords(*inv.descriptionHash));
        break;
      case kPayee:
        if (!inv.payee) return false;
        addField(kPayee, bech32::toWords(*inv.payee));
        break;
      case kExpiry:
        if (!inv.expiry) return false;
        addField(kExpiry, uintToWords(*inv.expiry));
        break;
      case kMinFinalCltv:
        if (!inv.minFinalCltvExpiry) return false;
        addField(kMinFinalCltv, uintToWords(*inv.minFinalCltvExpiry));
        break;
      case kMetadata:
        if (!inv.metadata) return false;
        addField(kMetadata, bech32::toWords(*inv.metadata));
        break;
      case kFeatures:
        if (inv.features.empty()) return false;
        addField(kFeatures, featureWords(inv.features));
        break;
      default: return false;
    }
    written[type] = true;
    return true;
  };

  for (char letter : inv.fieldOrder) {
    if (std::string_view(kDefaultOrder).find(letter) == std::string_view::npos)
      return fail(std::string("bolt11: unknown field letter '") + letter + "' in fieldOrder");
    writeNext(letter);
  }
  for (char letter : std::string_view(kDefaultOrder))
    while (writeNext(letter)) {
    }
  if (overflow) return fail("bolt11: a tagged field is longer than 1023 words");

  std::string hrp = "ln" + std::string(bolt11Currency(inv.network));
  if (inv.amountMsat) hrp += formatAmount(*inv.amountMsat);

  auto sig = secp.signRecoverable(crypto::sha256(signingData(hrp, words)), secretKey);
  if (!sig) return fail("bolt11: signing failed");
  std::string sigBytes = sig->compact;
  sigBytes.push_back(static_cast<char>(sig->recoveryId));
  Words sigWords = bech32::toWords(sigBytes);
  words.insert(words.end(), sigWords.begin(), sigWords.end());
  return bech32::encode(hrp, words, bech32::Encoding::Bech32);
}

}  // namespace turnpike::payments::lightning
