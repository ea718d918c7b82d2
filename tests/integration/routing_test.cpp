// Routing through the real gateway: the routing script's choices, model "auto", fallbacks with
// routing_info, circuit breakers, script failures and reloads under load, pricing scripts.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "fake_upstream.hpp"
#include "gateway_fixture.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;
using Poco::Net::HTTPServerResponse;

// A script file for one test, removed afterwards.
class ScriptFile {
 public:
  explicit ScriptFile(const std::string& text) : path_(::testing::TempDir() + "turnpike-script-" + std::to_string(++counter_) + "-" + std::to_string(::getpid()) + ".lua") {
    write(text);
  }
  ~ScriptFile() { std::filesystem::remove(path_); }
  // Replaces the file (a new inode, as editors and deploy tools do).
  void write(const std::string& text) const {
    std::string temporary = path_ + ".new";
    std::ofstream(temporary) << text;
    std::filesystem::rename(temporary, path_);
  }
  const std::string& path() const { return path_; }

 private:
  static inline std::atomic<int> counter_{0};
  std::string path_;
};

// An upstream answering every chat request with its own name as the content.
std::unique_ptr<FakeUpstream> namedUpstream(const std::string& name, int status = 200) {
  return std::make_unique<FakeUpstream>([name, status](const RecordedRequest& r, HTTPServerResponse& res) {
    if (status != 200) {
      FakeUpstream::sendJson(res, status, R"({"error":{"message":"down","type":"server_error"}})");
      return;
    }
    bool stream = json::parse(r.body).value("stream", false);
    std::string model = json::parse(r.body).value("model", "");
    if (stream) {
      FakeUpstream::sendStream(res, {chunkJson(model, name), usageChunkJson(model, 3, 1), "[DONE]"});
    } else {
      FakeUpstream::sendJson(res, 200, chatCompletionJson(model, name, 10, 5));
    }
  });
}

std::string twoProviders(const FakeUpstream& a, const FakeUpstream& b, const std::string& extra = "",
                         const std::string& model = "m") {
  return expand(expand(expand(expand(R"(
providers:
  - name: a
    plugin: openai_compat
    base_url: {{a}}
    timeout_ms: 1000
    models: [{{model}}]
  - name: b
    plugin: openai_compat
    base_url: {{b}}
    timeout_ms: 1000
    models: [{{model}}]
{{extra}})",
                                     "a", a.baseUrl()),
                              "b", b.baseUrl()),
                       "extra", extra),
                "model", model);
}

const char* kChat = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";

std::string contentOf(const std::string& body) { return json::parse(body)["choices"][0]["message"]["content"]; }

double metricValue(uint16_t port, const std::string& series) {
  auto text = httpRequest(port, "GET", "/metrics").body;
  auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::stod(text.substr(at + series.size() + 2));
}

TEST(Routing, ConfiguredOrderWithRoutingInfoAndHeaders) {
  auto a = namedUpstream("from-a");
  auto b = namedUpstream("from-b");
  GatewayFixture gw(twoProviders(*a, *b));
  auto r = postJson(gw.port(), "/v1/chat/completions", kChat);
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(contentOf(r.body), "from-a");
  EXPECT_EQ(body["routing_info"]["provider"], "a");
  EXPECT_EQ(body["routing_info"]["model"], "m");
  EXPECT_EQ(body["routing_info"]["requested_model"], "m");
  EXPECT_EQ(body["routing_info"]["reason"], "configured_order");
  EXPECT_FALSE(body["routing_info"].contains("attempts"));
  EXPECT_EQ(r.headers["x-turnpike-provider"], "a");
  EXPECT_EQ(b->requestCount(), 0u);
}

