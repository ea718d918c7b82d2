// Drives liblightning.so (dev backend) for the node cross-checks in
// tests/clients/lightning_plugin.test.mjs, keeping the plugin state in a JSON file between runs:
//
//   lightning_challenge challenge <state.json> <amount_msat> <path>
//     -> {"challenge": <on_challenge reply>, "preimage": "<hex, paid by the dev wallet>",
//         "root_key": "<hex>", "node_pubkey": "<hex>"}
//   lightning_challenge authorize <state.json> <authorization> <path>
//     -> <on_authorize reply>
//
// Exit status 0 on success, 2 on a usage or plugin error (message on stderr).
#include <fstream>
#include <iostream>
#include <sstream>

#include <turnpike/encoding.hpp>

#include "common/crypto.hpp"
#include "common/secp256k1.hpp"
#include "lightning/macaroon.hpp"
#include "plugin_harness.hpp"

namespace {

using namespace turnpike::lightning_test;
namespace ln = turnpike::payments::lightning;
namespace encoding = turnpike::sdk::encoding;

void loadState(TestHost& host, const std::string& path) {
  std::ifstream in(path);
  if (!in) return;
  std::stringstream text;
  text << in.rdbuf();
  json state = json::parse(text.str());
  for (const auto& [key, value] : state.items()) host.statePut(key, value.get<std::string>());
}

void saveState(const TestHost& host, const std::string& path) {
  json state = json::object();
  for (const auto& key : host.stateKeys("")) state[key] = *host.stateGet(key);
  std::ofstream(path) << state.dump();
}

int challenge(const std::string& statePath, uint64_t amountMsat, const std::string& path) {
  TestHost host;
  loadState(host, statePath);
  LightningPlugin plugin(host, devConfig());
  auto c = plugin.challenge(json{{"amount_msat", amountMsat}, {"path", path}, {"description", "node cross-check"}});
  if (!c.ok) throw std::runtime_error(c.error);
  json paid = plugin.devPay(c.body["payment"]["payment_request"]);
  if (paid["status"] != 200) throw std::runtime_error("dev wallet: " + paid.dump());

  auto mac = ln::Macaroon::deserialize(*encoding::base64Decode(c.body["payment"]["macaroon"].get<std::string>()));
  // Root keys are HMAC-SHA256(l402:root_secret, identifier) (root_keys.hpp), stated here again.
  auto secret = encoding::hexDecode(*host.stateGet("l402:root_secret"));
  std::string rootKey = encoding::hexEncode(turnpike::payments::crypto::hmacSha256(*secret, mac->identifier()));
  auto nodeKey = encoding::hexDecode(*host.stateGet("dev:node_key"));
  std::string pubkey = encoding::hexEncode(*turnpike::payments::Secp256k1::shared().publicKey(*nodeKey));
  saveState(host, statePath);
  std::cout << json{{"challenge", c.body}, {"preimage", paid["body"]["preimage"]}, {"root_key", rootKey},
                    {"node_pubkey", pubkey}}
                   .dump()
            << "\n";
  return 0;
}

int authorize(const std::string& statePath, const std::string& authorization, const std::string& path) {
  TestHost host;
  loadState(host, statePath);
  LightningPlugin plugin(host, devConfig());
  auto r = plugin.authorize(json{{"authorization", authorization}, {"path", path}});
  if (!r.ok) throw std::runtime_error(r.error);
  std::cout << r.body.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string command = argc > 1 ? argv[1] : "";
    if (command == "challenge" && argc == 5) return challenge(argv[2], std::stoull(argv[3]), argv[4]);
    if (command == "authorize" && argc == 5) return authorize(argv[2], argv[3], argv[4]);
    std::cerr << "usage: lightning_challenge challenge <state.json> <amount_msat> <path>\n"
                 "       lightning_challenge authorize <state.json> <authorization> <path>\n";
  } catch (const std::exception& e) {
    std::cerr << "lightning_challenge: " << e.what() << "\n";
  }
  return 2;
}
