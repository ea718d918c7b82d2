// The plugin's configuration: defaults, what it describes and serves, and refusals that name
// the key without ever showing a secret.
#include <gtest/gtest.h>

#include "plugin_harness.hpp"

namespace turnpike::stripe_test {
namespace {

const char* const kBase = "http://127.0.0.1:1";

TEST(StripeConfig, DescribesUsdCheckoutConfirmedByWebhook) {
  TestHost host;
  StripePlugin plugin(host, pluginConfig(kBase, {{"min_usd", "5"}, {"max_usd", "250.5"}}));
  json d = plugin.describe();
  EXPECT_EQ(d["currencies"], json::array({"USD"}));
  EXPECT_EQ(d["limits"]["USD"], json({{"min", "5.00"}, {"max", "250.50"}}));
  EXPECT_EQ(d["confirmation"], "webhook");
  EXPECT_EQ(d["l402"], false);
  EXPECT_EQ(d["webhook_path"], "/v1/webhooks/stripe");
  EXPECT_EQ(plugin.routes(), json::parse(R"([{"method":"POST","path":"/v1/webhooks/stripe"},
                                              {"method":"GET","path":"/v1/stripe/reconcile/{session_id}"}])"));
}

TEST(StripeConfig, DefaultLimitsAreStripesMinimumToAThousandDollars) {
  TestHost host;
  json config = pluginConfig(kBase);
  config.erase("cancel_url");
  StripePlugin plugin(host, config);
  EXPECT_EQ(plugin.describe()["limits"]["USD"], json({{"min", "0.50"}, {"max", "1000.00"}}));
}

TEST(StripeConfig, RefusesWhatCannotWorkNamingTheKey) {
  const std::pair<json, const char*> cases[] = {
      {{{"secret_key", nullptr}}, "secret_key: required"},
      {{{"secret_key", "pk_test_publishable"}}, "secret_key: expected a secret key"},
      {{{"secret_key", "whsec_swapped_by_mistake"}}, "secret_key: expected a secret key"},
      {{{"secret_key", "sk_test_has space"}}, "secret_key: must not contain spaces"},
      {{{"webhook_secret", nullptr}}, "webhook_secret: required"},
      {{{"webhook_secret", "sk_test_swapped"}}, "webhook_secret: expected the endpoint's signing secret"},
      {{{"api_base", "ftp://api.stripe.com"}}, "api_base: must start with"},
      {{{"success_url", nullptr}}, "success_url: required"},
      {{{"success_url", "/relative"}}, "success_url: must start with"},
      {{{"cancel_url", "javascript:alert(1)"}}, "cancel_url: must start with"},
      {{{"min_usd", "0.49"}}, "min_usd: Stripe charges at least 0.50"},
      {{{"min_usd", "1.005"}}, "min_usd: expected a positive amount"},
      {{{"min_usd", "20"}, {"max_usd", "10"}}, "min_usd: is larger than max_usd"},
      {{{"max_usd", "1000000"}}, "max_usd: Stripe charges at most"},
      {{{"product_name", ""}}, "product_name: must not be empty"},
      {{{"timeout_ms", 5}}, "timeout_ms: must be between"},
      {{{"check_interval_seconds", -1}}, "check_interval_seconds: must be between"},
      {{{"signature_tolerance_seconds", "300"}}, "signature_tolerance_seconds: expected a whole number"},
      {{{"webhook_path", "/hooks"}}, "webhook_path: unknown key"},
  };
  for (const auto& [patch, expected] : cases) {
    SCOPED_TRACE(patch.dump());
    std::string error = StripePlugin::createError(pluginConfig(kBase, patch));
    EXPECT_NE(error.find(expected), std::string::npos) << error;
    EXPECT_EQ(error.find("stripe config: "), 0u) << error;
    for (const char* secret : {"pk_test_publishable", "whsec_swapped_by_mistake", "sk_test_swapped", kSecretKey})
      EXPECT_EQ(error.find(secret), std::string::npos) << error;
  }
}

TEST(StripeConfig, AcceptsRestrictedKeysAndTrailingSlashes) {
  EXPECT_EQ(StripePlugin::createError(pluginConfig(kBase, {{"secret_key", "rk_live_restricted0key"}})), "");
  EXPECT_EQ(StripePlugin::createError(pluginConfig("https://api.stripe.com/")), "");
}

}  // namespace
}  // namespace turnpike::stripe_test
