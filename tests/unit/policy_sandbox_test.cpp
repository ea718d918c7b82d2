// Every escape or bomb a script can try is refused as an error outcome, and the engine serves the
// next call normally.
#include <gtest/gtest.h>

#include <vector>

#include "policy_test_support.hpp"

namespace turnpike::policy {
namespace {

using namespace testing;

struct Attack {
  const char* name;
  std::vector<PolicyErrorKind> kinds;  // any of these
  const char* message;                 // substring of the error message ("" = any)
};

void PrintTo(const Attack& a, std::ostream* os) { *os << a.name; }

class SandboxAttack : public ::testing::TestWithParam<Attack> {
 protected:
  static void SetUpTestSuite() {
    engine_ = new PolicyEngine();
    auto loaded = engine_->reload(repoScript("tests/lua/sandbox_attacks.lua"), pricing(kFlatPricing));
    ASSERT_TRUE(loaded.ok) << loaded.error;
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }

  static RouteOutcome call(const char* attack) {
    std::vector<http::Header> headers;
    if (attack != nullptr) headers.push_back({"x-attack", attack});
    RouteRequest request = chatRequest("m");
    request.headers = headers;
    return engine_->route(request, context_);
  }

  static PolicyEngine* engine_;
  static RouteContext context_;
};

PolicyEngine* SandboxAttack::engine_ = nullptr;
RouteContext SandboxAttack::context_{snapshotOf({candidate("p", "m", {"chat"}, 1, 1, 1000, 10)})};

TEST_P(SandboxAttack, IsRefusedAndTheNextCallWorks) {
  const Attack& attack = GetParam();
  auto outcome = call(attack.name);
  EXPECT_EQ(outcome.decision, RouteOutcome::Decision::Default);
  ASSERT_FALSE(outcome.ok()) << "attack succeeded";
  EXPECT_NE(std::find(attack.kinds.begin(), attack.kinds.end(), outcome.error.kind), attack.kinds.end())
      << "kind " << kindName(outcome.error.kind) << ": " << outcome.error.message;
  EXPECT_NE(outcome.error.message.find(attack.message), std::string::npos) << outcome.error.message;

  auto next = call(nullptr);
  ASSERT_TRUE(next.ok()) << next.error.message;
  EXPECT_EQ(next.decision, RouteOutcome::Decision::Route);
  EXPECT_EQ(next.target.provider, "p");
}

using K = PolicyErrorKind;
INSTANTIATE_TEST_SUITE_P(
    Policy, SandboxAttack,
    ::testing::Values(
        Attack{"os_execute", {K::Script}, "undefined global 'os'"},
        Attack{"io_open", {K::Script}, "undefined global 'io'"},
        Attack{"require", {K::Script}, "undefined global 'require'"},
        Attack{"load_text", {K::Script}, "undefined global 'load'"},
        Attack{"loadstring", {K::Script}, "undefined global 'loadstring'"},
        Attack{"dofile", {K::Script}, "undefined global 'dofile'"},
        Attack{"loadfile", {K::Script}, "undefined global 'loadfile'"},
        Attack{"string_dump", {K::Script}, "field 'dump'"},
        Attack{"collectgarbage", {K::Script}, "undefined global 'collectgarbage'"},
        Attack{"debug", {K::Script}, "undefined global 'debug'"},
        Attack{"package", {K::Script}, "undefined global 'package'"},
        Attack{"coroutine", {K::Script}, "undefined global 'coroutine'"},
        Attack{"rawset_global", {K::Script}, "undefined global 'rawset'"},
        Attack{"new_global", {K::Script}, "assignment to undeclared global 'leaked'"},
        Attack{"global_through_G", {K::Script}, "assignment to undeclared global 'leaked'"},
        Attack{"undefined_global", {K::Script}, "sandbox_attacks.lua:21: undefined global 'undefined_thing'"},
        Attack{"globals_metatable", {K::Script}, "cannot change a protected metatable"},
        Attack{"globals_metatable_fields", {K::Script}, "index a string value"},
        Attack{"string_metatable", {K::Script}, "index a string value"},
        Attack{"string_setmetatable", {K::Script}, "sandbox_attacks.lua:25: bad argument #1 to 'setmetatable'"},
        Attack{"string_rep_bomb", {K::MemoryLimit}, "memory limit of 16777216 bytes"},
        Attack{"concat_bomb", {K::MemoryLimit}, "memory limit"},
        Attack{"table_bomb", {K::MemoryLimit, K::Timeout}, ""},
        Attack{"infinite_loop", {K::Timeout}, "sandbox_attacks.lua:29: exceeded its time limit of 5000 us"},
        Attack{"pcall_loop", {K::Timeout}, "time limit"},
        Attack{"deep_recursion", {K::Script, K::MemoryLimit, K::Timeout}, ""},
        Attack{"c_recursion", {K::Script}, "stack overflow"},
        Attack{"tostring_loop", {K::Timeout}, "time limit"},
        Attack{"gc_finalizer", {K::Script}, "__gc metamethods are not allowed"},
        Attack{"rep_empty", {K::Script}, "rep returned 0"},
        Attack{"insert_huge_len", {K::Script}, "table too long for insert or remove"},
        Attack{"remove_huge_len", {K::Script}, "table too long for insert or remove"},
        Attack{"move_huge", {K::Script}, "too many elements to move"},
        Attack{"error_table", {K::Script}, "(error object is a table value)"},
        Attack{"pattern_find", {K::Script}, "sandbox_attacks.lua:53: pattern too complex for a subject of 65536 bytes"},
        Attack{"pattern_method", {K::Script}, "pattern too complex"},
        Attack{"pattern_gsub", {K::Script}, "pattern too complex"},
        Attack{"pattern_gmatch", {K::Script}, "pattern too complex"},
        Attack{"pattern_quadratic", {K::Script}, "pattern too complex"},
        Attack{"pattern_balance", {K::Script}, "pattern too complex"},
        Attack{"pattern_plain_needle", {K::Script}, "pattern too complex"}),
    [](const ::testing::TestParamInfo<Attack>& info) { return std::string(info.param.name); });

TEST(PolicySandbox, BytecodeIsRefusedAtLoad) {
  PolicyEngine engine;
  auto result = engine.reload(routing(std::string("\x1bLua\x54\x00\x19\x93\r\n\x1a\n", 12)), pricing(kFlatPricing));
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("binary chunk"), std::string::npos) << result.error;
  EXPECT_EQ(engine.generation(), 0u);
}

TEST(PolicySandbox, TopLevelBombsAreRefusedAtLoad) {
  PolicyEngine engine;
  auto spin = engine.reload(routing("while true do end\n" + std::string(kNilRouting)), pricing(kFlatPricing));
  EXPECT_FALSE(spin.ok);
  EXPECT_NE(spin.error.find("routing.lua:1: exceeded its time limit"), std::string::npos) << spin.error;
  auto bomb = engine.reload(routing("local s = string.rep('x', 1 << 30)\n" + std::string(kNilRouting)),
                            pricing(kFlatPricing));
  EXPECT_FALSE(bomb.ok);
  EXPECT_NE(bomb.error.find("memory limit"), std::string::npos) << bomb.error;
  EXPECT_NE(bomb.error.find("routing.lua"), std::string::npos) << bomb.error;
}

TEST(PolicySandbox, AllowedLibrariesWork) {
  auto engine = engineWith(R"(
    counter = 0  -- declared at load time: may be updated by calls
    function route(req, ctx)
      counter = counter + 1
      print("route called", counter, req.model)
      local t = {3, 1, 2}
      table.sort(t)
      local w = {1, 2}
      table.insert(w, 3)
      table.insert(w, 1, 0)
      table.remove(w, 2)
      table.move(w, 1, 3, 2)
      local proxy = setmetatable({}, {__index = {x = 7}})
      setmetatable(proxy, nil)
      local info = {
        sorted = table.concat(t, ","), upper = string.upper("abc"), floor = math.floor(2.5),
        len = utf8.len("héllo"), raw = rawget(_G, "nothing") == nil, rawlen = rawlen(t),
        same = rawequal(t, t), typ = type(math.random(1, 6)), counter = counter,
        pcall = select("#", pcall(error, "x")), version = _VERSION,
        shifted = table.concat(w, ","), rep = string.rep("ab", 3, "-"), proxy = getmetatable(proxy) == nil,
      }
      return {provider = "p", model = "m", info = info}
    end)",
                           kFlatPricing);
  RouteContext context{snapshotOf({candidate("p", "m", {"chat"}, 1, 1, 1000, 10)})};
  auto outcome = engine->route(chatRequest("m"), context);
  ASSERT_TRUE(outcome.ok()) << outcome.error.message;
  EXPECT_EQ(outcome.info["sorted"], "1,2,3");
  EXPECT_EQ(outcome.info["upper"], "ABC");
  EXPECT_EQ(outcome.info["floor"], 2);
  EXPECT_EQ(outcome.info["len"], 5);
  EXPECT_EQ(outcome.info["raw"], true);
  EXPECT_EQ(outcome.info["rawlen"], 3);
  EXPECT_EQ(outcome.info["same"], true);
  EXPECT_EQ(outcome.info["typ"], "number");
  EXPECT_EQ(outcome.info["counter"], 1);
  EXPECT_EQ(outcome.info["pcall"], 2);
  EXPECT_EQ(outcome.info["version"], "Lua 5.4");
  EXPECT_EQ(outcome.info["shifted"], "0,0,2,3");
  EXPECT_EQ(outcome.info["rep"], "ab-ab-ab");
  EXPECT_EQ(outcome.info["proxy"], true);
}

