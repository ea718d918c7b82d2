// The Lua JSON bridge of policy::LuaState: JSON handed to a script (req.metadata) and a table
// handed back (route()'s info) must round-trip to exactly what the documented mapping says (null
// members vanish, a table is an array only when its keys are 1..n with n > 0, nesting is capped),
// and a string crosses back only if it is UTF-8 that nlohmann can dump. The first byte picks:
//  - even: the input is JSON text (skipped unless nlohmann parses it), given as req.metadata;
//  - odd: the input is a header value, returned by the script as info.value.
#include <cmath>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "fuzz_check.hpp"
#include "policy/lua_state.hpp"

namespace {

using nlohmann::json;
using namespace turnpike::policy;

constexpr const char* kRouting = R"(
function route(req, ctx)
  if req.model == "header" then return {provider = "p", info = {value = req.headers["x-fuzz"]}} end
  return {provider = "p", info = req.metadata}
end
)";
constexpr const char* kPricing = "function price(usage, ctx) return 0 end";

PolicyLimits limits() {
  PolicyLimits l;
  l.callTimeout = std::chrono::seconds(2);  // conversion is under test here, not the deadline
  return l;
}

LuaState& state() {
  static std::unique_ptr<LuaState> s;
  if (!s || s->spoiled()) {
    auto built = LuaState::build({"routing.lua", kRouting}, {"pricing.lua", kPricing}, limits());
    FUZZ_CHECK(built.state != nullptr);
    s = std::move(built.state);
  }
  return *s;
}

// A table with integer keys `entries` as JSON: an array when the keys are exactly 1..n.
json tableOf(const std::vector<std::pair<size_t, json>>& entries) {
  if (!entries.empty() && entries.back().first == entries.size()) {
    json a = json::array();
    for (const auto& e : entries) a.push_back(e.second);
    return a;
  }
  json o = json::object();
  for (const auto& [k, v] : entries) o[std::to_string(k)] = v;
  return o;
}

// What `v` becomes after JSON -> Lua -> JSON at nesting `depth`; nullopt when the bridge must
// refuse it (too deep, an integer above 2^63-1, a float that is not finite).
std::optional<json> roundTrip(const json& v, int depth, int maxDepth) {
  if (depth >= maxDepth) return std::nullopt;
  switch (v.type()) {
    case json::value_t::number_unsigned:
      if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
      return v;
    case json::value_t::number_float:
      if (!std::isfinite(v.get<double>())) return std::nullopt;
      return v;
    case json::value_t::array: {
      std::vector<std::pair<size_t, json>> entries;
      for (size_t i = 0; i < v.size(); ++i) {
        auto e = roundTrip(v[i], depth + 1, maxDepth);
        if (!e) return std::nullopt;
        if (!e->is_null()) entries.emplace_back(i + 1, std::move(*e));
      }
      return tableOf(entries);
    }
    case json::value_t::object: {
      json o = json::object();
      for (const auto& [k, m] : v.items()) {
        auto e = roundTrip(m, depth + 1, maxDepth);
        if (!e) return std::nullopt;
        if (!e->is_null()) o[k] = std::move(*e);
      }
      return o;
    }
    default:
      return v;
  }
}

bool acceptable(const PolicyError& e) {
  // Resource limits may stop any call; they say nothing about the conversion.
  return e.kind == PolicyErrorKind::Timeout || e.kind == PolicyErrorKind::MemoryLimit;
}

void fuzzMetadata(std::string_view text) {
  json metadata = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (metadata.is_discarded()) return;
  RouteRequest request;
  request.model = "metadata";
  request.metadata = &metadata;
  RouteOutcome out = state().route(request, RouteContext{});
  auto expected = roundTrip(metadata, 0, limits().maxDepth);
  if (!out.ok()) {
    FUZZ_CHECK(!expected || acceptable(out.error));
    return;
  }
  FUZZ_CHECK(expected.has_value());
  FUZZ_CHECK(out.info == *expected);
  out.info.dump();
}

void fuzzHeader(std::string_view value) {
  std::vector<turnpike::http::Header> headers{{"x-fuzz", std::string(value)}};
  RouteRequest request;
  request.model = "header";
  request.headers = headers;
  RouteOutcome out = state().route(request, RouteContext{});
  bool dumpable = true;
  try {
    json(std::string(value)).dump();
  } catch (const json::type_error&) {
    dumpable = false;
  }
  if (!out.ok()) {
    FUZZ_CHECK(!dumpable || acceptable(out.error));
    return;
  }
  FUZZ_CHECK(dumpable);
  FUZZ_CHECK(out.info.at("value") == json(std::string(value)));
  out.info.dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1)
    fuzzHeader(input);
  else
    fuzzMetadata(input);
  return 0;
}
