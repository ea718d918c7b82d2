#include "onchain/plugin_config.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

#include "common/config_section.hpp"

namespace turnpike::payments::onchain {

using nlohmann::json;

const char* const kConfigSchema = R"json({
  "xpub": {"type": "string", "required": true, "secret": true,
           "doc": "account-level extended public key (xpub, zpub, tpub or vpub) of a BIP84 wallet; addresses are its /0/i children as P2WPKH"},
  "network": {"type": "string", "doc": "mainnet | testnet | signet | regtest (default: the key's own network)"},
  "esplora_url": {"type": "string", "required": true, "doc": "Esplora API root, e.g. https://blockstream.info/api"},
  "esplora_token": {"type": "string", "secret": true, "doc": "sent as Authorization: Bearer <token> when set"},
  "esplora_timeout_ms": {"type": "integer", "default": 10000, "doc": "longest one Esplora request may take"},
  "confirmations": {"type": "integer", "default": 1, "doc": "confirmations before a payment is credited; 0 credits unconfirmed outputs"},
  "poll_interval_ms": {"type": "integer", "default": 10000, "doc": "first delay between looks at an address; doubles while nothing changes"},
  "max_poll_interval_ms": {"type": "integer", "doc": "ceiling of that delay, and of the retry delay while Esplora fails (600000, at least poll_interval_ms)"},
  "underpayment_tolerance": {"type": "number", "default": 0, "doc": "fraction of the amount that may be missing and the top-up still counts as paid"},
  "gap_limit": {"type": "integer", "default": 20, "doc": "most unused addresses handed out past the last used one (the wallet's gap limit)"},
  "expiry_seconds": {"type": "integer", "default": 3600, "doc": "how long a top-up's address is offered"},
  "watch_after_expiry_seconds": {"type": "integer", "default": 86400, "doc": "how long an address is still watched after expiry for late payments"},
  "label": {"type": "string", "default": "Turnpike top-up {topup_id}", "doc": "BIP21 label; {topup_id} is replaced"},
  "topup": {"type": "object", "doc": "min_sats (10000), max_sats (100000000)"}
})json";

namespace {

constexpr int64_t kMaxSeconds = 10LL * 365 * 86'400;
constexpr int64_t kMaxSats = 21'000'000LL * 100'000'000;

[[noreturn]] void bad(const std::string& key, const std::string& problem) { configError("onchain", key, problem); }

}  // namespace

PluginConfig PluginConfig::parse(std::string_view text) {
  json root = json::parse(text.empty() ? std::string_view("{}") : text, nullptr, false);
  if (root.is_discarded()) throw std::invalid_argument("onchain config: not valid JSON");
  ConfigSection top(root, "onchain");
  PluginConfig c;

  auto xpub = top.string("xpub");
  if (!xpub || xpub->empty()) bad("xpub", "required: the account's extended public key (xpub, zpub, tpub or vpub)");
  // The parser's messages never quote the key, so they are safe to show.
  auto key = parseExtendedPublicKey(*xpub);
  if (!key) bad("xpub", key.error());
  if (key->scriptType == ScriptType::P2SH_P2WPKH)
    bad("xpub",
        "a ypub/upub describes a nested segwit account; give the BIP84 account key (zpub or vpub, or its xpub/tpub form)");
  c.account = *key;
  // Whatever the version says, receive addresses are native segwit (BIP84).
  c.account.scriptType = ScriptType::P2WPKH;

  if (auto network = top.string("network")) {
    auto parsed = parseNetworkName(*network);
    if (!parsed) bad("network", "expected mainnet, testnet, signet or regtest, got '" + *network + "'");
    c.network = *parsed;
  } else {
    c.network = key->network == Network::Mainnet ? Network::Mainnet : Network::Testnet;
  }
  if (auto first = deriveAddress(c.account, 0, 0, c.network); !first) bad("network", first.error());

  auto url = top.string("esplora_url");
  if (!url || url->empty()) bad("esplora_url", "required: the Esplora API root, e.g. https://blockstream.info/api");
  if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0)
    bad("esplora_url", "must start with http:// or https://");
  while (!url->empty() && url->back() == '/') url->pop_back();
  c.esplora.url = *url;
  c.esplora.token = top.string("esplora_token").value_or("");
  c.esplora.timeoutMs = static_cast<uint32_t>(top.integer("esplora_timeout_ms", 10'000, 100, 120'000));

  c.confirmations = static_cast<uint32_t>(top.integer("confirmations", 1, 0, 1'000));
  c.pollIntervalMs = top.integer("poll_interval_ms", 10'000, 10, 3'600'000);
  c.maxPollIntervalMs =
      top.integer("max_poll_interval_ms", std::max<int64_t>(600'000, c.pollIntervalMs), c.pollIntervalMs, 86'400'000);
  c.underpaymentTolerance = top.number("underpayment_tolerance", 0, 0, 0.99);
  c.gapLimit = static_cast<uint32_t>(top.integer("gap_limit", 20, 1, 100'000));
  c.expirySeconds = top.integer("expiry_seconds", 3'600, 1, kMaxSeconds);
  c.watchAfterExpirySeconds = top.integer("watch_after_expiry_seconds", 86'400, 0, kMaxSeconds);
  if (auto label = top.string("label")) c.label = *label;
  if (c.label.size() > 200) bad("label", "at most 200 characters");

  ConfigSection topup = top.child("topup");
  int64_t minSats = topup.integer("min_sats", 10'000, 1, kMaxSats);
  int64_t maxSats = topup.integer("max_sats", 100'000'000, 1, kMaxSats);
  if (minSats > maxSats) bad("topup.min_sats", "is larger than topup.max_sats");
  c.topupMinMsat = static_cast<uint64_t>(minSats) * 1000;
  c.topupMaxMsat = static_cast<uint64_t>(maxSats) * 1000;
  topup.finish();
  top.finish();
  return c;
}

}  // namespace turnpike::payments::onchain