TEST(Routing, FallsBackBeforeTheFirstByteAndSaysSo) {
  auto a = namedUpstream("from-a", 503);
  auto b = namedUpstream("from-b");
  GatewayFixture gw(twoProviders(*a, *b));
  auto r = postJson(gw.port(), "/v1/chat/completions", kChat);
  ASSERT_EQ(r.status, 200) << r.body;
  auto info = json::parse(r.body)["routing_info"];
  EXPECT_EQ(info["provider"], "b");
  EXPECT_EQ(info["reason"], "fallback");
  EXPECT_EQ(info["route_reason"], "configured_order");
  ASSERT_EQ(info["attempts"].size(), 1u);
  EXPECT_EQ(info["attempts"][0]["provider"], "a");
  EXPECT_EQ(info["attempts"][0]["status"], 503);  // the upstream's own: overloaded, not broken
  EXPECT_EQ(r.headers["x-turnpike-provider"], "b");

  // Streams say it in the first chunk.
  SseClient sse(gw.port(), "/v1/chat/completions",
                R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_EQ(sse.status(), 200);
  auto first = json::parse(*sse.next());
  EXPECT_EQ(first["routing_info"]["provider"], "b");
  EXPECT_EQ(first["routing_info"]["attempts"][0]["provider"], "a");
  EXPECT_EQ(first["choices"][0]["delta"]["content"], "from-b");
  for (const auto& event : sse.rest()) {
    if (event != "[DONE]") {
      EXPECT_FALSE(json::parse(event).contains("routing_info")) << "only the first chunk carries it";
    }
  }
}

TEST(Routing, ConnectErrorsAndTimeoutsMoveOnButNothingRetriesAfterTheFirstByte) {
  auto b = namedUpstream("from-b");
  {
    // a: nothing listens.
    std::string yaml = twoProviders(*b, *b);
    yaml.replace(yaml.find(b->baseUrl()), b->baseUrl().size(), "http://127.0.0.1:9/v1");
    GatewayFixture gw(yaml);
    auto r = postJson(gw.port(), "/v1/chat/completions", kChat);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["routing_info"]["attempts"][0]["error"], "upstream_unavailable");
  }
  {
    // a: silent past its timeout.
    FakeUpstream slow([](const RecordedRequest&, HTTPServerResponse& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      FakeUpstream::sendJson(res, 200, chatCompletionJson("m", "late"));
    });
    GatewayFixture gw(twoProviders(slow, *b));
    auto r = postJson(gw.port(), "/v1/chat/completions", kChat);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(contentOf(r.body), "from-b");
    EXPECT_EQ(json::parse(r.body)["routing_info"]["attempts"][0]["error"], "upstream_timeout");
  }
  {
    // a: starts a stream, then drops the connection. The client has bytes: no second provider.
    FakeUpstream cut([](const RecordedRequest&, HTTPServerResponse& res) {
      res.setChunkedTransferEncoding(false);
      res.setContentType("text/event-stream");
      res.setContentLength(10'000);
      auto& out = res.send();
      out << "data: " << chunkJson("m", "partial") << "\n\n";
      out.flush();
    });
    auto counted = namedUpstream("from-b");
    GatewayFixture gw(twoProviders(cut, *counted));
    SseClient sse(gw.port(), "/v1/chat/completions",
                  R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})");
    ASSERT_EQ(sse.status(), 200);
    auto events = sse.rest();
    ASSERT_GE(events.size(), 2u);
    EXPECT_EQ(json::parse(events[0])["choices"][0]["delta"]["content"], "partial");
    EXPECT_TRUE(json::parse(events.back()).contains("error")) << events.back();
    EXPECT_EQ(counted->requestCount(), 0u);
  }
}

TEST(Routing, CircuitOpensAfterConsecutiveFailuresAndATrialClosesIt) {
  std::atomic<bool> down{true};
  FakeUpstream a([&](const RecordedRequest& r, HTTPServerResponse& res) {
    if (down) {
      FakeUpstream::sendJson(res, 500, R"({"error":{"message":"boom"}})");
    } else {
      FakeUpstream::sendJson(res, 200, chatCompletionJson("m", "from-a"));
    }
  });
  auto b = namedUpstream("from-b");
  // The configured order (a script that returns nil): this is about the gateway's own breaker.
  ScriptFile order("function route(req, ctx) return nil end");
  GatewayFixture gw(twoProviders(a, *b, "routing:\n  script: " + order.path() +
                                            "\n  circuit_breaker: {failures: 2, cooldown_ms: 400}\n"));
  for (int i = 0; i < 2; ++i) EXPECT_EQ(contentOf(postJson(gw.port(), "/v1/chat/completions", kChat).body), "from-b");
  EXPECT_EQ(a.requestCount(), 2u);

  // Open: a is skipped without being called, and routing_info says why.
  auto r = postJson(gw.port(), "/v1/chat/completions", kChat);
  EXPECT_EQ(contentOf(r.body), "from-b");
  EXPECT_EQ(json::parse(r.body)["routing_info"]["attempts"][0]["error"], "circuit_open");
  EXPECT_EQ(a.requestCount(), 2u);
  EXPECT_EQ(metricValue(gw.port(), "turnpike_circuit_opened_total{provider=\"a\"}"), 1);

  // After the cool-down one trial request reaches a; it succeeds and closes the circuit.
  down = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(contentOf(postJson(gw.port(), "/v1/chat/completions", kChat).body), "from-a");
  EXPECT_EQ(contentOf(postJson(gw.port(), "/v1/chat/completions", kChat).body), "from-a");
  EXPECT_EQ(a.requestCount(), 4u);
}

