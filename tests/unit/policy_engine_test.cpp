// PolicyEngine: generations and reload, result parsing, JSON conversion, per-thread states.
#include <gtest/gtest.h>

#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <atomic>
#include <thread>

#include "policy/provider_snapshot.hpp"
#include "policy/thread_slot.hpp"
#include "policy_test_support.hpp"

namespace turnpike::policy {
namespace {

using namespace testing;

RouteContext pqContext() {
  return {snapshotOf({candidate("p", "m", {"chat"}, 1, 1, 1000, 10), candidate("q", "m", {"chat"}, 1, 1, 1000, 10),
                      candidate("r", "m", {"chat"}, 1, 1, 1000, 10), candidate("q", "n", {"chat"}, 1, 1, 1000, 10)})};
}

// An engine whose route() returns the Lua expression `result`.
std::unique_ptr<PolicyEngine> returning(const std::string& result) {
  return engineWith("function route(req, ctx) if req.model == 'probe-small' or req.model == 'auto' then return nil end "
                    "return " + result + " end",
                    kFlatPricing);
}

// ---- reload -------------------------------------------------------------------------------------

TEST(PolicyEngine, NothingLoadedIsAnErrorOutcome) {
  PolicyEngine engine;
  auto route = engine.route(chatRequest("m"), {});
  EXPECT_EQ(route.decision, RouteOutcome::Decision::Default);
  EXPECT_EQ(route.error.kind, PolicyErrorKind::NotLoaded);
  EXPECT_EQ(engine.price({}, {}).error.kind, PolicyErrorKind::NotLoaded);
  EXPECT_EQ(engine.generation(), 0u);
}

TEST(PolicyEngine, GoodReloadPublishesANewGeneration) {
  PolicyEngine engine;
  auto first = engine.reload(routing(kNilRouting), pricing("function price(u, c) return 10 end"));
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.generation, 1u);
  auto price = engine.price({}, {});
  EXPECT_EQ(price.amount, 10);
  EXPECT_EQ(price.generation, 1u);

