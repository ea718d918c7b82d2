#include "policy/probe.hpp"

#include "policy/lua_state.hpp"

namespace turnpike::policy {

namespace {

std::shared_ptr<const ProviderSnapshot> sampleProviders() {
  ProviderCandidate small{.provider = "probe",
                          .model = "probe-small",
                          .capabilities = {"chat", "completions", "tools"},
                          .priceInput = 150'000,
                          .priceOutput = 600'000,
                          .contextLength = 16'000,
                          .latencyEwmaMs = 200};
  ProviderCandidate large{.provider = "probe",
                          .model = "probe-large",
                          .capabilities = {"chat", "completions", "tools", "vision"},
                          .priceInput = 2'500'000,
                          .priceOutput = 10'000'000,
                          .contextLength = 128'000,
                          .latencyEwmaMs = 400};
  return std::make_shared<const ProviderSnapshot>(std::vector<ProviderCandidate>{small, large});
}

}  // namespace

std::optional<std::string> probeScripts(const ScriptSource& routing, const ScriptSource& pricing,
                                        const PolicyLimits& limits) {
  auto built = LuaState::build(routing, pricing, limits);
  if (!built.state) return built.error;
  LuaState& lua = *built.state;

  RouteContext context{sampleProviders()};
  const std::vector<http::Header> headers{{"user-agent", "turnpike-probe"}};
  for (std::string_view model : {"auto", "probe-small"}) {
    RouteRequest request;
    request.model = model;
    request.messageCount = 2;
    request.promptTokens = 20;
    request.maxTokens = 256;
    request.headers = headers;
    auto outcome = lua.route(request, context);
    if (!outcome.ok())
      return "trial call route() for model '" + std::string(model) + "' failed: " + outcome.error.message;
  }

  PriceUsage usage{"probe-small", "probe", 1000, 200, 0, 0, false};
  PriceContext priceContext;
  priceContext.prices = {150'000, 600'000, 75'000, 0};
  auto priced = lua.price(usage, priceContext);
  if (!priced.ok()) return "trial call price() failed: " + priced.error.message;
  return std::nullopt;
}

}  // namespace turnpike::policy
