// libonchain.so through the shared payment plugin harness, the BIP84 test vectors and configs
// pointing at a FakeEsplora.
#pragma once

#include <string>

#include "fake_esplora.hpp"
#include "payment_plugin.hpp"

namespace turnpike::onchain_test {

using payment_test::epochMs;
using payment_test::HookReply;
using payment_test::HostDatabase;
using payment_test::json;
using payment_test::TestHost;
using payment_test::tickUntil;
using payment_test::waitUntil;

// BIP84 (bitcoin/bips bip-0084.mediawiki) test vectors: mnemonic "abandon" x11 "about", account 0.
inline const std::string kBip84Zpub =
    "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs";
inline const std::string kBip84Receive0 = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu";  // m/84'/0'/0'/0/0
inline const std::string kBip84Receive1 = "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g";  // m/84'/0'/0'/0/1
// The same account key under other SLIP-0132 versions (only the 4 version bytes and the
// checksum differ): what wallets that export plain xpubs/tpubs show.
inline const std::string kBip84Xpub =
    "xpub6CatWdiZiodmUeTDp8LT5or8nmbKNcuyvz7WyksVFkKB4RHwCD3XyuvPEbvqAQY3rAPshWcMLoP2fMFMKHPJ4ZeZXYVUhLv1VMrjPC7PW6V";
inline const std::string kBip84Tpub =
    "tpubDCxX2sYFS5bDkSe5GKKYHjBW7tgyN1R3UchpLJvdbf54ohxeGRtd8MbDUe1cguVHe4vnK68DsuD5MXjxi9EXx16rb9EnNsaF5KT99CinaJz";
inline const std::string kBip84Vpub =
    "vpub5YvMuJNjRSYon44z9QmCfdf8SqJRVNvz6m55Qy5iVjZQxDfUgtiQjnc7CC1fAbED2tAGCZRERUfvtn2DstZGU6HMns6dXXH2wujSc2wfi2x";
inline const std::string kBip84Ypub =
    "ypub6XR9pJPUsVBFKweLeV85HtwdxjjmKEuUr6djm9mNdkh47X7ASsD6byaXFotRAKByFoWgSzCuoTjaYdrv2yoJroLAPtBuHFjVm5vNmhyNehE";
inline const std::string kBip84Zprv =
    "zprvAdG4iTXWBoARxkkzNpNh8r6Qag3irQB8PzEMkAFeTRXxHpbF9z4QgEvBRphj53hJFiBVJ1gYbNLfpUvgs1imuBRbkDZx1qjw6x6nQFUc6rX";

class OnchainPlugin : public payment_test::PaymentPlugin {
 public:
  static const tp_plugin_descriptor* descriptor() { return PaymentPlugin::descriptor(TURNPIKE_ONCHAIN_PLUGIN, "onchain"); }

  OnchainPlugin(TestHost& host, const json& config) : PaymentPlugin(TURNPIKE_ONCHAIN_PLUGIN, "onchain", host, config) {}

  static std::string createError(const json& config) {
    return PaymentPlugin::createError(TURNPIKE_ONCHAIN_PLUGIN, "onchain", config);
  }
};

// The BIP84 zpub watched through `esplora`, looking every 10 ms (at most every 100 ms), with
// `extra` merged in.
inline json onchainConfig(const FakeEsplora& esplora, const json& extra = json::object()) {
  json config{{"xpub", kBip84Zpub}, {"esplora_url", esplora.url()}, {"poll_interval_ms", 10}, {"max_poll_interval_ms", 100}};
  config.merge_patch(extra);
  return config;
}

// What the core hands on_topup_create.
inline json topupRequest(const std::string& id, uint64_t amountMsat, int64_t expiresInMs = 3'600'000) {
  return json{{"topup_id", id},
              {"amount_msat", amountMsat},
              {"currency", "SATS"},
              {"currency_amount", std::to_string(amountMsat / 1000)},
              {"expires_at", epochMs() + expiresInMs},
              {"description", "Turnpike top-up"}};
}

}  // namespace turnpike::onchain_test