  auto second = engine.reload(routing(kNilRouting), pricing("function price(u, c) return 20 end"));
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_EQ(second.generation, 2u);
  price = engine.price({}, {});
  EXPECT_EQ(price.amount, 20);
  EXPECT_EQ(price.generation, 2u);
}

struct Broken {
  const char* name;
  const char* routing;
  const char* pricing;
  const char* message;
};

class PolicyBrokenReload : public ::testing::TestWithParam<Broken> {};

TEST_P(PolicyBrokenReload, IsRefusedAndTheOldGenerationKeepsServing) {
  PolicyEngine engine;
  ASSERT_TRUE(engine.reload(routing(kNilRouting), pricing("function price(u, c) return 10 end")).ok);
  const Broken& b = GetParam();
  auto result = engine.reload(routing(b.routing), pricing(b.pricing));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.generation, 1u);
  EXPECT_NE(result.error.find(b.message), std::string::npos) << result.error;
  EXPECT_EQ(engine.generation(), 1u);
  auto price = engine.price({}, {});
  EXPECT_TRUE(price.ok()) << price.error.message;
  EXPECT_EQ(price.amount, 10);
  EXPECT_EQ(price.generation, 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Policy, PolicyBrokenReload,
    ::testing::Values(
        Broken{"SyntaxError", "function route(req, ctx)\n  return {provider = }\nend", kFlatPricing,
               "routing.lua:2: unexpected symbol near '}'"},
        Broken{"MissingPrice", kNilRouting, "function cost(u, c) return 1 end",
               "pricing.lua: no global function 'price' defined"},
        Broken{"MissingRoute", "local function route() end", kFlatPricing,
               "routing.lua: no global function 'route' defined"},
        Broken{"RuntimeErrorAtTopLevel", kNilRouting, "local x = nil\nlocal y = x.field\nfunction price() return 1 end",
               "pricing.lua:2: attempt to index a nil value (local 'x')"},
        Broken{"RuntimeErrorInTrialCall", kNilRouting, "function price(usage, ctx)\n  return usage.nope.x\nend",
               "trial call price() failed: pricing.lua:2: attempt to index a nil value (field 'nope')"},
        Broken{"BadValueInTrialCall", kNilRouting, "function price(usage, ctx) return 'free' end",
               "price() returned a string"},
        Broken{"BadRouteInTrialCall", "function route(req, ctx) return 42 end", kFlatPricing,
               "trial call route() for model 'auto' failed: routing.lua: route() returned an integer"},
        Broken{"ErrorInCFunctionHasScriptLine", "function route(req, ctx)\n  return string.rep()\nend", kFlatPricing,
               "routing.lua:2: bad argument #1 to 'rep'"}),
    [](const ::testing::TestParamInfo<Broken>& info) { return std::string(info.param.name); });

TEST(PolicyEngine, ReloadReadsTheConfiguredFiles) {
  auto dir = std::filesystem::temp_directory_path() / ("turnpike-policy-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  PolicyOptions options;
  options.routingScript = write("routing.lua", kNilRouting);
  options.pricingScript = write("pricing.lua", "function price(u, c) return 7 end");
  PolicyEngine engine(options);
  ASSERT_TRUE(engine.reload().ok);
  EXPECT_EQ(engine.price({}, {}).amount, 7);

  write("pricing.lua", "function price(u, c) return 8 end");
  ASSERT_TRUE(engine.reload().ok);
  EXPECT_EQ(engine.price({}, {}).amount, 8);

  write("pricing.lua", "function price(u, c) return 9 end end");
  auto broken = engine.reload();
  EXPECT_FALSE(broken.ok);
  EXPECT_NE(broken.error.find(options.pricingScript + ":1:"), std::string::npos) << broken.error;
  EXPECT_EQ(engine.price({}, {}).amount, 8);

  std::filesystem::remove(dir / "routing.lua");
  auto missing = engine.reload();
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.error.find("cannot read " + options.routingScript), std::string::npos) << missing.error;
  std::filesystem::remove_all(dir);
}

TEST(PolicyEngine, DefaultScriptsLoadFromTheRepository) {
  PolicyOptions options;
  options.routingScript = repoPath("scripts/routing.lua");
  options.pricingScript = repoPath("scripts/pricing.lua");
  PolicyEngine engine(options);
  auto result = engine.reload();
  EXPECT_TRUE(result.ok) << result.error;
}

// ---- route results ------------------------------------------------------------------------------

TEST(PolicyEngine, RouteResultIsParsedAndResolved) {
  auto engine = returning("{provider = 'p', fallbacks = {'q', {provider = 'q', model = 'n'}, {provider = 'r'}}}");
  auto context = pqContext();
  auto out = engine->route(chatRequest("m"), context);
  ASSERT_TRUE(out.ok()) << out.error.message;
  ASSERT_EQ(out.decision, RouteOutcome::Decision::Route);
  EXPECT_EQ(out.target.provider, "p");
  EXPECT_EQ(out.target.model, "m");  // defaults to req.model
  EXPECT_EQ(out.target.candidate, &context.providers->candidates()[0]);
  ASSERT_EQ(out.fallbacks.size(), 3u);
  EXPECT_EQ(out.fallbacks[0].provider, "q");
  EXPECT_EQ(out.fallbacks[0].model, "m");
  EXPECT_EQ(out.fallbacks[0].candidate, &context.providers->candidates()[1]);
  EXPECT_EQ(out.fallbacks[1].model, "n");
  EXPECT_EQ(out.fallbacks[1].candidate, &context.providers->candidates()[3]);
  EXPECT_EQ(out.fallbacks[2].provider, "r");
  EXPECT_TRUE(out.info.is_null());
}

TEST(PolicyEngine, CtxCandidateTablesAreFallbacksByIdentity) {
  auto engine = returning("{provider = 'p', fallbacks = {ctx.by_model[req.model][3], ctx.by_model[req.model][2]}}");
  auto context = pqContext();
  auto out = engine->route(chatRequest("m"), context);
  ASSERT_TRUE(out.ok()) << out.error.message;
  ASSERT_EQ(out.fallbacks.size(), 2u);
  EXPECT_EQ(out.fallbacks[0].candidate, &context.providers->candidates()[2]);
  EXPECT_EQ(out.fallbacks[0].provider, "r");
  EXPECT_EQ(out.fallbacks[1].candidate, &context.providers->candidates()[1]);
  EXPECT_EQ(out.fallbacks[1].model, "m");

  // A new snapshot builds new tables: the same script now points into it.
  RouteContext reordered{snapshotOf({candidate("p", "m", {"chat"}, 1, 1, 1000, 10),
                                     candidate("r", "m", {"chat"}, 1, 1, 1000, 10),
                                     candidate("q", "m", {"chat"}, 1, 1, 1000, 10)})};
  auto again = engine->route(chatRequest("m"), reordered);
  ASSERT_TRUE(again.ok()) << again.error.message;
  ASSERT_EQ(again.fallbacks.size(), 2u);
  EXPECT_EQ(again.fallbacks[0].candidate, &reordered.providers->candidates()[2]);
  EXPECT_EQ(again.fallbacks[0].provider, "q");
  EXPECT_EQ(again.fallbacks[1].candidate, &reordered.providers->candidates()[1]);

  // A copy with the same fields is not a candidate table: it is read as {provider, model} and refused.
  auto copying = returning(
      "{provider = 'p', fallbacks = {(function() local t = {} "
      "for k, v in pairs(ctx.by_model.m[2]) do t[k] = v end return t end)()}}");
  auto copied = copying->route(chatRequest("m"), context);
  EXPECT_EQ(copied.error.kind, PolicyErrorKind::BadResult);
  EXPECT_NE(copied.error.message.find("fallbacks[1] has an unexpected field"), std::string::npos)
      << copied.error.message;
}

TEST(PolicyEngine, NilMeansDefaultAndDenyIsADecision) {
  auto context = pqContext();
  auto none = returning("nil")->route(chatRequest("m"), context);
  EXPECT_TRUE(none.ok());
  EXPECT_EQ(none.decision, RouteOutcome::Decision::Default);

  auto deny = returning("{deny = 403, message = 'not for you'}")->route(chatRequest("m"), context);
  ASSERT_TRUE(deny.ok()) << deny.error.message;
  EXPECT_EQ(deny.decision, RouteOutcome::Decision::Deny);
  EXPECT_EQ(deny.denyStatus, 403);
  EXPECT_EQ(deny.denyMessage, "not for you");

  auto bare = returning("{deny = 429}")->route(chatRequest("m"), context);
  EXPECT_EQ(bare.denyMessage, "request denied by routing policy");
}

struct Malformed {
  const char* name;
  const char* result;
  const char* message;
};

class PolicyMalformedRoute : public ::testing::TestWithParam<Malformed> {};

TEST_P(PolicyMalformedRoute, IsABadResult) {
  auto engine = returning(GetParam().result);
  auto out = engine->route(chatRequest("m"), pqContext());
  EXPECT_EQ(out.error.kind, PolicyErrorKind::BadResult) << out.error.message;
  EXPECT_EQ(out.decision, RouteOutcome::Decision::Default);
  EXPECT_TRUE(out.fallbacks.empty());
  EXPECT_NE(out.error.message.find(GetParam().message), std::string::npos) << out.error.message;
}

INSTANTIATE_TEST_SUITE_P(
    Policy, PolicyMalformedRoute,
    ::testing::Values(
        Malformed{"Number", "42", "returned an integer; expected nil or a table"},
        Malformed{"String", "'p'", "returned a string"},
        Malformed{"NoProvider", "{model = 'm'}", "needs provider"},
        Malformed{"ProviderNotString", "{provider = 1}", "provider must be a non-empty string"},
        Malformed{"EmptyProvider", "{provider = ''}", "provider must be a non-empty string"},
        Malformed{"UnknownField", "{provider = 'p', fallback = {'q'}}", "unknown field 'fallback'"},
        Malformed{"ArrayPart", "{'p'}", "key of type integer"},
        Malformed{"UnknownProvider", "{provider = 'zz'}", "target zz/m, which is not in ctx.providers"},
        Malformed{"UnknownFallback", "{provider = 'p', fallbacks = {'zz'}}", "fallback zz/m"},
        Malformed{"FallbacksNotList", "{provider = 'p', fallbacks = 'q'}", "fallbacks must be a list"},
        Malformed{"FallbacksWithKeys", "{provider = 'p', fallbacks = {x = 'q'}}", "fallbacks must be a list"},
        Malformed{"FallbackNumber", "{provider = 'p', fallbacks = {1}}", "fallbacks[1] is an integer"},
        Malformed{"FallbackExtraField", "{provider = 'p', fallbacks = {{provider = 'q', weight = 2}}}",
                  "fallbacks[1] has an unexpected field"},
        Malformed{"FallbackRepeatsTarget", "{provider = 'p', fallbacks = {'q', 'p'}}", "fallbacks[2] repeats p/m"},
        Malformed{"TooManyFallbacks", "{provider = 'p', fallbacks = {'q','r','q','r','q','r','q','r','q'}}",
                  "at most 8"},
        Malformed{"DenyNotStatus", "{deny = 200}", "deny must be an integer HTTP status"},
        Malformed{"DenyFloat", "{deny = 403.5}", "deny must be an integer HTTP status"},
        Malformed{"DenyWithProvider", "{deny = 403, provider = 'p'}", "deny cannot be combined"},
        Malformed{"MessageWithoutDeny", "{provider = 'p', message = 'hi'}", "message is only meaningful with deny"},
        Malformed{"InfoFunction", "{provider = 'p', info = {f = print}}", "info: a function has no JSON form"},
        Malformed{"InfoCycle", "(function() local t = {} t.self = t return {provider = 'p', info = t} end)()",
                  "nested deeper than 32 levels (or a cycle)"},
        Malformed{"InfoNaN", "{provider = 'p', info = {x = 0/0}}", "NaN"},
        Malformed{"InfoBinaryString", "{provider = 'p', info = {x = '\\xff'}}", "not UTF-8"},
        Malformed{"InfoBooleanKey", "{provider = 'p', info = {[true] = 1}}", "key of type boolean"}),
    [](const ::testing::TestParamInfo<Malformed>& info) { return std::string(info.param.name); });

TEST(PolicyEngine, RequestFieldsReachTheScript) {
  auto engine = engineWith(R"(
    function route(req, ctx)
      return {provider = 'p', model = 'm', info = {
        model = req.model, operation = req.operation, stream = req.stream, messages = req.message_count,
        prompt = req.prompt_tokens, max = req.max_tokens, tools = req.has_tools, images = req.has_images,
        code = req.code_signals, account = req.account_id, tier = req.tier,
        agent = req.headers["user-agent"], dup = req.headers["x-dup"], meta = req.metadata}}
    end)",
                           kFlatPricing);
  std::vector<http::Header> headers{{"user-agent", "curl"}, {"x-dup", "first"}, {"x-dup", "second"}};
  nlohmann::json metadata = {{"n", 1}, {"f", 1.5}, {"list", {1, 2, 3}}, {"empty", nlohmann::json::object()},
                             {"nested", {{"deep", {{"s", "x"}}}}}, {"null", nullptr}};
  RouteRequest r;
  r.model = "m";
  r.operation = "completions";
  r.stream = true;
  r.messageCount = 3;
  r.promptTokens = 1234;
  r.maxTokens = 99;
  r.hasTools = true;
  r.hasImages = true;
  r.codeSignals = 5;
  r.accountId = "acct_1";
  r.tier = "pro";
  r.headers = headers;
  r.metadata = &metadata;
  auto out = engine->route(r, pqContext());
  ASSERT_TRUE(out.ok()) << out.error.message;
  nlohmann::json expected = {{"model", "m"},   {"operation", "completions"}, {"stream", true},  {"messages", 3},
                             {"prompt", 1234}, {"max", 99},                  {"tools", true},   {"images", true},
                             {"code", 5},      {"account", "acct_1"},        {"tier", "pro"},   {"agent", "curl"},
                             {"dup", "first"}};
  // JSON round trip: integers stay integers, floats floats, null members disappear, {} comes back as {}.
  expected["meta"] = {{"n", 1}, {"f", 1.5}, {"list", {1, 2, 3}}, {"empty", nlohmann::json::object()},
                      {"nested", {{"deep", {{"s", "x"}}}}}};
  EXPECT_EQ(out.info, expected);
  EXPECT_TRUE(out.info["meta"]["n"].is_number_integer());
  EXPECT_TRUE(out.info["meta"]["f"].is_number_float());

