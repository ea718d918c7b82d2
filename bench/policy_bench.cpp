// The Lua policy engine on the request path: route() and price() with the default scripts.
// Target: route + price under 5 us per request (Release).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "policy/policy_engine.hpp"

namespace {

using namespace turnpike::policy;

ScriptSource script(const char* relative) {
  auto path = std::filesystem::path(TURNPIKE_SOURCE_DIR) / relative;
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return {relative, text.str()};
}

PolicyEngine& engine() {
  static PolicyEngine* e = [] {
    auto* created = new PolicyEngine();
    auto loaded = created->reload(script("scripts/routing.lua"), script("scripts/pricing.lua"));
    if (!loaded.ok) throw std::runtime_error(loaded.error);
    return created;
  }();
  return *e;
}

// 8 providers x 3 models; "gpt-4o-mini" has one provider with an open circuit.
std::shared_ptr<const ProviderSnapshot> fleet() {
  std::vector<ProviderCandidate> candidates;
  const char* models[] = {"gpt-4o-mini", "gpt-4o", "llama-3.1-70b"};
  for (int p = 0; p < 8; ++p) {
    for (int m = 0; m < 3; ++m) {
      ProviderCandidate c;
      c.provider = "provider-" + std::to_string(p);
      c.model = models[m];
      c.capabilities = m == 1 ? std::vector<std::string>{"chat", "completions", "tools", "vision", "json"}
                              : std::vector<std::string>{"chat", "completions", "tools"};
      c.priceInput = (m == 1 ? 2'500'000 : 150'000) + p * 1'000;
      c.priceOutput = (m == 1 ? 10'000'000 : 600'000) + p * 1'000;
      c.contextLength = m == 1 ? 128'000 : 32'000;
      c.latencyEwmaMs = 100 + p * 20;
      c.inFlight = p;
      c.health = (p == 0 && m == 0) ? Health::Open : Health::Ok;
      candidates.push_back(std::move(c));
    }
  }
  return std::make_shared<const ProviderSnapshot>(std::move(candidates));
}

const std::vector<turnpike::http::Header> kHeaders{
    {"host", "127.0.0.1:8080"},          {"user-agent", "OpenAI/Python 1.40.0"}, {"content-type", "application/json"},
    {"authorization", "Bearer sk-xxxx"}, {"x-request-id", "req-123"},            {"accept", "application/json"}};

RouteRequest request(std::string_view model) {
  RouteRequest r;
  r.model = model;
  r.messageCount = 3;
  r.promptTokens = 180;
  r.maxTokens = 256;
  r.accountId = "acct_0001";
  r.tier = "pro";
  r.headers = kHeaders;
  return r;
}

PriceUsage usage() { return {"gpt-4o-mini", "provider-1", 1'234, 321, 200, true}; }

PriceContext priceContext() {
  PriceContext c;
  c.accountId = "acct_0001";
  c.tier = "pro";
  c.prices = {150'000, 600'000, 75'000, 0};
  c.markupPpm = 1'200'000;
  return c;
}

void check(const PolicyError& error, benchmark::State& state) {
  if (error) state.SkipWithError(("policy call failed: " + error.message).c_str());
}

void BM_PolicyRouteModel(benchmark::State& state) {
  RouteContext context{fleet()};
  auto r = request(state.range(0) == 0 ? "gpt-4o" : "gpt-4o-mini");
  for (auto _ : state) {
    auto out = engine().route(r, context);
    check(out.error, state);
    benchmark::DoNotOptimize(out.decision);
  }
}
// 0: every provider healthy (the script returns nil); 1: one open circuit (a reordered plan).
BENCHMARK(BM_PolicyRouteModel)->Arg(0)->Arg(1);

void BM_PolicyRouteAuto(benchmark::State& state) {
  RouteContext context{fleet()};
  auto r = request("auto");
  r.codeSignals = static_cast<uint32_t>(state.range(0));
  for (auto _ : state) {
    auto out = engine().route(r, context);
    check(out.error, state);
    benchmark::DoNotOptimize(out.target.candidate);
  }
}
// 0: short chat (cheap tier); 4: code (strong tier).
BENCHMARK(BM_PolicyRouteAuto)->Arg(0)->Arg(4);

void BM_PolicyPrice(benchmark::State& state) {
  auto u = usage();
  auto c = priceContext();
  for (auto _ : state) {
    auto out = engine().price(u, c);
    check(out.error, state);
    benchmark::DoNotOptimize(out.amount);
  }
}
BENCHMARK(BM_PolicyPrice);

void BM_PolicyRouteAndPrice(benchmark::State& state) {
  RouteContext context{fleet()};
  auto r = request(state.range(0) == 0 ? "gpt-4o-mini" : "auto");
  auto u = usage();
  auto c = priceContext();
  for (auto _ : state) {
    auto route = engine().route(r, context);
    auto price = engine().price(u, c);
    check(route.error, state);
    check(price.error, state);
    benchmark::DoNotOptimize(price.amount);
  }
}
// 0: a concrete model; 1: model "auto".
BENCHMARK(BM_PolicyRouteAndPrice)->Arg(0)->Arg(1);

// A new provider snapshot: the per-thread ctx table is rebuilt (24 candidates) on the next call.
void BM_PolicyRouteNewSnapshot(benchmark::State& state) {
  auto r = request("auto");
  for (auto _ : state) {
    state.PauseTiming();
    RouteContext context{fleet()};
    state.ResumeTiming();
    auto out = engine().route(r, context);
    check(out.error, state);
    benchmark::DoNotOptimize(out.decision);
  }
}
BENCHMARK(BM_PolicyRouteNewSnapshot);

}  // namespace
