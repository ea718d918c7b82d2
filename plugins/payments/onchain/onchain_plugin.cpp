// onchain: the on-chain Bitcoin payment method. Each top-up gets its own receive address derived
// from the operator's account key (no private key ever reaches the gateway), offered as a BIP21
// URI; an Esplora watcher reports each output paying it, credited once confirmed.
#include <turnpike/plugin.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "common/clock.hpp"
#include "common/json_fields.hpp"
#include "onchain/address_pool.hpp"
#include "onchain/address_watcher.hpp"
#include "onchain/bip21.hpp"
#include "onchain/esplora_client.hpp"
#include "onchain/plugin_config.hpp"
#include "onchain/watch_store.hpp"

namespace turnpike::payments::onchain {

namespace {

using nlohmann::json;

std::string replaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

class OnchainPayments final : public sdk::PaymentMethod {
 public:
  OnchainPayments(sdk::Host host, std::string_view configJson)
      : host_(host),
        config_(PluginConfig::parse(configJson)),
        esplora_(host, config_.esplora, config_.network),
        pool_(host, config_, esplora_),
        store_(host),
        watcher_(host, config_, esplora_, store_, pool_) {
    // BIP84 account keys sit at depth 3 (m/84'/coin'/account').
    if (config_.account.depth != 3)
      host_.warn("the xpub is at depth " + std::to_string(config_.account.depth) +
                 ", not an account key (depth 3): make sure the wallet watches <key>/0/i as native segwit");
    if (config_.confirmations == 0)
      host_.warn("confirmations is 0: unconfirmed payments are credited and can be double spent");
  }

  std::string describe() override {
    // USD is converted to msat by the core (billing.rates.usd_per_btc) before it reaches the plugin.
    return json{{"currencies", {"SATS", "BTC", "USD"}},
                {"min_msat", config_.topupMinMsat},
                {"max_msat", config_.topupMaxMsat},
                {"confirmation", "onchain"},
                {"confirmations", config_.confirmations},
                {"network", networkName(config_.network)},
                {"underpayment_tolerance", config_.underpaymentTolerance},
                {"l402", false}}
        .dump();
  }

  std::string topupCreate(std::string_view topupJson) override {
    json topup = parseObject(topupJson, "topup");
    std::string topupId = stringField(topup, "topup_id");
    if (topupId.empty()) throw std::invalid_argument("topup: topup_id is required");
    uint64_t amountMsat = amountMsatField(topup, "topup");
    if (amountMsat < config_.topupMinMsat || amountMsat > config_.topupMaxMsat)
      throw std::invalid_argument("topup: amount_msat must be between " + std::to_string(config_.topupMinMsat) +
                                  " and " + std::to_string(config_.topupMaxMsat));
    int64_t now = nowMs();
    int64_t expiresAt = now + config_.expirySeconds * 1000;
    if (auto e = topup.find("expires_at"); e != topup.end() && e->is_number_integer()) {
      if (e->get<int64_t>() <= now) throw std::invalid_argument("topup: expires_at is not in the future");
      expiresAt = std::min(expiresAt, e->get<int64_t>());
    }

    AddressPool::Claim claim;
    try {
      claim = pool_.claim(topupId);
    } catch (const TopupRefused& refused) {
      host_.count("topups_refused");
      json error{{"status", refused.status()}, {"code", refused.code()}, {"message", refused.what()}};
      return json{{"error", std::move(error)}}.dump();
    }

    WatchRecord record;
    record.address = claim.address;
    record.scriptPubKeyHex = claim.scriptPubKeyHex;
    record.index = claim.index;
    record.topupId = topupId;
    record.watchUntilMs = expiresAt + config_.watchAfterExpirySeconds * 1000;
    record.nextCheckMs = now + config_.pollIntervalMs;
    watcher_.track(record);
    host_.count(claim.reused ? "addresses_reused" : "addresses_issued");

    // On-chain amounts are whole sats: round up so the payment covers the top-up.
    uint64_t sats = (amountMsat + 999) / 1000;
    PaymentUri uri;
    uri.address = claim.address;
    uri.amountSat = sats;
    uri.label = replaceAll(config_.label, "{topup_id}", topupId);
    // A unified QR (BIP21 + BOLT11) when the caller has an invoice for the same top-up; the core
    // passes none today.
    uri.lightning = stringField(topup, "lightning");
    return json{{"external_ref", claim.address},
                {"expires_at", expiresAt},
                {"details",
                 {{"address", claim.address},
                  {"bip21", buildUri(uri)},
                  {"amount_sats", sats},
                  {"derivation_index", claim.index},
                  {"network", networkName(config_.network)},
                  {"confirmations", config_.confirmations}}}}
        .dump();
  }

  void topupCheck(std::string_view topupJson) override {
    json topup = parseObject(topupJson, "topup");
    auto looked = watcher_.checkNow(stringField(topup, "external_ref"), stringField(topup, "topup_id"));
    if (!looked) throw std::runtime_error(looked.error());
  }

  void tick() override { watcher_.tick(); }

 private:
  sdk::Host host_;
  PluginConfig config_;
  EsploraClient esplora_;
  AddressPool pool_;
  WatchStore store_;
  AddressWatcher watcher_;
};

}  // namespace

}  // namespace turnpike::payments::onchain

TURNPIKE_PAYMENT_PLUGIN(turnpike::payments::onchain::OnchainPayments, "onchain", "1.0.0",
                        turnpike::payments::onchain::kConfigSchema, 250)