  RouteRequest anonymous = chatRequest("m");
  auto bare = engine->route(anonymous, pqContext());
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare.info.contains("max"));
  EXPECT_FALSE(bare.info.contains("account"));
  EXPECT_FALSE(bare.info.contains("tier"));
  EXPECT_FALSE(bare.info.contains("meta"));
}

TEST(PolicyEngine, TooDeepMetadataIsAnErrorNotACrash) {
  auto engine = engineWith("function route(req, ctx) local m = req.metadata return nil end", kFlatPricing);
  nlohmann::json deep = 1;
  for (int i = 0; i < 100; ++i) deep = nlohmann::json::array({deep});
  RouteRequest r = chatRequest("m");
  r.metadata = &deep;
  auto out = engine->route(r, {});
  EXPECT_EQ(out.error.kind, PolicyErrorKind::Script);
  EXPECT_NE(out.error.message.find("JSON nested deeper than 32 levels"), std::string::npos) << out.error.message;
  r.metadata = nullptr;
  EXPECT_TRUE(engine->route(r, {}).ok());
}

TEST(PolicyEngine, ProviderTablesAreBuiltOncePerSnapshot) {
  auto engine = engineWith(R"(
    local last
    function route(req, ctx)
      if req.model ~= 'm' then return nil end
      local same = ctx == last
      last = ctx
      local c = ctx.providers[1]
      return {provider = c.provider, model = c.model, info = {
        same = same, count = #ctx.providers, by_model = #ctx.by_model["m"], caps = c.capabilities,
        price = c.price, context = c.context_length, health = ctx.providers[2].health,
        latency = c.latency_ms, errors = c.error_rate, in_flight = c.in_flight}}
    end)",
                           kFlatPricing);
  auto c1 = candidate("p", "m", {"chat", "tools"}, 150, 600, 8000, 12.5);
  c1.errorRate = 0.25;
  c1.inFlight = 3;
  RouteContext first{snapshotOf({c1, candidate("q", "m", {"chat"}, 1, 1, 1000, 10, Health::HalfOpen),
                                 candidate("q", "n", {"chat"}, 1, 1, 1000, 10)})};
  auto a = engine->route(chatRequest("m"), first);
  ASSERT_TRUE(a.ok()) << a.error.message;
  EXPECT_EQ(a.info["same"], false);
  EXPECT_EQ(a.info["count"], 3);
  EXPECT_EQ(a.info["by_model"], 2);
  EXPECT_EQ(a.info["caps"], nlohmann::json({"chat", "tools"}));
  EXPECT_EQ(a.info["price"], nlohmann::json({{"input", 150}, {"output", 600}}));
  EXPECT_EQ(a.info["context"], 8000);
  EXPECT_EQ(a.info["health"], "half_open");
  EXPECT_EQ(a.info["latency"], 12.5);
  EXPECT_EQ(a.info["errors"], 0.25);
  EXPECT_EQ(a.info["in_flight"], 3);
  EXPECT_EQ(engine->route(chatRequest("m"), first).info["same"], true);
  RouteContext second{snapshotOf({c1, c1})};
  EXPECT_EQ(engine->route(chatRequest("m"), second).info["same"], false);
  EXPECT_EQ(engine->route(chatRequest("m"), second).info["same"], true);
}

