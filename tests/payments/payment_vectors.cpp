// Command-line bridge between the payment protocol libraries and third-party implementations
// (tests/clients/payments.test.mjs drives it with the npm packages bolt11, macaroon and stripe).
//
//   payment_vectors generate                                   invoices and macaroons made here, as JSON
//   payment_vectors decode-invoice <bolt11>                     our decoding of someone else's invoice
//   payment_vectors verify-macaroon <base64> <root key hex>    signature check and contents
//   payment_vectors verify-l402 <authorization> <root key hex> <service> <now>
//   payment_vectors verify-stripe <secret> <header> <now> <payload>
//   payment_vectors sign-stripe <secret> <timestamp> <payload>  a Stripe-Signature header
//
// Every command prints one JSON object. Exit status: 0 when the input was accepted, 1 when it
// was refused (the JSON says why), 2 on a usage error.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <turnpike/encoding.hpp>
#include <vector>

#include "common/crypto.hpp"
#include "common/secp256k1.hpp"
#include "lightning/bolt11.hpp"
#include "lightning/l402.hpp"
#include "lightning/macaroon.hpp"
#include "stripe/webhook_signature.hpp"

namespace {

using nlohmann::json;
using namespace turnpike::payments;
using namespace turnpike::payments::lightning;
namespace encoding = turnpike::sdk::encoding;

std::string hex(std::string_view bytes) { return encoding::hexEncode(bytes); }

// Fixed keys so that the output is the same on every run.
const std::string kNodeKey = crypto::sha256("turnpike payment vectors node key");
const std::string kMacaroonRootKey = crypto::sha256("turnpike payment vectors root key");

json invoiceJson(const std::string& text, const DecodedInvoice& d) {
  const Invoice& inv = d.invoice;
  json j = {{"invoice", text},
            {"network", networkName(inv.network)},
            {"amount_msat", inv.amountMsat ? json(*inv.amountMsat) : json(nullptr)},
            {"timestamp", inv.timestamp},
            {"payment_hash", hex(inv.paymentHash)},
            {"payment_secret", hex(inv.paymentSecret)},
            {"expiry", inv.expirySeconds()},
            {"min_final_cltv_expiry", inv.minFinalCltv()},
            {"features", inv.features},
            {"payee", hex(d.payee)},
            {"has_payee_field", inv.payee.has_value()}};
  if (inv.description) j["description"] = *inv.description;
  if (inv.descriptionHash) j["description_hash"] = hex(*inv.descriptionHash);
  json fallbacks = json::array();
  for (const auto& f : inv.fallbacks) fallbacks.push_back({{"version", f.version}, {"program", hex(f.program)}});
  j["fallbacks"] = fallbacks;
  json routes = json::array();
  for (const auto& route : inv.routeHints) {
    json hops = json::array();
    for (const auto& h : route)
      hops.push_back({{"pubkey", hex(h.pubkey)},
                      {"short_channel_id", formatShortChannelId(h.shortChannelId)},
                      {"fee_base_msat", h.feeBaseMsat},
                      {"fee_proportional_millionths", h.feeProportionalMillionths},
                      {"cltv_expiry_delta", h.cltvExpiryDelta}});
    routes.push_back(hops);
  }
  j["route_hints"] = routes;
  return j;
}

std::vector<Invoice> sampleInvoices() {
  std::vector<Invoice> out;
  Invoice a;
  a.network = Network::Mainnet;
  a.amountMsat = 250'000'000;
  a.timestamp = 1'700'000'000;
  a.paymentHash = crypto::sha256("preimage a");
  a.paymentSecret = crypto::sha256("secret a");
  a.description = "Turnpike: 1 chat completion ☕";
  a.expiry = 600;
  a.minFinalCltvExpiry = 40;
  a.features = {8, 14, 17};
  out.push_back(a);

  Invoice b;
  b.network = Network::Testnet;
  b.amountMsat = 1;  // one msat: the pico multiplier
  b.timestamp = 1'700'000'100;
  b.paymentHash = crypto::sha256("preimage b");
  b.paymentSecret = crypto::sha256("secret b");
  b.descriptionHash = crypto::sha256("a long terms-of-service text");
  b.fallbacks = {{0, *encoding::hexDecode("751e76e8199196d454941c45d1b3a323f1433bd6")}};
  b.features = {8, 14};
  out.push_back(b);

  Invoice c;
  c.network = Network::Regtest;
  c.amountMsat = 123'456'789'000;
  c.timestamp = 1'700'000'200;
  c.paymentHash = crypto::sha256("preimage c");
  c.paymentSecret = crypto::sha256("secret c");
  c.description = "regtest with a private route";
  c.payee = Secp256k1::shared().publicKey(kNodeKey);
  c.routeHints = {{{*encoding::hexDecode("029e03a901b85534ff1e92c43c74431f7ce72046060fcf7a95c37e148f78c77255"),
                    (uint64_t{66051} << 40) | (uint64_t{263430} << 16) | 1800, 1, 20, 3}}};
  c.features = {8, 14};
  out.push_back(c);

  Invoice d;  // no amount, signet
  d.network = Network::Signet;
  d.timestamp = 1'700'000'300;
  d.paymentHash = crypto::sha256("preimage d");
  d.paymentSecret = crypto::sha256("secret d");
  d.description = "";
  out.push_back(d);
  return out;
}

json macaroonJson(const Macaroon& m, std::string_view rootKey) {
  return {{"root_key", hex(rootKey)},
          {"identifier", hex(m.identifier())},
          {"location", m.location()},
          {"caveats", m.firstPartyCaveats()},
          {"signature", hex(m.signature())},
          {"base64", encoding::base64Encode(m.serialize())},
          {"base64url", encoding::base64UrlEncode(m.serialize())}};
}

int generate() {
  json invoices = json::array();
  for (const Invoice& inv : sampleInvoices()) {
    auto text = encode(inv, kNodeKey);
    if (!text) throw std::runtime_error(text.error());
    auto decoded = decode(*text);
    if (!decoded) throw std::runtime_error(decoded.error());
    invoices.push_back(invoiceJson(*text, *decoded));
  }

  json macaroons = json::array();
  // libmacaroons' caveat_v2_4 vector, and an L402 token as the gateway mints it.
  Macaroon vector = Macaroon::mint("this is the key", "keyid", "http://example.org/");
  vector.addFirstPartyCaveat("account = 3735928559");
  vector.addFirstPartyCaveat("user = alice");
  macaroons.push_back(macaroonJson(vector, "this is the key"));
  l402::Identifier id{0, crypto::sha256(crypto::sha256("l402 preimage")), crypto::sha256("token id")};
  Macaroon token = l402::mintMacaroon(kMacaroonRootKey, id,
                                      {l402::servicesCaveat({{"chat", 0}}),
                                       l402::capabilitiesCaveat("chat", "completions"),
                                       l402::validUntilCaveat("chat", 1'700'003'600)});
  json tokenJson = macaroonJson(token, kMacaroonRootKey);
  tokenJson["preimage"] = hex(crypto::sha256("l402 preimage"));
  tokenJson["payment_hash"] = hex(id.paymentHash);
  tokenJson["token_id"] = hex(id.tokenId);
  tokenJson["challenge"] = l402::challenge(l402::Scheme::L402, token, invoices[0]["invoice"].get<std::string>());
  macaroons.push_back(tokenJson);

  std::cout << json{{"node_pubkey", hex(*Secp256k1::shared().publicKey(kNodeKey))},
                    {"invoices", invoices},
                    {"macaroons", macaroons}}
                   .dump(2)
            << "\n";
  return 0;
}

int refuse(json out, std::string reason) {
  out["valid"] = false;
  out["reason"] = std::move(reason);
  std::cout << out.dump() << "\n";
  return 1;
}

int decodeInvoice(const std::string& text) {
  auto d = decode(text);
  if (!d) return refuse(json::object(), d.error());
  json out = invoiceJson(text, *d);
  out["valid"] = true;
  std::cout << out.dump() << "\n";
  return 0;
}

// Accepts the macaroon in any base64 form, as an L402 client may send it.
std::optional<std::string> anyBase64(std::string text) {
  if (auto b = encoding::base64Decode(text)) return b;
  while (!text.empty() && text.back() == '=') text.pop_back();
  return encoding::base64UrlDecode(text);
}

int verifyMacaroon(const std::string& text, const std::string& rootKeyHex) {
  auto rootKey = encoding::hexDecode(rootKeyHex);
  auto bytes = anyBase64(text);
  if (!rootKey || !bytes) return refuse(json::object(), "bad hex or base64 argument");
  auto m = Macaroon::deserialize(*bytes);
  if (!m) return refuse(json::object(), m.error());
  json out = {{"identifier", hex(m->identifier())},
              {"location", m->location()},
              {"caveats", m->firstPartyCaveats()},
              {"signature", hex(m->signature())}};
  if (!m->verifySignature(*rootKey)) return refuse(out, "signature does not verify");
  out["valid"] = true;
  std::cout << out.dump() << "\n";
  return 0;
}

int verifyL402(const std::string& authorization, const std::string& rootKeyHex, const std::string& service,
               const std::string& now) {
  auto rootKey = encoding::hexDecode(rootKeyHex);
  if (!rootKey) return refuse(json::object(), "bad root key hex");
  auto v = l402::verifyAuthorization(
      authorization, [&](const l402::Identifier&) { return std::optional<std::string>(*rootKey); },
      l402::VerifyParams{service, std::stoll(now), ""});
  json out = {{"error", l402::verifyErrorName(v.error)}, {"payment_hash", hex(v.identifier.paymentHash)}};
  if (!v.ok()) return refuse(out, v.reason);
  out["valid"] = true;
  std::cout << out.dump() << "\n";
  return 0;
}

int verifyStripe(const std::string& secret, const std::string& header, const std::string& now,
                 const std::string& payload) {
  auto r = stripe::verifyWebhook(payload, header, secret, std::stoll(now));
  if (!r) return refuse(json::object(), r.error());
  std::cout << json{{"valid", true}, {"timestamp", *r}}.dump() << "\n";
  return 0;
}

int signStripe(const std::string& secret, const std::string& timestamp, const std::string& payload) {
  int64_t t = std::stoll(timestamp);
  std::cout << json{{"header", "t=" + timestamp + ",v1=" + stripe::computeSignature(secret, t, payload)}}.dump()
            << "\n";
  return 0;
}

int usage() {
  std::cerr << "usage: payment_vectors generate | decode-invoice <bolt11> | verify-macaroon <base64> <root key hex> |\n"
               "       verify-l402 <authorization> <root key hex> <service> <now> |\n"
               "       verify-stripe <secret> <header> <now> <payload> | sign-stripe <secret> <timestamp> <payload>\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage();
  const std::string& cmd = args[0];
  try {
    if (cmd == "generate" && args.size() == 1) return generate();
    if (cmd == "decode-invoice" && args.size() == 2) return decodeInvoice(args[1]);
    if (cmd == "verify-macaroon" && args.size() == 3) return verifyMacaroon(args[1], args[2]);
    if (cmd == "verify-l402" && args.size() == 5) return verifyL402(args[1], args[2], args[3], args[4]);
    if (cmd == "verify-stripe" && args.size() == 5) return verifyStripe(args[1], args[2], args[3], args[4]);
    if (cmd == "sign-stripe" && args.size() == 4) return signStripe(args[1], args[2], args[3]);
  } catch (const std::exception& e) {  // a malformed number argument, or a bug
    std::cerr << "payment_vectors: " << e.what() << "\n";
    return 2;
  }
  return usage();
}
