#include "plugin_harness.hpp"

namespace turnpike::lightning_test {

json LightningPlugin::devPay(const std::string& invoice, bool allowExpired, bool loopback) {
  json body{{"invoice", invoice}};
  if (allowExpired) body["allow_expired"] = true;
  json request{{"method", "POST"},  {"path", "/dev/lightning/pay"}, {"query", ""},
               {"params", json::object()}, {"headers", {{"content-type", "application/json"}}},
               {"body", body.dump()}, {"loopback", loopback}};
  auto r = http(request);
  if (!r.ok) throw std::runtime_error(r.error);
  return json{{"status", r.body.at("status")}, {"body", json::parse(r.body.at("body").get<std::string>())}};
}

json devConfig(const json& extra) {
  json config{{"backend", "dev"}};
  config.merge_patch(extra);
  return config;
}

}  // namespace turnpike::lightning_test