TEST(PolicyEngine, EachThreadHasItsOwnState) {
  auto engine = engineWith(R"(
    local calls = 0
    function route(req, ctx)
      calls = calls + 1
      return {provider = 'p', model = 'm', info = {calls = calls}}
    end)",
                           kFlatPricing);
  auto context = pqContext();
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(engine->route(chatRequest("m"), context).info["calls"], i);
  std::thread([&] { EXPECT_EQ(engine->route(chatRequest("m"), context).info["calls"], 1); }).join();
  EXPECT_EQ(engine->route(chatRequest("m"), context).info["calls"], 4);
}

TEST(PolicyEngine, AStateIsRebuiltAfterATimeout) {
  auto engine = engineWith(R"(
    local calls = 0
    function route(req, ctx)
      calls = calls + 1
      if req.headers["x-spin"] then while true do end end
      return {provider = 'p', model = 'm', info = {calls = calls}}
    end)",
                           kFlatPricing);
  auto context = pqContext();
  EXPECT_EQ(engine->route(chatRequest("m"), context).info["calls"], 1);
  EXPECT_EQ(engine->route(chatRequest("m"), context).info["calls"], 2);
  std::vector<http::Header> headers{{"x-spin", "1"}};
  RouteRequest spin = chatRequest("m");
  spin.headers = headers;
  EXPECT_EQ(engine->route(spin, context).error.kind, PolicyErrorKind::Timeout);
  EXPECT_EQ(engine->route(chatRequest("m"), context).info["calls"], 1);  // a fresh state
}

