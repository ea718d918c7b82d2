#include "payment_plugin.hpp"

#include <map>
#include <mutex>

#include "plugins/loader.hpp"

namespace turnpike::payment_test {

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

const tp_plugin_descriptor* PaymentPlugin::descriptor(const std::string& path, const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, const tp_plugin_descriptor*> loaded;
  std::lock_guard lock(mutex);
  auto& d = loaded[path];
  if (d == nullptr) d = plugins::Loader::loadFile(path, name, TP_KIND_PAYMENT).descriptor;
  return d;
}

PaymentPlugin::PaymentPlugin(const std::string& path, const std::string& name, TestHost& host, const json& config)
    : descriptor_(descriptor(path, name)),
      vtable_(static_cast<const tp_payment_vtable*>(descriptor_->vtable)),
      host_(host) {
  std::string text = config.dump();
  tp_error error{};
  instance_ = descriptor_->on_create(TestHost::api(), host_.handle(), str(text), &error);
  if (instance_ == nullptr) throw std::runtime_error(error.message);
}

PaymentPlugin::~PaymentPlugin() { descriptor_->on_destroy(instance_); }

std::string PaymentPlugin::createError(const std::string& path, const std::string& name, const json& config) {
  TestHost host;
  try {
    PaymentPlugin plugin(path, name, host, config);
    return "";
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

json PaymentPlugin::describe() {
  auto r = invoke([&](tp_buffer* out, tp_error* e) { return vtable_->on_describe(instance_, out, e); });
  if (!r.ok) throw std::runtime_error(r.error);
  return r.body;
}

json PaymentPlugin::routes() {
  auto r = invoke([&](tp_buffer* out, tp_error* e) { return vtable_->on_routes(instance_, out, e); });
  if (!r.ok) throw std::runtime_error(r.error);
  return r.body;
}

HookReply PaymentPlugin::http(const json& request) {
  std::string text = request.dump();
  return invoke([&](tp_buffer* out, tp_error* e) { return vtable_->on_http(instance_, str(text), out, e); });
}

HookReply PaymentPlugin::topupCreate(const json& topup) {
  std::string text = topup.dump();
  return invoke([&](tp_buffer* out, tp_error* e) { return vtable_->on_topup_create(instance_, str(text), out, e); });
}

HookReply PaymentPlugin::topupCheck(const json& topup) {
  std::string text = topup.dump();
  return invoke([&](tp_buffer*, tp_error* e) { return vtable_->on_topup_check(instance_, str(text), e); }, false);
}

HookReply PaymentPlugin::challenge(const json& request) {
  std::string text = request.dump();
  return invoke([&](tp_buffer* out, tp_error* e) { return vtable_->on_challenge(instance_, str(text), out, e); });
}

HookReply PaymentPlugin::authorize(const json& request) { return authorizeText(request.dump()); }

HookReply PaymentPlugin::authorizeText(const std::string& request) {
  return invoke([&](tp_buffer* out, tp_error* e) { return vtable_->on_authorize(instance_, str(request), out, e); });
}

void PaymentPlugin::tick() { vtable_->on_tick(instance_); }

int64_t epochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace turnpike::payment_test
