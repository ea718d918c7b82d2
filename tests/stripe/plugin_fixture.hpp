// The plugin against a fake Stripe, with a top-up helper: the common ground of the plugin tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "fake_stripe.hpp"
#include "plugin_harness.hpp"
#include "stripe_events.hpp"

namespace turnpike::stripe_test {

class PluginTest : public ::testing::Test {
 protected:
  FakeStripe stripe{kSecretKey};
  TestHost host;
  std::unique_ptr<StripePlugin> plugin;

  void SetUp() override { plugin = std::make_unique<StripePlugin>(host, pluginConfig(stripe.url())); }

  // Creates a top-up's session; returns the session as the fake Stripe holds it.
  json createSession(const std::string& topupId = "top_1", const std::string& usd = "10.00",
                     uint64_t msat = 20'000'000) {
    auto r = plugin->topupCreate(topupRequest(topupId, usd, msat));
    EXPECT_TRUE(r.ok) << r.error;
    if (!r.ok) return json();
    return *stripe.session(r.body.at("external_ref").get<std::string>());
  }

  // A completed-and-paid event for the session, as Stripe would send it.
  std::string paidEvent(const std::string& sessionId, const std::string& type = "checkout.session.completed") {
    return checkoutEvent(type, stripe.complete(sessionId)).dump();
  }

  void expectNoSecretsLogged() const {
    for (const auto& line : host.logs()) {
      EXPECT_EQ(line.find(kSecretKey), std::string::npos) << line;
      EXPECT_EQ(line.find(kWebhookSecret), std::string::npos) << line;
    }
  }
};

}  // namespace turnpike::stripe_test