TEST(PolicyEngine, StackIsBalancedOverManyCalls) {
  // A leaked stack slot per call would end in "stack overflow" long before this loop ends.
  auto engine = returning("{provider = 'p', fallbacks = {'q'}, info = {1, 2}}");
  auto context = pqContext();
  for (int i = 0; i < 20000; ++i) {
    auto out = engine->route(chatRequest("m"), context);
    ASSERT_TRUE(out.ok()) << i << ": " << out.error.message;
    ASSERT_TRUE(engine->price({}, {}).ok());
  }
  auto bad = returning("{provider = 'p', fallbacks = {'q', 1}}");
  for (int i = 0; i < 20000; ++i) ASSERT_EQ(bad->route(chatRequest("m"), context).error.kind, PolicyErrorKind::BadResult);
}

// ---- failures are logged once per generation ----------------------------------------------------

class CountingChannel : public Poco::Channel {
 public:
  void log(const Poco::Message& message) override {
    if (message.getPriority() <= Poco::Message::PRIO_WARNING) ++warnings;
    last = message.getText();
  }
  std::atomic<int> warnings{0};
  std::string last;
};

TEST(PolicyEngine, FailuresAreLoggedOncePerGenerationAndKind) {
  Poco::AutoPtr<CountingChannel> channel(new CountingChannel);
  auto& logger = Poco::Logger::get("policy");
  Poco::AutoPtr<Poco::Channel> previous(logger.getChannel(), true);
  int previousLevel = logger.getLevel();
  logger.setChannel(channel);
  logger.setLevel(Poco::Message::PRIO_INFORMATION);

  const char* failing = "function route(req, ctx) if req.model == 'bad' then error('boom') end return nil end";
  auto engine = engineWith(failing, kFlatPricing);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(engine->route(chatRequest("bad"), {}).error.kind, PolicyErrorKind::Script);
  EXPECT_EQ(channel->warnings, 1);
  EXPECT_NE(channel->last.find("routing.lua:1: boom"), std::string::npos) << channel->last;
  ASSERT_TRUE(engine->reload(routing(failing), pricing(kFlatPricing)).ok);
  for (int i = 0; i < 10; ++i) engine->route(chatRequest("bad"), {});
  EXPECT_EQ(channel->warnings, 2);

  logger.setChannel(previous);
  logger.setLevel(previousLevel);
}

