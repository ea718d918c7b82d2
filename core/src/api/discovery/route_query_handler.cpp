#include "api/discovery/route_query_handler.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "api/request_body.hpp"
#include "http/api_error.hpp"

namespace turnpike::api {

using http::ApiError;
using nlohmann::json;

namespace {

constexpr int64_t kDefaultLimit = 10;
constexpr int64_t kMaxLimit = 100;

std::vector<std::string> stringList(const json& body, const char* key) {
  std::vector<std::string> out;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) throw ApiError(400, "invalid_type", std::string("'") + key + "' must be an array of strings", key);
  for (const auto& v : *it) {
    if (!v.is_string()) throw ApiError(400, "invalid_type", std::string("'") + key + "' must be an array of strings", key);
    out.push_back(v.get<std::string>());
  }
  return out;
}

double number(const json& body, const char* key, double fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_number() || it->get<double>() < 0)
    throw ApiError(400, "invalid_type", std::string("'") + key + "' must be a non-negative number", key);
  return it->get<double>();
}

// A whole number in [min, max], compared as a double before any cast: 1e300 has no int64_t.
int64_t wholeNumber(const json& body, const char* key, int64_t fallback, int64_t min, int64_t max) {
  double v = number(body, key, static_cast<double>(fallback));
  if (!(v >= static_cast<double>(min) && v <= static_cast<double>(max)) || v != std::floor(v))
    throw ApiError(400, "invalid_value",
                   std::string("'") + key + "' is a whole number between " + std::to_string(min) + " and " +
                       std::to_string(max),
                   key);
  return static_cast<int64_t>(v);
}

std::string text(const json& body, const char* key, const char* fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_string() || it->get_ref<const std::string&>().empty())
    throw ApiError(400, "invalid_type", std::string("'") + key + "' must be a non-empty string", key);
  return it->get<std::string>();
}

int healthRank(policy::Health h) { return h == policy::Health::Ok ? 0 : 1; }

}  // namespace

void RouteQueryHandler::registerRoutes(http::Router& router) {
  router.add("POST", "/api/models/route", [this](const std::shared_ptr<http::Exchange>& ex, const http::PathParams&) {
    ex->respond(query(ex->request()));
  });
}

http::Response RouteQueryHandler::query(const http::Request& request) const {
  json body = jsonBody(request);
  auto providers = stringList(body, "providers");
  auto capabilities = stringList(body, "capabilities");
  double minParams = number(body, "min_params", 0);
  double maxParams = number(body, "max_params", 0);
  std::string preferSize = text(body, "prefer_size", "any");
  if (preferSize != "any" && preferSize != "small" && preferSize != "large")
    throw ApiError(400, "invalid_value", "'prefer_size' is one of small, large, any", "prefer_size");
  int64_t limit = wholeNumber(body, "limit", kDefaultLimit, 1, kMaxLimit);
  std::string model = text(body, "model", "auto");

  auto snapshot = health_.snapshot();
  const auto& list = snapshot->candidates();
  std::set<std::string> wanted(providers.begin(), providers.end());
  std::vector<size_t> ranked;
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& c = list[i];
    const auto* route = catalog_.all()[i];
    if (c.health == policy::Health::Open) continue;
    if (!wanted.empty() && !wanted.contains(c.provider)) continue;
    if (model != pipeline::kAutoModel && c.model != model) continue;
    bool capable = std::all_of(capabilities.begin(), capabilities.end(), [&](const std::string& cap) {
      return std::find(c.capabilities.begin(), c.capabilities.end(), cap) != c.capabilities.end();
    });
    if (!capable) continue;
    double params = route->model.parametersB;
    if ((minParams > 0 || maxParams > 0) && params <= 0) continue;  // size asked for, size unknown
    if (minParams > 0 && params < minParams) continue;
    if (maxParams > 0 && params > maxParams) continue;
    ranked.push_back(i);
  }
  auto sizeKey = [&](size_t i) {
    double p = catalog_.all()[i]->model.parametersB;
    if (preferSize == "any") return 0.0;
    if (p <= 0) return 1e18;  // unknown size after every known one
    return preferSize == "small" ? p : -p;
  };
  std::stable_sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) {
    const auto& x = list[a];
    const auto& y = list[b];
    auto key = [&](size_t i, const policy::ProviderCandidate& c) {
      return std::make_tuple(sizeKey(i), healthRank(c.health), c.errorRate, c.priceInput + c.priceOutput, c.latencyEwmaMs);
    };
    return key(a, x) < key(b, y);
  });
  if (static_cast<int64_t>(ranked.size()) > limit) ranked.resize(static_cast<size_t>(limit));

  json candidates = json::array();
  for (size_t i : ranked) {
    const auto& c = list[i];
    const auto& m = catalog_.all()[i]->model;
    json entry{{"provider", c.provider},
               {"model", c.model},
               {"capabilities", c.capabilities},
               {"context_length", c.contextLength},
               {"price", {{"input", c.priceInput}, {"output", c.priceOutput}}},
               {"health", policy::healthName(c.health)},
               {"latency_ms", c.latencyEwmaMs},
               {"error_rate", c.errorRate},
               {"in_flight", c.inFlight}};
    entry["parameters"] = m.parametersB > 0 ? json(m.parametersB) : json(nullptr);
    candidates.push_back(std::move(entry));
  }

  // What route() answers for a chat request of this kind from an anonymous caller.
  pipeline::InferenceRequest sample;
  sample.operation = TP_OP_CHAT;
  sample.summary.model = model;
  sample.summary.messageCount = 1;
  sample.summary.promptBytes = static_cast<uint64_t>(number(body, "prompt_tokens", 0)) * 4;
  sample.summary.hasTools = std::find(capabilities.begin(), capabilities.end(), "tools") != capabilities.end();
  sample.summary.imageCount = std::find(capabilities.begin(), capabilities.end(), "vision") != capabilities.end() ? 1 : 0;
  json selected;
  try {
    auto plan = route_.plan(sample, pipeline::Identity{}, request);
    json chosen = json::array();
    for (const auto* r : plan.candidates) chosen.push_back({{"provider", r->providerName()}, {"model", r->id()}});
    selected = {{"reason", plan.reason}, {"candidates", std::move(chosen)}};
    if (!plan.info.is_null()) selected["policy"] = plan.info;
  } catch (const ApiError& e) {
    selected = {{"denied", {{"status", e.status()}, {"code", e.code()}, {"message", e.what()}}}};
  }
  return http::Response::json(200, json{{"object", "list"}, {"candidates", std::move(candidates)}, {"selected", std::move(selected)}}.dump());
}

}  // namespace turnpike::api