TEST(Routing, AnUpstream404MovesOnButNeverOpensTheCircuit) {
  // A 404 can be the request's own doing (an unknown file or resource): the next provider is
  // tried, and the provider is not blamed for it.
  auto a = namedUpstream("from-a", 404);
  auto b = namedUpstream("from-b");
  ScriptFile order("function route(req, ctx) return nil end");
  GatewayFixture gw(twoProviders(*a, *b, "routing:\n  script: " + order.path() +
                                             "\n  circuit_breaker: {failures: 2, cooldown_ms: 60000}\n"));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(contentOf(postJson(gw.port(), "/v1/chat/completions", kChat).body), "from-b");
  EXPECT_EQ(a->requestCount(), 6u) << "a was skipped: its circuit opened on 404s";
  EXPECT_EQ(metricValue(gw.port(), "turnpike_circuit_opened_total{provider=\"a\"}"), 0);
}

TEST(Routing, FailedTrialReopensAndAllOpenIs503) {
  auto a = namedUpstream("from-a", 502);
  GatewayFixture gw(expand(R"(
providers:
  - name: a
    plugin: openai_compat
    base_url: {{a}}
    models: [m]
routing:
  circuit_breaker: {failures: 1, cooldown_ms: 300}
)",
                           "a", a->baseUrl()));
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat).status, 502);
  auto r = postJson(gw.port(), "/v1/chat/completions", kChat);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "no_provider_available");
  EXPECT_EQ(json::parse(r.body)["routing_info"]["attempts"][0]["error"], "circuit_open");
  EXPECT_EQ(a->requestCount(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat).status, 502);  // the trial, failing
  EXPECT_EQ(postJson(gw.port(), "/v1/chat/completions", kChat).status, 503);  // open again at once
  EXPECT_EQ(a->requestCount(), 2u);
  EXPECT_EQ(metricValue(gw.port(), "turnpike_circuit_opened_total{provider=\"a\"}"), 2);
}

