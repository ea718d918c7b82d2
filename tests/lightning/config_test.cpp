// The module's descriptor and its configuration: what the host checks (the schema) and what the
// plugin refuses with a clear message.
#include <gtest/gtest.h>

#include "plugin_harness.hpp"

namespace turnpike::lightning_test {
namespace {

TEST(LightningModule, DescriptorIsAPaymentPlugin) {
  const tp_plugin_descriptor* d = LightningPlugin::descriptor();
  EXPECT_EQ(std::string(d->name), "lightning");
  EXPECT_EQ(d->kind, TP_KIND_PAYMENT);
  EXPECT_EQ(d->abi_version, TP_ABI_VERSION);
  const tp_payment_vtable* v = LightningPlugin::vtable();
  EXPECT_EQ(v->struct_size, sizeof(tp_payment_vtable));
  EXPECT_EQ(v->tick_ms, 1000u);
  for (const void* hook : {(const void*)v->on_describe, (const void*)v->on_routes, (const void*)v->on_http,
                           (const void*)v->on_topup_create, (const void*)v->on_topup_check,
                           (const void*)v->on_challenge, (const void*)v->on_authorize, (const void*)v->on_tick})
    EXPECT_NE(hook, nullptr);

  json schema = json::parse(d->config_schema);
  EXPECT_EQ(schema["backend"]["required"], true);
  for (const char* key : {"l402", "topup", "lnbits", "lnd", "cln"}) EXPECT_EQ(schema[key]["type"], "object") << key;
  // Backend sections hold credentials: the host redacts their values from logs.
  for (const char* key : {"lnbits", "lnd", "cln"}) EXPECT_EQ(schema[key]["secret"], true) << key;
  EXPECT_EQ(schema["invoice_expiry_seconds"]["default"], 600);
  EXPECT_EQ(schema["watch_after_expiry_seconds"]["default"], 86400);
}

TEST(LightningConfig, ClearErrors) {
  const std::string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  struct Case {
    json config;
    std::string error;
  };
  std::vector<Case> cases{
      {json::object(), "lightning config: backend: required (dev, lnbits, lnd or cln)"},
      {{{"backend", "nwc"}}, "lightning config: backend: unknown backend 'nwc' (expected dev, lnbits, lnd or cln)"},
      {{{"backend", "lnbits"}}, "lightning config: lnbits: section required by backend: lnbits"},
      {{{"backend", "lnbits"}, {"lnbits", {{"url", "http://x"}}}}, "lightning config: lnbits.api_key: required for this backend"},
      {{{"backend", "lnbits"}, {"lnbits", {{"url", "ftp://x"}, {"api_key", "k"}}}},
       "lightning config: lnbits.url: must start with http:// or https://"},
      {{{"backend", "lnd"}, {"lnd", {{"url", "https://x:8080"}}}}, "lightning config: lnd.macaroon: required for this backend"},
      {{{"backend", "lnd"}, {"lnd", {{"url", "https://x:8080"}, {"macaroon", "xyz"}}}},
       "lightning config: lnd.macaroon: expected the macaroon as hex"},
      {{{"backend", "lnd"}, {"lnd", {{"url", "https://x:8080"}, {"macaroon", "0201"}, {"tls_cert", "/etc/lnd/tls.cert"}}}},
       "lightning config: lnd.tls_cert: expected the PEM text of a certificate (-----BEGIN CERTIFICATE-----)"},
      {{{"backend", "lnd"}, {"lnd", {{"url", "https://x:8080"}, {"macaroon", "0201"}, {"tls_cert", pem}, {"macaroons", "x"}}}},
       "lightning config: lnd.macaroons: unknown key"},
      {{{"backend", "cln"}, {"cln", {{"url", "https://x:3010"}}}}, "lightning config: cln.rune: required for this backend"},
      {{{"backend", "dev"}, {"l402", {{"reuse", "forever"}}}},
       "lightning config: l402.reuse: expected single_use or until_expiry, got 'forever'"},
      {{{"backend", "dev"}, {"l402", {{"valid_seconds", "soon"}}}},
       "lightning config: l402.valid_seconds: expected a whole number, got 'soon'"},
      {{{"backend", "dev"}, {"l402", {{"valid_seconds", 0}}}}, "lightning config: l402.valid_seconds: must be between 1 and 315360000"},
      {{{"backend", "dev"}, {"l402", {{"enabled", "yes"}}}}, "lightning config: l402.enabled: expected true or false"},
      {{{"backend", "dev"}, {"l402", {{"service", "a:b"}}}},
       "lightning config: l402.service: must be a non-empty name without ',', ':', '=' or spaces"},
      {{{"backend", "dev"}, {"l402", {{"servce", "x"}}}}, "lightning config: l402.servce: unknown key"},
      {{{"backend", "dev"}, {"topup", {{"min_sats", 500}, {"max_sats", 100}}}},
       "lightning config: topup.min_sats: is larger than topup.max_sats"},
      {{{"backend", "dev"}, {"topup", "lots"}}, "lightning config: topup: expected a mapping"},
      {{{"backend", "dev"}, {"invoice_expiry_seconds", 0}},
       "lightning config: invoice_expiry_seconds: must be between 1 and 315360000"},
      {{{"backend", "dev"}, {"colour", "blue"}}, "lightning config: colour: unknown key"},
  };
  for (const auto& c : cases) EXPECT_EQ(LightningPlugin::createError(c.config), c.error) << c.config.dump();
}

TEST(LightningConfig, NestedValuesMayArriveAsStrings) {
  // The host converts nested YAML scalars untyped: "true", "3600".
  TestHost host;
  LightningPlugin plugin(host, json{{"backend", "dev"},
                                    {"l402", {{"enabled", "true"}, {"reuse", "until_expiry"}, {"valid_seconds", "120"},
                                              {"service", "chat"}}},
                                    {"topup", {{"min_sats", "10"}, {"max_sats", "5000"}}},
                                    {"invoice_expiry_seconds", 300}});
  json d = plugin.describe();
  EXPECT_EQ(d["min_msat"], 10'000);
  EXPECT_EQ(d["max_msat"], 5'000'000);
  EXPECT_EQ(d["l402"], true);
  EXPECT_EQ(d["l402_reuse"], "until_expiry");
  auto c = plugin.challenge(json{{"amount_msat", 1000}});
  ASSERT_TRUE(c.ok) << c.error;
  EXPECT_NE(c.body["headers"][1][1].get<std::string>().find("L402 macaroon="), std::string::npos);
}

TEST(LightningConfig, OnlyTheSelectedBackendNeedsItsSection) {
  EXPECT_EQ(LightningPlugin::createError({{"backend", "dev"}, {"lnd", {{"url", "https://x"}}}}), "");
  EXPECT_EQ(LightningPlugin::createError({{"backend", "lnbits"}, {"lnbits", {{"url", "http://127.0.0.1:1"}, {"api_key", "k"}}}}),
            "");
}

TEST(LightningConfig, SecretsAreNotEchoedInErrors) {
  std::string error = LightningPlugin::createError(
      {{"backend", "lnd"}, {"lnd", {{"url", "https://x:8080"}, {"macaroon", "0201supersecret"}}}});
  EXPECT_EQ(error.find("supersecret"), std::string::npos) << error;
}

}  // namespace
}  // namespace turnpike::lightning_test