TEST(PolicySandbox, PatternsOverOrdinarySubjectsStillMatch) {
  auto engine = engineWith(R"lua(
    function route(req, ctx)
      local ua = req.headers["user-agent"]
      local long = req.headers["x-long"]
      if not long then return nil end  -- the trial calls at load time
      local nested = string.rep("-", 1000) .. "(a(b)c)"
      local trimmed = ("   padded value \t"):match("^%s*(.-)%s*$")
      local words = 0
      for _ in ("one two three"):gmatch("%a+") do words = words + 1 end
      return {provider = "p", model = "m", info = {
        chrome = ua:match("Chrome/(%d+)"), bot = long:find("bot", 1, true), tail = long:find("x%d+$"),
        trimmed = trimmed, words = words, swapped = (("k=v"):gsub("(%w+)=(%w+)", "%2=%1")),
        pairs = nested:find("%b()"), first = string.find("a.b", ".", 1, true)}}
    end)lua",
                           kFlatPricing);
  std::vector<http::Header> headers{
      {"user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"},
      {"x-long", std::string(60000, '-') + "(a)bot x42"}};
  RouteRequest request = chatRequest("m");
  request.headers = headers;
  auto outcome = engine->route(request, {snapshotOf({candidate("p", "m", {"chat"}, 1, 1, 1000, 10)})});
  ASSERT_TRUE(outcome.ok()) << outcome.error.message;
  EXPECT_EQ(outcome.info["chrome"], "120");
  EXPECT_EQ(outcome.info["bot"], 60004);
  EXPECT_EQ(outcome.info["tail"], 60008);
  EXPECT_EQ(outcome.info["trimmed"], "padded value");
  EXPECT_EQ(outcome.info["words"], 3);
  EXPECT_EQ(outcome.info["swapped"], "v=k");
  EXPECT_EQ(outcome.info["pairs"], 1001);
  EXPECT_EQ(outcome.info["first"], 2);
}