// ---- concurrency --------------------------------------------------------------------------------

TEST(PolicyEngine, CallsDuringReloadsSeeOneWholeGeneration) {
  // Odd generations route to p and charge 1, even ones route to q and charge 2.
  const std::string routeOdd = "function route(req, ctx) return {provider = 'p', model = 'm'} end";
  const std::string routeEven = "function route(req, ctx) return {provider = 'q', model = 'm'} end";
  const std::string priceOdd = "function price(u, c) return 1 end";
  const std::string priceEven = "function price(u, c) return 2 end";
  PolicyEngine engine;
  ASSERT_TRUE(engine.reload(routing(routeOdd), pricing(priceOdd)).ok);
  auto context = pqContext();

  std::atomic<bool> stop{false};
  std::atomic<long> calls{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      uint64_t lastGeneration = 0;
      while (!stop.load()) {
        auto route = engine.route(chatRequest("m"), context);
        auto price = engine.price({}, {});
        bool odd = route.generation % 2 == 1;
        bool ok = route.ok() && price.ok() && route.target.provider == (odd ? "p" : "q") &&
                  price.amount == (price.generation % 2 == 1 ? 1 : 2) && route.generation >= lastGeneration &&
                  price.generation >= route.generation;
        if (!ok) ++failures;
        lastGeneration = price.generation;
        ++calls;
      }
    });
  }
  for (int i = 2; i <= 21; ++i) {
    bool even = i % 2 == 0;
    auto result = engine.reload(routing(even ? routeEven : routeOdd), pricing(even ? priceEven : priceOdd));
    ASSERT_TRUE(result.ok) << result.error;
    ASSERT_EQ(result.generation, static_cast<uint64_t>(i));
    // A broken reload in between changes nothing.
    ASSERT_FALSE(engine.reload(routing("function route("), pricing(priceOdd)).ok);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_GT(calls, 100);
  EXPECT_EQ(engine.generation(), 21u);
}

