// The default routing script, scripts/routing.lua.
#include <gtest/gtest.h>

#include "policy_test_support.hpp"

namespace turnpike::policy {
namespace {

using namespace testing;

class DefaultRouting : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = std::make_unique<PolicyEngine>();
    auto loaded = engine_->reload(repoScript("scripts/routing.lua"), repoScript("scripts/pricing.lua"));
    ASSERT_TRUE(loaded.ok) << loaded.error;
  }

  // cheap: small and fast; mid: vision, middling price; strong: everything, expensive, big context.
  static std::vector<ProviderCandidate> fleet() {
    return {candidate("cheapco", "small", {"chat", "completions", "tools"}, 100'000, 400'000, 16'000, 150),
            candidate("midco", "mid", {"chat", "vision"}, 500'000, 1'500'000, 32'000, 300),
            candidate("bigco", "large", {"chat", "completions", "tools", "vision"}, 3'000'000, 15'000'000, 200'000, 600),
            candidate("backup", "small", {"chat", "completions", "tools"}, 120'000, 480'000, 16'000, 250),
            candidate("embedco", "embed", {"embeddings"}, 20'000, 0, 8'000, 50)};
  }

  RouteOutcome route(const RouteRequest& request, std::vector<ProviderCandidate> candidates = fleet()) {
    context_ = RouteContext{snapshotOf(std::move(candidates))};
    auto out = engine_->route(request, context_);
    EXPECT_TRUE(out.ok()) << out.error.message;
    return out;
  }

  static std::vector<std::string> names(const RouteOutcome& out) {
    std::vector<std::string> n{out.target.provider + "/" + out.target.model};
    for (const auto& f : out.fallbacks) n.push_back(f.provider + "/" + f.model);
    return n;
  }

  std::unique_ptr<PolicyEngine> engine_;
  RouteContext context_;
};

using Names = std::vector<std::string>;

TEST_F(DefaultRouting, AutoShortChatTakesTheCheapModel) {
  auto out = route(chatRequest("auto"));
  ASSERT_EQ(out.decision, RouteOutcome::Decision::Route);
  EXPECT_EQ(names(out), (Names{"cheapco/small", "backup/small", "midco/mid", "bigco/large"}));
  EXPECT_EQ(out.info, nlohmann::json({{"auto", true}, {"tier", "cheap"}}));
  EXPECT_NE(out.target.candidate, nullptr);
}

TEST_F(DefaultRouting, AutoCodeToolsAndLongPromptsTakeTheStrongModel) {
  RouteRequest code = chatRequest("auto");
  code.codeSignals = 4;
  auto out = route(code);
  EXPECT_EQ(out.target.model, "large");
  EXPECT_EQ(out.info["tier"], "strong");
  // Strong order: output price, then context length, latency.
  EXPECT_EQ(names(out), (Names{"bigco/large", "midco/mid", "backup/small", "cheapco/small"}));

  RouteRequest tools = chatRequest("auto");
  tools.hasTools = true;
  EXPECT_EQ(names(route(tools)), (Names{"bigco/large", "backup/small", "cheapco/small"}));  // mid lacks tools

  RouteRequest longPrompt = chatRequest("auto");
  longPrompt.promptTokens = 50'000;
  EXPECT_EQ(names(route(longPrompt)), (Names{"bigco/large"}));  // nobody else has the context

  RouteRequest longOutput = chatRequest("auto");
  longOutput.maxTokens = 4'000;
  EXPECT_EQ(route(longOutput).target.model, "large");

  RouteRequest longChat = chatRequest("auto");
  longChat.messageCount = 30;
  EXPECT_EQ(route(longChat).target.model, "large");
}

TEST_F(DefaultRouting, AutoSkipsModelsLackingACapability) {
  RouteRequest vision = chatRequest("auto");
  vision.hasImages = true;
  EXPECT_EQ(names(route(vision)), (Names{"midco/mid", "bigco/large"}));

  RouteRequest completions = chatRequest("auto");
  completions.operation = "completions";
  EXPECT_EQ(names(route(completions)), (Names{"cheapco/small", "backup/small", "bigco/large"}));

  RouteRequest embeddings = chatRequest("auto");
  embeddings.operation = "embeddings";
  EXPECT_EQ(names(route(embeddings)), (Names{"embedco/embed"}));

  RouteRequest toolsAndVision = chatRequest("auto");
  toolsAndVision.hasTools = true;
  toolsAndVision.hasImages = true;
  auto only = route(toolsAndVision, {candidate("cheapco", "small", {"chat", "tools"}, 1, 1, 16'000, 10)});
  EXPECT_EQ(only.decision, RouteOutcome::Decision::Deny);
  EXPECT_EQ(only.denyStatus, 400);
  EXPECT_NE(only.denyMessage.find("chat+tools+vision"), std::string::npos) << only.denyMessage;
}

TEST_F(DefaultRouting, AutoChecksTheContextLengthPerRequest) {
  RouteRequest request = chatRequest("auto");
  request.promptTokens = 14'000;  // long: strong tier, and small (16k) still fits with 1024 assumed output
  EXPECT_EQ(route(request).target.model, "large");  // long prompt: strong tier
  request.promptTokens = 300'000;
  auto out = route(request);
  EXPECT_EQ(out.decision, RouteOutcome::Decision::Deny);
  EXPECT_EQ(out.denyStatus, 400);
  EXPECT_NE(out.denyMessage.find("301024 tokens"), std::string::npos) << out.denyMessage;
}

TEST_F(DefaultRouting, AutoSkipsOpenCircuitsAndDemotesDegradedOnes) {
  auto candidates = fleet();
  candidates[0].health = Health::Open;      // cheapco/small
  candidates[3].health = Health::HalfOpen;  // backup/small: in its place, for the gateway's trial request
  EXPECT_EQ(names(route(chatRequest("auto"), candidates)), (Names{"backup/small", "midco/mid", "bigco/large"}));

  candidates = fleet();
  candidates[0].errorRate = 0.5;
  EXPECT_EQ(names(route(chatRequest("auto"), candidates)),
            (Names{"backup/small", "midco/mid", "bigco/large", "cheapco/small"}));

  for (auto& c : candidates) c.health = Health::Open;
  auto none = route(chatRequest("auto"), candidates);
  EXPECT_EQ(none.decision, RouteOutcome::Decision::Deny);
  EXPECT_EQ(none.denyStatus, 503);
}

TEST_F(DefaultRouting, AutoPrefersTaggedModelsAndCutsFallbacksAtThree) {
  std::vector<ProviderCandidate> many;
  for (int i = 0; i < 6; ++i)
    many.push_back(candidate("p" + std::to_string(i), "m" + std::to_string(i), {"chat"}, 100 * (i + 1), 100, 8'000, 100));
  many[4].capabilities.push_back("cheap");
  auto out = route(chatRequest("auto"), many);
  EXPECT_EQ(names(out), (Names{"p4/m4", "p0/m0", "p1/m1", "p2/m2"}));

  many[5].capabilities.push_back("strong");
  RouteRequest code = chatRequest("auto");
  code.codeSignals = 10;
  EXPECT_EQ(route(code, many).target.provider, "p5");
}

TEST_F(DefaultRouting, AutoBreaksPriceTiesByLatency) {
  auto out = route(chatRequest("auto"), {candidate("slow", "a", {"chat"}, 100, 100, 8'000, 900),
                                         candidate("fast", "b", {"chat"}, 100, 100, 8'000, 90)});
  EXPECT_EQ(names(out), (Names{"fast/b", "slow/a"}));
}

TEST_F(DefaultRouting, ConcreteModelKeepsTheConfiguredOrderWhileHealthy) {
  auto out = route(chatRequest("small"));
  EXPECT_EQ(out.decision, RouteOutcome::Decision::Default);
  EXPECT_TRUE(out.fallbacks.empty());
  EXPECT_EQ(route(chatRequest("no-such-model")).decision, RouteOutcome::Decision::Default);
}

TEST_F(DefaultRouting, ConcreteModelOrdersProvidersByHealth) {
  auto candidates = fleet();
  candidates.push_back(candidate("third", "small", {"chat"}, 1, 1, 16'000, 10));
  candidates[0].health = Health::HalfOpen;  // cheapco/small: still first, for the trial request
  EXPECT_EQ(route(chatRequest("small"), candidates).decision, RouteOutcome::Decision::Default);
  candidates[0].errorRate = 0.5;  // ... unless it has been failing lately
  EXPECT_EQ(names(route(chatRequest("small"), candidates)), (Names{"backup/small", "third/small", "cheapco/small"}));

  candidates[3].health = Health::Open;  // backup/small
  EXPECT_EQ(names(route(chatRequest("small"), candidates)), (Names{"third/small", "cheapco/small"}));

  candidates[0].health = Health::Open;
  candidates[5].health = Health::Open;
  EXPECT_EQ(route(chatRequest("small"), candidates).decision, RouteOutcome::Decision::Default);
}

TEST_F(DefaultRouting, ResultsStayStableAcrossRepeatedCalls) {
  // The script memoizes per snapshot: the same request gives the same answer every time.
  context_ = RouteContext{snapshotOf(fleet())};
  RouteRequest code = chatRequest("auto");
  code.codeSignals = 4;
  for (int i = 0; i < 50; ++i) {
    auto cheap = engine_->route(chatRequest("auto"), context_);
    auto strong = engine_->route(code, context_);
    ASSERT_EQ(names(cheap), (Names{"cheapco/small", "backup/small", "midco/mid", "bigco/large"}));
    ASSERT_EQ(strong.target.model, "large");
  }
}

}  // namespace
}  // namespace turnpike::policy
