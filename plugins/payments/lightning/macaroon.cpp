#include "lightning/macaroon.hpp"

#include <cstdint>

#include "common/crypto.hpp"

namespace turnpike::payments::lightning {

namespace {

enum Field : uint32_t { kEos = 0, kLocation = 1, kIdentifier = 2, kVerificationId = 4, kSignature = 6 };

constexpr uint8_t kVersion2 = 2;
constexpr size_t kSignatureSize = 32;

std::string derivedKey(std::string_view rootKey) { return crypto::hmacSha256("macaroons-key-generator", rootKey); }

void appendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void appendField(std::string& out, Field type, std::string_view data) {
  appendVarint(out, type);
  appendVarint(out, data.size());
  out.append(data);
}

struct Packet {
  uint32_t type;
  std::string_view data;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool atEnd() const { return pos_ == in_.size(); }

  // Unsigned LEB128 as go-macaroon reads it, limited to 31 bits.
  Result<uint32_t> varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (pos_ >= in_.size()) return fail("macaroon: varint runs past the end");
      auto b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (v > 0x7fffffff) return fail("macaroon: varint out of range");
        return static_cast<uint32_t>(v);
      }
    }
    return fail("macaroon: varint too long");
  }

  Result<Packet> packet() {
    auto type = varint();
    if (!type) return fail(type.error());
    if (*type == kEos) return Packet{kEos, {}};
    auto len = varint();
    if (!len) return fail(len.error());
    if (*len > in_.size() - pos_) return fail("macaroon: field runs past the end");
    Packet p{*type, in_.substr(pos_, *len)};
    pos_ += *len;
    return p;
  }

  // Fields up to the next EOS, in strictly increasing type order.
  Result<std::vector<Packet>> section() {
    std::vector<Packet> out;
    while (true) {
      if (atEnd()) return fail("macaroon: section runs past the end");
      auto p = packet();
      if (!p) return fail(p.error());
      if (p->type == kEos) return out;
      if (!out.empty() && p->type <= out.back().type) return fail("macaroon: fields out of order");
      out.push_back(*p);
    }
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

Macaroon Macaroon::mint(std::string_view rootKey, std::string_view identifier, std::string_view location) {
  Macaroon m;
  m.location_ = location;
  m.identifier_ = identifier;
  m.signature_ = crypto::hmacSha256(derivedKey(rootKey), identifier);
  return m;
}

void Macaroon::addFirstPartyCaveat(std::string_view predicate) {
  caveats_.push_back(MacaroonCaveat{std::string(predicate), {}, {}});
  signature_ = crypto::hmacSha256(signature_, predicate);
}

std::vector<std::string> Macaroon::firstPartyCaveats() const {
  std::vector<std::string> out;
  for (const auto& c : caveats_)
    if (c.isFirstParty()) out.push_back(c.id);
  return out;
}

bool Macaroon::hasThirdPartyCaveats() const {
  for (const auto& c : caveats_)
    if (!c.isFirstParty()) return true;
  return false;
}

bool Macaroon::verifySignature(std::string_view rootKey) const {
  if (hasThirdPartyCaveats()) return false;
  std::string sig = crypto::hmacSha256(derivedKey(rootKey), identifier_);
  for (const auto& c : caveats_) sig = crypto::hmacSha256(sig, c.id);
  return crypto::constantTimeEquals(sig, signature_);
}

std::string Macaroon::serialize() const {
  std::string out(1, static_cast<char>(kVersion2));
  if (!location_.empty()) appendField(out, kLocation, location_);
  appendField(out, kIdentifier, identifier_);
  out.push_back(kEos);
  for (const auto& c : caveats_) {
    if (!c.location.empty()) appendField(out, kLocation, c.location);
    appendField(out, kIdentifier, c.id);
    if (!c.verificationId.empty()) appendField(out, kVerificationId, c.verificationId);
    out.push_back(kEos);
  }
  out.push_back(kEos);
  appendField(out, kSignature, signature_);
  return out;
}

Result<Macaroon> Macaroon::deserialize(std::string_view bytes) {
  if (bytes.empty()) return fail("macaroon: empty input");
  if (static_cast<uint8_t>(bytes[0]) != kVersion2) return fail("macaroon: not a V2 binary macaroon");
  Reader r(bytes.substr(1));
  Macaroon m;

  auto header = r.section();
  if (!header) return fail(header.error());
  size_t i = 0;
  if (i < header->size() && (*header)[i].type == kLocation) m.location_ = (*header)[i++].data;
  if (i >= header->size() || (*header)[i].type != kIdentifier) return fail("macaroon: header has no identifier");
  m.identifier_ = (*header)[i++].data;
  if (i != header->size()) return fail("macaroon: unexpected field in header");

  while (true) {
    auto section = r.section();
    if (!section) return fail(section.error());
    if (section->empty()) break;  // the EOS that ends the caveats
    MacaroonCaveat c;
    size_t k = 0;
    if ((*section)[k].type == kLocation) c.location = (*section)[k++].data;
    if (k >= section->size() || (*section)[k].type != kIdentifier) return fail("macaroon: caveat has no identifier");
    c.id = (*section)[k++].data;
    if (k < section->size() && (*section)[k].type == kVerificationId) c.verificationId = (*section)[k++].data;
    if (k != section->size()) return fail("macaroon: unexpected field in caveat");
    if (c.verificationId.empty() && !c.location.empty())
      return fail("macaroon: location not allowed in a first-party caveat");
    m.caveats_.push_back(std::move(c));
  }

  auto sig = r.packet();
  if (!sig) return fail(sig.error());
  if (sig->type != kSignature) return fail("macaroon: expected the signature");
  if (sig->data.size() != kSignatureSize) return fail("macaroon: signature must be 32 bytes");
  m.signature_ = sig->data;
  if (!r.atEnd()) return fail("macaroon: trailing bytes after the signature");
  return m;
}

}  // namespace turnpike::payments::lightning
