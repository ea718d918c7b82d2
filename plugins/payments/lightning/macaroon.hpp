// Macaroons in libmacaroons' V2 binary format (what L402 and Aperture exchange), with the HMAC
// chain of go-macaroon/libmacaroons. Only first-party caveats can be added; third-party caveats
// survive a parse/serialize round trip but never verify (no discharge support).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace turnpike::payments::lightning {

struct MacaroonCaveat {
  std::string id;              // the predicate, for first-party caveats
  std::string verificationId;  // empty for first-party caveats
  std::string location;        // empty for first-party caveats
  bool isFirstParty() const { return verificationId.empty(); }
};

class Macaroon {
 public:
  // sig = HMAC-SHA256(k, identifier), k = HMAC-SHA256("macaroons-key-generator", rootKey).
  static Macaroon mint(std::string_view rootKey, std::string_view identifier, std::string_view location);
  // V2 binary: 0x02, then type/length/data fields, sections closed by 0x00 (see PAYMENTS.md §2).
  static Result<Macaroon> deserialize(std::string_view bytes);

  // sig = HMAC-SHA256(sig, predicate).
  void addFirstPartyCaveat(std::string_view predicate);

  std::string serialize() const;
  // Recomputes the chain from the root key and compares in constant time. False when a
  // third-party caveat is present.
  bool verifySignature(std::string_view rootKey) const;

  const std::string& location() const { return location_; }
  const std::string& identifier() const { return identifier_; }
  const std::string& signature() const { return signature_; }  // 32 bytes
  const std::vector<MacaroonCaveat>& caveats() const { return caveats_; }
  // The predicates of the first-party caveats, in order.
  std::vector<std::string> firstPartyCaveats() const;
  bool hasThirdPartyCaveats() const;

 private:
  std::string location_;
  std::string identifier_;
  std::string signature_;
  std::vector<MacaroonCaveat> caveats_;
};

}  // namespace turnpike::payments::lightning
