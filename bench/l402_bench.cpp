// What an L402 check costs on the request path (Google Benchmark; run by hand, not by ctest):
//   BM_ParseAuthorization  the header: base64 and the V2 macaroon
//   BM_CheckCredential     parse + identifier + sha256(preimage) + root key from memory + HMAC chain
//                          + caveats + path caveat: everything but the settlement
//   BM_AuthorizeHook       the plugin's whole authorize(): request JSON, root key from the state,
//                          settled-invoice cache, reply JSON (state in memory, no database)
#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <turnpike/plugin.hpp>

#include <map>
#include <mutex>

#include <turnpike/encoding.hpp>

#include "common/crypto.hpp"
#include "lightning/dev_backend.hpp"
#include "lightning/l402.hpp"
#include "lightning/l402_check.hpp"
#include "lightning/l402_service.hpp"
#include "lightning/plugin_config.hpp"
#include "lightning/settled_invoices.hpp"

namespace {

using namespace turnpike::payments;
using namespace turnpike::payments::lightning;
namespace encoding = turnpike::sdk::encoding;

constexpr const char* kPath = "/v1/chat/completions";
constexpr int64_t kNow = 1'700'000'000;

struct Token {
  std::string authorization;
  std::string rootKeyId;
  std::string rootKey;
};

Token mintToken() {
  std::string preimage = crypto::randomBytes(32);
  l402::Identifier id = l402::newIdentifier(crypto::sha256(preimage));
  Token t;
  t.rootKey = crypto::randomBytes(32);
  t.rootKeyId = l402::rootKeyId(id);
  Macaroon m = l402::mintMacaroon(t.rootKey, id,
                                  {l402::servicesCaveat({{"turnpike", 0}}), l402::validUntilCaveat("turnpike", kNow + 3600),
                                   pathCaveat("turnpike", kPath)});
  t.authorization = "L402 " + encoding::base64Encode(m.serialize()) + ":" + encoding::hexEncode(preimage);
  return t;
}

void BM_ParseAuthorization(benchmark::State& state) {
  Token t = mintToken();
  for (auto _ : state) benchmark::DoNotOptimize(l402::parseAuthorization(t.authorization));
}
BENCHMARK(BM_ParseAuthorization);

void BM_CheckCredential(benchmark::State& state) {
  Token t = mintToken();
  std::map<std::string, std::string> rootKeys{{t.rootKeyId, t.rootKey}};
  l402::RootKeyLookup lookup = [&](const l402::Identifier& id) -> std::optional<std::string> {
    auto it = rootKeys.find(l402::rootKeyId(id));
    return it == rootKeys.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  for (auto _ : state) {
    CredentialCheck c = checkCredential(t.authorization, lookup, "turnpike", kPath, kNow);
    if (!c.ok) state.SkipWithError(c.message.c_str());
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_CheckCredential);

// A host whose state is a map in memory: the plugin's own work, without a database.
struct MemoryHost {
  std::mutex mutex;
  std::map<std::string, std::string> state;

  static MemoryHost& of(tp_host_plugin* p) { return *reinterpret_cast<MemoryHost*>(p); }
  static std::string key(tp_str s) { return std::string(s.data, s.size); }

  static const tp_host_api* api() {
    static const tp_host_api table = [] {
      tp_host_api a{};
      a.struct_size = sizeof a;
      a.abi_version = TP_ABI_VERSION;
      a.callback_log = [](tp_host_plugin*, tp_log_level, tp_str) {};
      a.callback_counter_add = [](tp_host_plugin*, tp_str, double) {};
      a.callback_state_get = [](tp_host_plugin* p, tp_str k, void (*take)(void*, tp_str), void* user) {
        auto& h = of(p);
        std::lock_guard lock(h.mutex);
        auto it = h.state.find(key(k));
        if (it == h.state.end()) return 0;
        take(user, {it->second.data(), it->second.size()});
        return 1;
      };
      a.callback_state_put = [](tp_host_plugin* p, tp_str k, tp_str v) {
        auto& h = of(p);
        std::lock_guard lock(h.mutex);
        h.state[key(k)] = key(v);
        return 0;
      };
      a.callback_state_insert = [](tp_host_plugin* p, tp_str k, tp_str v) {
        auto& h = of(p);
        std::lock_guard lock(h.mutex);
        return h.state.emplace(key(k), key(v)).second ? 0 : 1;
      };
      a.callback_state_delete = [](tp_host_plugin* p, tp_str k) {
        auto& h = of(p);
        std::lock_guard lock(h.mutex);
        h.state.erase(key(k));
        return 0;
      };
      return a;
    }();
    return &table;
  }
};

void BM_AuthorizeHook(benchmark::State& state) {
  MemoryHost memory;
  turnpike::sdk::Host host(MemoryHost::api(), reinterpret_cast<tp_host_plugin*>(&memory));
  PluginConfig config = PluginConfig::parse(R"({"backend": "dev"})");
  DevBackend dev(host);
  SettledInvoices settled(host);
  L402Service l402(host, config, dev, settled);

  auto challenge = nlohmann::json::parse(l402.challenge(R"({"amount_msat": 21000, "path": "/v1/chat/completions"})"));
  auto paid = dev.pay(challenge["payment"]["payment_request"].get<std::string>(), false);
  std::string request =
      nlohmann::json{{"authorization", "L402 " + challenge["payment"]["macaroon"].get<std::string>() + ":" + paid->preimage},
                     {"service", "turnpike"},
                     {"path", kPath},
                     {"now", kNow}}
          .dump();
  if (!nlohmann::json::parse(l402.authorize(request))["ok"].get<bool>()) state.SkipWithError("not authorized");
  for (auto _ : state) benchmark::DoNotOptimize(l402.authorize(request));
}
BENCHMARK(BM_AuthorizeHook);

}  // namespace