TEST(PolicySandbox, CredentialHeadersAreRedactedBeforeScriptsSeeThem) {
  auto engine = engineWith(R"lua(
    function route(req, ctx)
      local h = req.headers
      print(h.authorization, h["x-spend-token"])
      return {provider = "p", model = "m", info = {
        authorization = h.authorization, proxy = h["proxy-authorization"], spend = h["x-spend-token"],
        cookie = h.cookie, api_key = h["x-api-key"], azure = h["api-key"], other = h["x-route"]}}
    end)lua",
                           kFlatPricing);
  const std::string key = "sk-tp-0123456789abcdefghijABCDEFGHIJ0123456789";
  for (const char* scheme : {"Bearer", "bearer", "L402", "LSAT"}) {
    std::vector<http::Header> headers{{"authorization", std::string(scheme) + " " + key + ":preimage"},
                                      {"proxy-authorization", "Basic dXNlcjpwYXNz"},
                                      {"x-spend-token", key},
                                      {"cookie", "session=" + key},
                                      {"x-api-key", key},
                                      {"api-key", key},
                                      {"x-route", "fast"}};
    RouteRequest request = chatRequest("m");
    request.headers = headers;
    auto outcome = engine->route(request, {snapshotOf({candidate("p", "m", {"chat"}, 1, 1, 1000, 10)})});
    ASSERT_TRUE(outcome.ok()) << outcome.error.message;
    EXPECT_EQ(outcome.info.dump().find(key), std::string::npos) << outcome.info.dump();
    std::string expectedScheme = std::string(scheme) == "bearer" ? "Bearer" : scheme;
    EXPECT_EQ(outcome.info["authorization"], expectedScheme + " [redacted]");
    EXPECT_EQ(outcome.info["proxy"], "Basic [redacted]");
    EXPECT_EQ(outcome.info["spend"], "[redacted]");
    EXPECT_EQ(outcome.info["cookie"], "[redacted]");
    EXPECT_EQ(outcome.info["api_key"], "[redacted]");
    EXPECT_EQ(outcome.info["azure"], "[redacted]");
    EXPECT_EQ(outcome.info["other"], "fast");
  }
  // A bare token (no scheme) or an unknown scheme shows nothing of itself.
  for (std::string value : {key, key + " trailing", "Token " + key}) {
    std::vector<http::Header> headers{{"authorization", value}};
    RouteRequest request = chatRequest("m");
    request.headers = headers;
    auto outcome = engine->route(request, {snapshotOf({candidate("p", "m", {"chat"}, 1, 1, 1000, 10)})});
    ASSERT_TRUE(outcome.ok()) << outcome.error.message;
    EXPECT_EQ(outcome.info["authorization"], "[redacted]") << value;
  }
}

TEST(PolicySandbox, MemoryCapIsConfigurable) {
  PolicyLimits limits;
  limits.memoryBytes = 512 * 1024;
  auto engine = engineWith(R"(
    function route(req, ctx)
      if req.headers["x-big"] then local s = string.rep("x", 1024 * 1024) end
      return nil
    end)",
                           kFlatPricing, limits);
  std::vector<http::Header> headers{{"x-big", "1"}};
  RouteRequest request = chatRequest("m");
  request.headers = headers;
  auto outcome = engine->route(request, {});
  EXPECT_EQ(outcome.error.kind, PolicyErrorKind::MemoryLimit) << outcome.error.message;
  EXPECT_NE(outcome.error.message.find("524288 bytes"), std::string::npos) << outcome.error.message;
  EXPECT_TRUE(engine->route(chatRequest("m"), {}).ok());
}

}  // namespace
}  // namespace turnpike::policy
