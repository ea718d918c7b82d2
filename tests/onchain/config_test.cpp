// The onchain plugin's descriptor, config checks and describe().
#include <gtest/gtest.h>

#include "onchain_harness.hpp"

namespace turnpike::onchain_test {
namespace {

TEST(OnchainConfig, DescriptorDeclaresAPaymentPluginAndItsKeys) {
  const tp_plugin_descriptor* d = OnchainPlugin::descriptor();
  EXPECT_EQ(d->kind, TP_KIND_PAYMENT);
  EXPECT_STREQ(d->name, "onchain");
  auto v = static_cast<const tp_payment_vtable*>(d->vtable);
  EXPECT_EQ(v->tick_ms, 250u);
  EXPECT_NE(v->on_topup_check, nullptr);
  json schema = json::parse(d->config_schema);
  EXPECT_TRUE(schema["xpub"]["required"]);
  EXPECT_TRUE(schema["xpub"]["secret"]);
  EXPECT_TRUE(schema["esplora_token"]["secret"]);
  EXPECT_TRUE(schema["esplora_url"]["required"]);
  EXPECT_EQ(schema["confirmations"]["default"], 1);
  EXPECT_EQ(schema["underpayment_tolerance"]["type"], "number");
  for (const char* key : {"network", "poll_interval_ms", "gap_limit", "watch_after_expiry_seconds", "label", "topup"})
    EXPECT_TRUE(schema.contains(key)) << key;
}

TEST(OnchainConfig, ErrorsNameTheKeyAndNeverTheXpub) {
  FakeEsplora esplora;
  struct Case {
    json config;
    std::string error;
  };
  std::vector<Case> cases = {
      {json{{"esplora_url", esplora.url()}},
       "onchain config: xpub: required: the account's extended public key (xpub, zpub, tpub or vpub)"},
      {onchainConfig(esplora, {{"xpub", kBip84Zprv}}),
       "onchain config: xpub: extended key: private keys are not accepted, export the public key"},
      {onchainConfig(esplora, {{"xpub", kBip84Zpub.substr(0, 100) + "xyz"}}), "onchain config: xpub: extended key: "},
      {onchainConfig(esplora, {{"xpub", kBip84Ypub}}), "onchain config: xpub: a ypub/upub describes a nested segwit account"},
      {onchainConfig(esplora, {{"network", "testnet"}}),
       "onchain config: network: extended key: a mainnet key cannot make testnet addresses"},
      {onchainConfig(esplora, {{"xpub", kBip84Vpub}, {"network", "mainnet"}}),
       "onchain config: network: extended key: a testnet key cannot make mainnet addresses"},
      {onchainConfig(esplora, {{"network", "moon"}}),
       "onchain config: network: expected mainnet, testnet, signet or regtest, got 'moon'"},
      {json{{"xpub", kBip84Zpub}}, "onchain config: esplora_url: required"},
      {onchainConfig(esplora, {{"esplora_url", "ftp://example.org"}}),
       "onchain config: esplora_url: must start with http:// or https://"},
      {onchainConfig(esplora, {{"underpayment_tolerance", 1.5}}),
       "onchain config: underpayment_tolerance: must be between 0 and 0.99"},
      {onchainConfig(esplora, {{"underpayment_tolerance", "lots"}}),
       "onchain config: underpayment_tolerance: expected a number, got 'lots'"},
      {onchainConfig(esplora, {{"gap_limit", 0}}), "onchain config: gap_limit: must be between 1 and 100000"},
      {onchainConfig(esplora, {{"confirmations", -1}}), "onchain config: confirmations: must be between 0 and 1000"},
      {onchainConfig(esplora, {{"poll_interval_ms", 500}, {"max_poll_interval_ms", 100}}),
       "onchain config: max_poll_interval_ms: must be between 500 and 86400000"},
      {onchainConfig(esplora, {{"topup", {{"min_sats", "5000"}, {"max_sats", "1000"}}}}),
       "onchain config: topup.min_sats: is larger than topup.max_sats"},
      {onchainConfig(esplora, {{"topup", {{"maximum", 1}}}}), "onchain config: topup.maximum: unknown key"},
      {onchainConfig(esplora, {{"colour", "blue"}}), "onchain config: colour: unknown key"},
  };
  for (const auto& c : cases) {
    std::string error = OnchainPlugin::createError(c.config);
    EXPECT_EQ(error.substr(0, c.error.size()), c.error) << c.config.dump();
    EXPECT_EQ(error.find("6rFR7y4Q2Aij"), std::string::npos) << error;
    EXPECT_EQ(error.find("AdG4iTXWBoAR"), std::string::npos) << error;
  }
  EXPECT_EQ(OnchainPlugin::createError(onchainConfig(esplora)), "");
}

TEST(OnchainConfig, DescribeTellsTheCoreTheToleranceAndLimits) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"underpayment_tolerance", 0.02},
                                                     {"confirmations", 3},
                                                     {"topup", {{"min_sats", 1000}, {"max_sats", 2000000}}}}));
  json d = plugin.describe();
  EXPECT_DOUBLE_EQ(d["underpayment_tolerance"].get<double>(), 0.02);
  EXPECT_EQ(d["confirmations"], 3);
  EXPECT_EQ(d["network"], "mainnet");
  EXPECT_EQ(d["min_msat"], 1'000'000);
  EXPECT_EQ(d["max_msat"], 2'000'000'000);
  EXPECT_EQ(d["currencies"], json::array({"SATS", "BTC", "USD"}));
  EXPECT_EQ(d["l402"], false);
  EXPECT_TRUE(plugin.routes().empty());
  // Nothing is asked of Esplora before there is something to watch.
  plugin.tick();
  EXPECT_EQ(esplora.requestCount(), 0u);
}

TEST(OnchainConfig, TheNetworkDefaultsToTheKeys) {
  FakeEsplora esplora(payments::Network::Testnet);
  TestHost host;
  EXPECT_EQ(OnchainPlugin(host, onchainConfig(esplora, {{"xpub", kBip84Vpub}})).describe()["network"], "testnet");
  EXPECT_EQ(OnchainPlugin(host, onchainConfig(esplora, {{"xpub", kBip84Tpub}, {"network", "signet"}})).describe()["network"],
            "signet");
  EXPECT_EQ(OnchainPlugin(host, onchainConfig(esplora, {{"xpub", kBip84Xpub}})).describe()["network"], "mainnet");
}

TEST(OnchainConfig, WarnsAboutZeroConfirmations) {
  FakeEsplora esplora;
  TestHost host;
  OnchainPlugin plugin(host, onchainConfig(esplora, {{"confirmations", 0}}));
  EXPECT_TRUE(host.logged("warn: confirmations is 0"));
  EXPECT_FALSE(host.logged("not an account key"));  // the BIP84 vector is an account key (depth 3)
}

}  // namespace
}  // namespace turnpike::onchain_test
