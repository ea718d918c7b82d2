#include "plugin_harness.hpp"

#include <chrono>

#include "plugins/loader.hpp"

namespace turnpike::lightning_test {

namespace {

tp_str str(const std::string& s) { return {s.data(), s.size()}; }

template <class Call>
HookReply invoke(Call&& call, bool expectBody = true) {
  std::string out;
  tp_error error{};
  int rc = call(asBuffer(out), &error);
  HookReply r;
  r.ok = rc == 0;
  if (!r.ok) {
    r.error = error.message;
    return r;
  }
  if (expectBody) r.body = json::parse(out);
  return r;
}

}  // namespace

const tp_plugin_descriptor* LightningPlugin::descriptor() {
  static const tp_plugin_descriptor* d =
      plugins::Loader::loadFile(TURNPIKE_LIGHTNING_PLUGIN, "lightning", TP_KIND_PAYMENT).descriptor;
  return d;
}

const tp_payment_vtable* LightningPlugin::vtable() {
  return static_cast<const tp_payment_vtable*>(descriptor()->vtable);
}

LightningPlugin::LightningPlugin(TestHost& host, const json& config) : host_(host) {
  std::string text = config.dump();
  tp_error error{};
  instance_ = descriptor()->on_create(TestHost::api(), host_.handle(), str(text), &error);
  if (instance_ == nullptr) throw std::runtime_error(error.message);
}

LightningPlugin::~LightningPlugin() { descriptor()->on_destroy(instance_); }

std::string LightningPlugin::createError(const json& config) {
  TestHost host;
  try {
    LightningPlugin plugin(host, config);
    return "";
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

json LightningPlugin::describe() {
  auto r = invoke([&](tp_buffer* out, tp_error* e) { return vtable()->on_describe(instance_, out, e); });
  if (!r.ok) throw std::runtime_error(r.error);
  return r.body;
}

json LightningPlugin::routes() {
  auto r = invoke([&](tp_buffer* out, tp_error* e) { return vtable()->on_routes(instance_, out, e); });
  if (!r.ok) throw std::runtime_error(r.error);
  return r.body;
}

HookReply LightningPlugin::http(const json& request) {
  std::string text = request.dump();
  return invoke([&](tp_buffer* out, tp_error* e) { return vtable()->on_http(instance_, str(text), out, e); });
}

HookReply LightningPlugin::topupCreate(const json& topup) {
  std::string text = topup.dump();
  return invoke([&](tp_buffer* out, tp_error* e) { return vtable()->on_topup_create(instance_, str(text), out, e); });
}

HookReply LightningPlugin::topupCheck(const json& topup) {
  std::string text = topup.dump();
  return invoke([&](tp_buffer*, tp_error* e) { return vtable()->on_topup_check(instance_, str(text), e); }, false);
}

HookReply LightningPlugin::challenge(const json& request) {
  std::string text = request.dump();
  return invoke([&](tp_buffer* out, tp_error* e) { return vtable()->on_challenge(instance_, str(text), out, e); });
}

HookReply LightningPlugin::authorize(const json& request) { return authorizeText(request.dump()); }

HookReply LightningPlugin::authorizeText(const std::string& request) {
  return invoke([&](tp_buffer* out, tp_error* e) { return vtable()->on_authorize(instance_, str(request), out, e); });
}

void LightningPlugin::tick() { vtable()->on_tick(instance_); }

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

int64_t epochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace turnpike::lightning_test