// ---- helpers ------------------------------------------------------------------------------------

TEST(PolicyProviderSnapshot, FindsPairs) {
  ProviderSnapshot snapshot({candidate("b", "x", {}, 0, 0, 0, 0), candidate("a", "y", {}, 0, 0, 0, 0),
                             candidate("a", "x", {}, 0, 0, 0, 0), candidate("a", "x", {}, 1, 0, 0, 0)});
  EXPECT_EQ(snapshot.find("a", "x"), &snapshot.candidates()[2]);  // the first of duplicates
  EXPECT_EQ(snapshot.find("b", "x"), &snapshot.candidates()[0]);
  EXPECT_EQ(snapshot.find("a", "y"), &snapshot.candidates()[1]);
  EXPECT_EQ(snapshot.find("b", "y"), nullptr);
  EXPECT_EQ(snapshot.find("", ""), nullptr);
  EXPECT_EQ(ProviderSnapshot().find("a", "x"), nullptr);
}

TEST(PolicyThreadSlot, LiveThreadsHaveDistinctSlotsAndExitedOnesAreReused) {
  size_t mine = currentThreadSlot();
  ASSERT_NE(mine, kNoThreadSlot);
  EXPECT_EQ(currentThreadSlot(), mine);
  size_t other = kNoThreadSlot;
  std::thread([&] { other = currentThreadSlot(); }).join();
  EXPECT_NE(other, mine);
  size_t again = kNoThreadSlot;
  std::thread([&] { again = currentThreadSlot(); }).join();
  EXPECT_EQ(again, other);
}

}  // namespace
}  // namespace turnpike::policy
