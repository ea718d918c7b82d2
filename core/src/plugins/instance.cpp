#include "plugins/instance.hpp"

#include <stdexcept>

namespace turnpike::plugins {

using nlohmann::json;

Instance::Instance(const LoadedPlugin& plugin, std::string name, const json& config, std::vector<std::string> secrets,
                   PaymentHost* payments)
    : plugin_(plugin) {
  host_.instance = std::move(name);
  host_.plugin = plugin.name;
  host_.secrets = std::move(secrets);
  host_.payments = payments;
  std::string text = config.dump();
  tp_error error{};
  instance_ = plugin.descriptor->on_create(hostApi(), &host_, {text.data(), text.size()}, &error);
  if (instance_ == nullptr)
    throw std::runtime_error(error.message[0] != '\0' ? redact(error.message) : "the plugin refused its configuration");
}

Instance::~Instance() {
  host_.stopping = true;
  if (instance_ != nullptr) plugin_.descriptor->on_destroy(instance_);
}

namespace {

json parsedReply(const tp_buffer& out, const char* what) {
  json reply = json::parse(out.data, nullptr, false);
  if (reply.is_discarded()) throw std::runtime_error(std::string(what) + ": the plugin returned malformed JSON");
  return reply;
}

}  // namespace

json Instance::callJson(InputHook hook, const json& input, const char* what) const {
  if (hook == nullptr) throw std::runtime_error("plugin '" + name() + "' has no " + what);
  std::string text = input.dump();
  tp_buffer out;
  tp_error error{};
  if (hook(instance_, {text.data(), text.size()}, &out, &error) != 0)
    throw std::runtime_error(std::string(what) + ": " + redact(error.message));
  return parsedReply(out, what);
}

json Instance::callJson(ListHook hook, const char* what) const {
  if (hook == nullptr) throw std::runtime_error("plugin '" + name() + "' has no " + what);
  tp_buffer out;
  tp_error error{};
  if (hook(instance_, &out, &error) != 0) throw std::runtime_error(std::string(what) + ": " + redact(error.message));
  return parsedReply(out, what);
}

}  // namespace turnpike::plugins
