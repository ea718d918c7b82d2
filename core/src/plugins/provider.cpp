#include "plugins/provider.hpp"

#include <cstddef>
#include <stdexcept>

namespace turnpike::plugins {

Provider::Provider(const LoadedPlugin& plugin, std::string name, const nlohmann::json& config,
                   std::vector<std::string> secrets)
    : instance_(plugin, std::move(name), config, std::move(secrets)),
      vtable_(static_cast<const tp_provider_vtable*>(plugin.descriptor->vtable)) {}

uint32_t Provider::dialects() const {
  bool declared = vtable_->struct_size >= offsetof(tp_provider_vtable, dialects) + sizeof(uint32_t);
  return declared && vtable_->dialects != 0 ? vtable_->dialects : TP_DIALECT_OPENAI_CHAT;
}

bool Provider::countsTokens() const {
  return vtable_->struct_size >= offsetof(tp_provider_vtable, capabilities) + sizeof(uint32_t) &&
         (vtable_->capabilities & TP_PROVIDER_COUNTS_TOKENS) != 0;
}

std::vector<DiscoveredModel> Provider::listModels() {
  std::vector<DiscoveredModel> models;
  if (vtable_->on_list_models == nullptr) return models;
  tp_model_sink sink{&models};
  tp_error error{};
  if (vtable_->on_list_models(instance_.handle(), &sink, &error) != 0)
    throw std::runtime_error(error.message[0] != '\0' ? redact(error.message) : "model discovery failed");
  return models;
}

int Provider::buildRequest(const tp_provider_call& call, net::UpstreamRequest& out, std::string& error) {
  tp_upstream_request handle{&out};
  tp_error err{};
  int rc = vtable_->on_build_request(instance_.handle(), &call, &handle, &err);
  if (rc != TP_DISPATCH_HTTP && rc != TP_DISPATCH_LOCAL) {
    error = err.message[0] != '\0' ? redact(err.message) : "the provider could not build the upstream request";
    return -1;
  }
  if (rc == TP_DISPATCH_LOCAL && vtable_->on_respond_local == nullptr) {
    error = "the provider answered locally but has no on_respond_local";
    return -1;
  }
  return rc;
}

bool Provider::respondLocal(const tp_provider_call& call, EmitSink& sink, std::string& error) {
  tp_emitter emitter{&sink};
  tp_error err{};
  if (vtable_->on_respond_local(instance_.handle(), &call, &emitter, &err) != 0) {
    error = err.message[0] != '\0' ? redact(err.message) : "the provider failed to answer";
    return false;
  }
  return true;
}

Provider::Stream Provider::openStream(const tp_provider_call& call) {
  void* state = vtable_->on_stream_open ? vtable_->on_stream_open(instance_.handle(), &call) : nullptr;
  return Stream(this, state);
}

Provider::Stream& Provider::Stream::operator=(Stream&& o) noexcept {
  if (this != &o) {
    close();
    provider_ = o.provider_;
    state_ = o.state_;
    o.provider_ = nullptr;
  }
  return *this;
}

bool Provider::Stream::feed(int status, std::string_view bytes, bool end, EmitSink& sink) {
  tp_emitter emitter{&sink};
  return provider_->vtable_->on_response(provider_->instance_.handle(), state_, status, {bytes.data(), bytes.size()},
                                         end ? 1 : 0, &emitter) == 0;
}

void Provider::Stream::close() {
  if (provider_ != nullptr && provider_->vtable_->on_stream_close != nullptr)
    provider_->vtable_->on_stream_close(provider_->instance_.handle(), state_);
  provider_ = nullptr;
}

}  // namespace turnpike::plugins