TEST(Routing, ScriptSeesTheRequestSummaryAndChoosesTheRoute) {
  auto a = namedUpstream("from-a");
  auto b = namedUpstream("from-b");
  // Echoes what it was told through the deny message, or routes by header.
  ScriptFile script(R"(
function route(req, ctx)
  if req.headers["x-echo"] then
    return {deny = 418, message = table.concat({req.model, req.operation, tostring(req.stream),
      req.message_count, tostring(req.max_tokens), tostring(req.has_tools), tostring(req.has_images),
      req.code_signals, tostring(req.account_id), #ctx.providers, ctx.providers[1].health}, ",")}
  end
  if req.headers["x-prefer"] then
    return {provider = req.headers["x-prefer"], model = req.model, fallbacks = {"a"}, info = {why = "header"}}
  end
  if req.headers["x-echo-metadata"] then
    local m = req.metadata
    return {provider = m and m.route or "a", model = req.model,
            info = {metadata = m or "none", cookie = req.headers.cookie}}
  end
  return nil
end)");
  GatewayFixture gw(twoProviders(*a, *b, "routing:\n  script: " + script.path() + "\n"));
  auto echo = postJson(gw.port(), "/v1/chat/completions",
                       R"({"model":"m","max_tokens":77,"tools":[{"type":"function","function":{"name":"f"}}],)"
                       R"("messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"```x```"},)"
                       R"({"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]})",
                       {{"X-Echo", "1"}});
  ASSERT_EQ(echo.status, 418) << echo.body;
  EXPECT_EQ(json::parse(echo.body)["error"]["message"], "m,chat,false,2,77,true,true,2,nil,2,ok");
  EXPECT_EQ(json::parse(echo.body)["error"]["code"], "request_denied");

  auto r = postJson(gw.port(), "/v1/chat/completions", kChat, {{"X-Prefer", "b"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto info = json::parse(r.body)["routing_info"];
  EXPECT_EQ(info["provider"], "b");
  EXPECT_EQ(info["reason"], "script");
  EXPECT_EQ(info["policy"]["why"], "header");

  // The request's metadata object reaches the script as req.metadata; credentials do not.
  auto tagged = postJson(gw.port(), "/v1/chat/completions",
                         R"({"model":"m","metadata":{"route":"b","team":"r&d"},"messages":[{"role":"user","content":"x"}]})",
                         {{"X-Echo-Metadata", "1"}, {"Cookie", "session=a-secret-of-the-client"}});
  ASSERT_EQ(tagged.status, 200) << tagged.body;
  auto policy = json::parse(tagged.body)["routing_info"]["policy"];
  EXPECT_EQ(policy["metadata"], json({{"route", "b"}, {"team", "r&d"}}));
  EXPECT_EQ(policy["cookie"], "[redacted]");
  EXPECT_EQ(json::parse(tagged.body)["routing_info"]["provider"], "b");
  auto untagged = postJson(gw.port(), "/v1/chat/completions", kChat, {{"X-Echo-Metadata", "1"}});
  ASSERT_EQ(untagged.status, 200) << untagged.body;
  EXPECT_EQ(json::parse(untagged.body)["routing_info"]["policy"]["metadata"], "none");
  auto refused = postJson(gw.port(), "/v1/chat/completions",
                          R"({"model":"m","metadata":{"n":1},"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(json::parse(refused.body)["error"]["param"], "metadata");
}

TEST(Routing, BrokenScriptsFallBackToTheConfiguredOrderAndAreCounted) {
  auto a = namedUpstream("from-a");
  auto b = namedUpstream("from-b");
  ScriptFile script(R"(
function route(req, ctx)
  if req.headers["x-mode"] == "loop" then while true do end end
  if req.headers["x-mode"] == "error" then error("no route today") end
  if req.headers["x-mode"] == "bomb" then local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 1048576) .. i end end
  if req.headers["x-mode"] == "unknown" then return {provider = "nobody", model = "m"} end
  if req.headers["x-mode"] == "escape" then return {provider = os.execute("true"), model = "m"} end
  return {provider = "b", model = "m"}
end)");
  GatewayFixture gw(twoProviders(*a, *b, "routing:\n  script: " + script.path() + "\n"));
  for (const char* mode : {"loop", "error", "bomb", "unknown", "escape"}) {
    auto r = postJson(gw.port(), "/v1/chat/completions", kChat, {{"X-Mode", mode}});
    ASSERT_EQ(r.status, 200) << mode << ": " << r.body;
    EXPECT_EQ(contentOf(r.body), "from-a") << mode;
    EXPECT_EQ(json::parse(r.body)["routing_info"]["reason"], "script_error") << mode;
  }
  // The script still works for everyone else.
  EXPECT_EQ(contentOf(postJson(gw.port(), "/v1/chat/completions", kChat).body), "from-b");
  EXPECT_EQ(metricValue(gw.port(), R"(turnpike_policy_errors_total{function="route",kind="timeout"})"), 1);
  EXPECT_EQ(metricValue(gw.port(), R"(turnpike_policy_errors_total{function="route",kind="script"})"), 2);  // error, os
  EXPECT_EQ(metricValue(gw.port(), R"(turnpike_policy_errors_total{function="route",kind="memory"})"), 1);
  EXPECT_EQ(metricValue(gw.port(), R"(turnpike_policy_errors_total{function="route",kind="bad_result"})"), 1);
}

std::string tieredModels(const FakeUpstream& up) {
  return expand(R"(
providers:
  - name: up
    plugin: openai_compat
    base_url: {{url}}
    models:
      - id: small
        price: {input: 0, output: 0}
        context_length: 8000
        parameters: 8
        capabilities: [chat, cheap]
      - id: large
        price: {input: 0, output: 0}
        context_length: 200000
        parameters: 400
        capabilities: [chat, tools, vision, strong]
      - id: embed
        capabilities: [embeddings]
)",
                "url", up.baseUrl());
}

TEST(Routing, AutoPicksTheModelByCapabilityAndComplexity) {
  FakeUpstream up([](const RecordedRequest& r, HTTPServerResponse& res) {
    FakeUpstream::sendJson(res, 200, chatCompletionJson(json::parse(r.body)["model"], "ok"));
  });
  GatewayFixture gw(tieredModels(up));
  auto routed = [&](const std::string& body) {
    auto r = postJson(gw.port(), "/v1/chat/completions", body);
    EXPECT_EQ(r.status, 200) << r.body;
    auto info = json::parse(r.body)["routing_info"];
    EXPECT_EQ(info["requested_model"], "auto");
    EXPECT_EQ(json::parse(up.lastRequest().body)["model"], info["model"]) << "the upstream gets the chosen model";
    return info;
  };
  auto chat = routed(R"({"model":"auto","messages":[{"role":"user","content":"hello there"}]})");
  EXPECT_EQ(chat["model"], "small");
  EXPECT_EQ(chat["reason"], "auto");
  EXPECT_EQ(chat["policy"]["tier"], "cheap");
  auto code = routed(R"({"model":"auto","messages":[{"role":"user","content":"fix this:\n```\nint main() {\n  return 0;\n}\n```"}]})");
  EXPECT_EQ(code["model"], "large");
  EXPECT_EQ(code["policy"]["tier"], "strong");
  auto tools = routed(R"({"model":"auto","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(tools["model"], "large");
  std::string longPrompt(40'000, 'a');
  auto longer = routed(R"({"model":"auto","messages":[{"role":"user","content":")" + longPrompt + R"("}]})");
  EXPECT_EQ(longer["model"], "large");
  auto vision = routed(R"({"model":"auto","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://e.com/a.png"}}]}]})");
  EXPECT_EQ(vision["model"], "large");

  auto embeddings = postJson(gw.port(), "/v1/embeddings", R"({"model":"auto","input":"x"})");
  EXPECT_NE(embeddings.status, 404) << "auto serves embeddings with an embeddings model: " << embeddings.body;
  EXPECT_EQ(json::parse(up.lastRequest().body)["model"], "embed");
}

TEST(Routing, RouterQueryFiltersAndRanks) {
  FakeUpstream up;
  GatewayFixture gw(tieredModels(up));
  auto query = [&](const std::string& body) {
    auto r = postJson(gw.port(), "/api/models/route", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  };
  auto all = query("{}");
  EXPECT_EQ(all["candidates"].size(), 3u);
  EXPECT_EQ(all["selected"]["candidates"][0]["model"], "small");
  auto large = query(R"({"prefer_size":"large","min_params":1})");
  ASSERT_EQ(large["candidates"].size(), 2u);
  EXPECT_EQ(large["candidates"][0]["model"], "large");
  EXPECT_EQ(large["candidates"][0]["parameters"], 400);
  EXPECT_EQ(query(R"({"prefer_size":"small","min_params":1})")["candidates"][0]["model"], "small");
  EXPECT_EQ(query(R"({"max_params":10})")["candidates"].size(), 1u);
  auto vision = query(R"({"capabilities":["vision"]})");
  ASSERT_EQ(vision["candidates"].size(), 1u);
  EXPECT_EQ(vision["selected"]["candidates"][0]["model"], "large");
  EXPECT_EQ(query(R"({"providers":["other"]})")["candidates"].size(), 0u);
  EXPECT_EQ(query(R"({"limit":1})")["candidates"].size(), 1u);
  EXPECT_EQ(query(R"({"model":"nope"})")["selected"]["denied"]["status"], 404);
  EXPECT_EQ(postJson(gw.port(), "/api/models/route", R"({"limit":0})").status, 400);
  EXPECT_EQ(postJson(gw.port(), "/api/models/route", R"({"prefer_size":"huge"})").status, 400);
  EXPECT_EQ(postJson(gw.port(), "/api/models/route", R"({"capabilities":"tools"})").status, 400);
  // Numbers beyond int64_t, fractions and the edges of the range.
  for (const char* limit : {"1e300", "-1e300", "9.3e18", "2.5", "101"}) {
    auto r = postJson(gw.port(), "/api/models/route", std::string(R"({"limit":)") + limit + "}");
    EXPECT_EQ(r.status, 400) << limit;
    EXPECT_EQ(json::parse(r.body)["error"]["param"], "limit") << limit;
  }
  EXPECT_EQ(query(R"({"limit":100})")["candidates"].size(), 3u);
  EXPECT_EQ(query(R"({"limit":2.0})")["candidates"].size(), 2u);
}

TEST(Routing, ReloadKeepsServingAndRefusesBrokenScripts) {
  auto a = namedUpstream("from-a");
  auto b = namedUpstream("from-b");
  ScriptFile script(R"(function route(req, ctx) return {provider = "a", model = "m"} end)");
  GatewayFixture gw(twoProviders(*a, *b, "server:\n  admin_token: adm-secret-0123456789abcdef01234567\nrouting:\n  watch: false\n  script: " +
                                             script.path() + "\n"));
  Headers admin{{"Authorization", "Bearer adm-secret-0123456789abcdef01234567"}};
  EXPECT_EQ(contentOf(postJson(gw.port(), "/v1/chat/completions", kChat).body), "from-a");
  EXPECT_EQ(postJson(gw.port(), "/admin/reload", "").status, 401);

  script.write("function route(req, ctx) return {provider = 'b', model = 'm'} end");
  auto ok = postJson(gw.port(), "/admin/reload", "", admin);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.body)["generation"], 2);
  EXPECT_EQ(contentOf(postJson(gw.port(), "/v1/chat/completions", kChat).body), "from-b");

  for (const char* broken : {"function route(req, ctx) return {provider = 'a' end",  // syntax
                             "function notroute() end",                               // no route()
                             "error('fails while loading')"}) {
    script.write(broken);
    auto refused = postJson(gw.port(), "/admin/reload", "", admin);
    EXPECT_EQ(refused.status, 422) << broken;
    EXPECT_EQ(json::parse(refused.body)["generation"], 2);
    EXPECT_NE(json::parse(refused.body)["error"]["message"].get<std::string>().find(script.path()), std::string::npos)
        << refused.body;
    EXPECT_EQ(contentOf(postJson(gw.port(), "/v1/chat/completions", kChat).body), "from-b") << "old scripts serve";
  }
  EXPECT_EQ(metricValue(gw.port(), R"(turnpike_policy_reloads_total{result="refused"})"), 3);
}

TEST(Routing, FileChangesReloadTheScripts) {
  auto a = namedUpstream("from-a");
  auto b = namedUpstream("from-b");
  ScriptFile script(R"(function route(req, ctx) return {provider = "a", model = "m"} end)");
  GatewayFixture gw(twoProviders(*a, *b, "routing:\n  script: " + script.path() + "\n"));
  EXPECT_EQ(contentOf(postJson(gw.port(), "/v1/chat/completions", kChat).body), "from-a");
  script.write("function route(req, ctx) return {provider = 'b', model = 'm'} end");
  std::string content;
  for (int i = 0; i < 50 && content != "from-b"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    content = contentOf(postJson(gw.port(), "/v1/chat/completions", kChat).body);
  }
  EXPECT_EQ(content, "from-b") << "the watcher reloads within a few seconds";
}

TEST(Routing, HundredRequestsInFlightSurviveReloads) {
  Gate release;
  FakeUpstream held([&](const RecordedRequest&, HTTPServerResponse& res) {
    release.wait(std::chrono::seconds(20));
    FakeUpstream::sendJson(res, 200, chatCompletionJson("m", "held"));
  });
  auto b = namedUpstream("from-b");
  ScriptFile script("function route(req, ctx) return {provider = 'a', model = 'm', fallbacks = {'b'}} end");
  GatewayFixture gw(expand(expand(expand(R"(
server: {admin_token: adm-0123456789abcdef0123456789ab, workers: 2}
billing: {rate_limits: {anonymous: {requests_per_minute: 0}}}
routing: {watch: false, script: {{script}}}
providers:
  - name: a
    plugin: openai_compat
    base_url: {{a}}
    timeout_ms: 30000
    models: [m]
  - name: b
    plugin: openai_compat
    base_url: {{b}}
    models: [m]
)",
                                         "a", held.baseUrl()),
                                  "b", b->baseUrl()),
                           "script", script.path()));
  std::vector<std::future<HttpResult>> inFlight;
  for (int i = 0; i < 100; ++i)
    inFlight.push_back(std::async(std::launch::async, [&] { return postJson(gw.port(), "/v1/chat/completions", kChat); }));
  // Every one of them is at the upstream, waiting, while the scripts change under them.
  for (int i = 0; i < 5000 && held.requestCount() < 100; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(held.requestCount(), 100u);
  for (int i = 0; i < 10; ++i) {
    script.write(i % 2 == 0 ? "function route(req, ctx) return nil end"
                            : "function route(req, ctx) return {provider = 'a', model = 'm', fallbacks = {'b'}} end");
    auto reload = postJson(gw.port(), "/admin/reload", "", {{"Authorization", "Bearer adm-0123456789abcdef0123456789ab"}});
    ASSERT_EQ(reload.status, 200) << reload.body;
    EXPECT_EQ(json::parse(reload.body)["generation"], i + 2) << "each reload publishes a new generation";
  }
  release.open();
  int ok = 0;
  for (auto& f : inFlight) {
    auto r = f.get();
    EXPECT_EQ(r.status, 200) << r.body;
    ok += r.status == 200 && contentOf(r.body) == "held";
  }
  EXPECT_EQ(ok, 100);
  EXPECT_EQ(b->requestCount(), 0u);
}

TEST(Routing, AnonymousCallersAreNotAskedToPayForAFallback) {
  auto a = namedUpstream("from-a", 503);  // free, down
  auto b = namedUpstream("from-b");       // paid
  GatewayFixture gw(expand(expand(R"(
providers:
  - name: a
    plugin: openai_compat
    base_url: {{a}}
    models: [m]
  - name: b
    plugin: openai_compat
    base_url: {{b}}
    models:
      - id: m
        price: {request: 1000}
)",
                                  "a", a->baseUrl()),
                           "b", b->baseUrl()));
  auto anonymous = postJson(gw.port(), "/v1/chat/completions", kChat);
  EXPECT_EQ(anonymous.status, 503) << "only the free provider was theirs to use: " << anonymous.body;
  EXPECT_EQ(b->requestCount(), 0u);
  auto account = gw.fundedAccount(10'000);
  auto paid = postJson(gw.port(), "/v1/chat/completions", kChat, {{"Authorization", "Bearer " + account.apiKey}});
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_EQ(contentOf(paid.body), "from-b");
  EXPECT_EQ(gw.billing().wallet(account.accountId)->balance, 9'000);
}

TEST(Routing, PricingScriptChargesAndQuotesWithFallbackToConfig) {
  auto a = namedUpstream("from-a");  // usage: 10 prompt + 5 completion tokens
  ScriptFile pricing(R"(
function price(usage, ctx)
  if ctx.tier == "float" then return 1.5 end
  if ctx.tier == "negative" then return -1 end
  if ctx.tier == "vip" then return {amount = 7} end
  return usage.prompt_tokens * 1000 + usage.completion_tokens * 10
end)");
  GatewayFixture gw(expand(expand(R"(
providers:
  - name: a
    plugin: openai_compat
    base_url: {{a}}
    models:
      - id: m
        price: {input: 1000000, output: 2000000}
        max_output_tokens: 100
pricing:
  script: {{script}}
)",
                                  "a", a->baseUrl()),
                           "script", pricing.path()));
  auto charge = [&](const std::string& tier, int64_t credit) {
    auto account = gw.fundedAccount(credit);
    if (!tier.empty()) {
      EXPECT_TRUE(gw.billing().setTier(account.accountId, tier));
    }
    auto r = postJson(gw.port(), "/v1/chat/completions", kChat, {{"Authorization", "Bearer " + account.apiKey}});
    int64_t balance = gw.billing().wallet(account.accountId)->balance;
    EXPECT_EQ(gw.billing().wallet(account.accountId)->reserved, 0);
    return std::make_pair(r, credit - balance);
  };
  // The script's price: 10 * 1000 + 5 * 10.
  auto [standard, charged] = charge("", 1'000'000);
  ASSERT_EQ(standard.status, 200) << standard.body;
  EXPECT_EQ(charged, 10'050);
  EXPECT_EQ(json::parse(standard.body)["usage"]["cost"], 10'050);
  // The same function quotes the hold: ~16 prompt tokens and 100 output tokens cost about 17,000
  // under the script, though only ~216 at the configured price.
  auto [refused, none] = charge("", 12'000);
  EXPECT_EQ(refused.status, 402) << refused.body;
  EXPECT_EQ(none, 0);
  EXPECT_EQ(charge("vip", 1'000).second, 7);
  // Unusable answers charge the configured price (10 * 1 + 5 * 2) and are counted.
  EXPECT_EQ(charge("float", 1'000'000).second, 20);
  EXPECT_EQ(charge("negative", 1'000'000).second, 20);
  EXPECT_GE(metricValue(gw.port(), R"(turnpike_policy_errors_total{function="price",kind="bad_result"})"), 2);
}

}  // namespace
}  // namespace turnpike::test
