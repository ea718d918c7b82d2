#include "plugins/host_api.hpp"

#include <Poco/Logger.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "metrics/registry.hpp"
#include "net/http_client.hpp"

namespace turnpike::plugins {

namespace {

std::atomic<metrics::Family<metrics::Counter>*> gPluginEvents{nullptr};

std::string_view view(tp_str s) { return {s.data == nullptr ? "" : s.data, s.data == nullptr ? 0 : s.size}; }

void writeError(tp_error* error, std::string_view message) {
  if (error == nullptr) return;
  size_t n = std::min(message.size(), sizeof(error->message) - 1);
  std::memcpy(error->message, message.data(), n);
  error->message[n] = '\0';
}

void hostLog(tp_host_plugin* plugin, tp_log_level level, tp_str message) {
  auto& logger = Poco::Logger::get("plugin." + (plugin ? plugin->instance : std::string("?")));
  std::string text = plugin ? redact(view(message), plugin->secrets) : std::string(view(message));
  switch (level) {
    case TP_LOG_DEBUG: logger.debug(text); break;
    case TP_LOG_INFO: logger.information(text); break;
    case TP_LOG_WARN: logger.warning(text); break;
    default: logger.error(text); break;
  }
}

void hostCounterAdd(tp_host_plugin* plugin, tp_str name, double value) {
  auto* family = gPluginEvents.load();
  if (family == nullptr || plugin == nullptr || value < 0) return;
  family->with({plugin->instance, view(name)}).add(static_cast<uint64_t>(value));
}

void* hostAlloc(size_t size) { return std::malloc(size); }
void hostFree(void* p) { std::free(p); }

int hostHttpRequest(tp_host_plugin* plugin, const tp_http_request* request, const tp_http_response_handler* handler,
                    tp_error* error) {
  if (request == nullptr || request->struct_size < offsetof(tp_http_request, ca_cert_pem)) {
    writeError(error, "malformed tp_http_request");
    return -1;
  }
  net::HttpCall call;
  call.method = std::string(view(request->method));
  if (call.method.empty()) call.method = "GET";
  call.url = std::string(view(request->url));
  for (size_t i = 0; i < request->header_count; ++i)
    call.headers.emplace_back(std::string(view(request->headers[i].name)), std::string(view(request->headers[i].value)));
  call.body = std::string(view(request->body));
  if (request->timeout_ms > 0) call.timeout = std::chrono::milliseconds(request->timeout_ms);
  call.publicOnly = (request->flags & TP_HTTP_PUBLIC_ONLY) != 0;
  if (request->struct_size >= offsetof(tp_http_request, ca_cert_pem) + sizeof(tp_str))
    call.caCertPem = std::string(view(request->ca_cert_pem));
  if (plugin != nullptr) call.cancel = &plugin->stopping;

  net::HttpCallSink sink;
  if (handler != nullptr) {
    sink.onStatus = [handler](int status) { return !handler->on_status || handler->on_status(handler->user, status) == 0; };
    sink.onHeader = [handler](std::string_view n, std::string_view v) {
      return !handler->on_header || handler->on_header(handler->user, {n.data(), n.size()}, {v.data(), v.size()}) == 0;
    };
    sink.onBody = [handler](std::string_view chunk) {
      return !handler->on_body || handler->on_body(handler->user, {chunk.data(), chunk.size()}) == 0;
    };
  }
  auto result = net::performHttp(call, sink);
  if (result.status < 0) {
    writeError(error, plugin ? redact(result.error, plugin->secrets) : result.error);
    return -1;
  }
  return result.status;
}

void requestSetMethod(tp_upstream_request* r, tp_str m) { r->request->method.assign(view(m)); }
void requestSetUrl(tp_upstream_request* r, tp_str u) { r->request->url.assign(view(u)); }
void requestAddHeader(tp_upstream_request* r, tp_str n, tp_str v) {
  std::string line(view(n));
  line += ": ";
  line += view(v);
  r->request->headers.push_back(std::move(line));
}
void requestSetBody(tp_upstream_request* r, tp_str b) { r->request->body.assign(view(b)); }

void emitChunk(tp_emitter* e, tp_str json, uint32_t flags) { e->sink->onChunk(view(json), flags); }
void emitUsage(tp_emitter* e, const tp_usage* u) {
  if (u == nullptr) return;
  tp_usage copy{sizeof(tp_usage), 0, 0, 0, 0, 0};
  std::memcpy(&copy, u, std::min<size_t>(u->struct_size, sizeof copy));
  copy.struct_size = sizeof copy;
  e->sink->onUsage(copy);
}
void emitError(tp_emitter* e, int status, tp_str type, tp_str message) {
  e->sink->onError(EmittedError{status, {}, view(type), {}, view(message)});
}
void emitErrorDetail(tp_emitter* e, const tp_error_detail* d) {
  if (d == nullptr || d->struct_size < offsetof(tp_error_detail, message) + sizeof(tp_str)) return;
  e->sink->onError(EmittedError{d->status, view(d->type), view(d->code), view(d->param), view(d->message)});
}

void modelAdd(tp_model_sink* sink, const tp_model_info* m) {
  if (m == nullptr || m->id.size == 0) return;
  sink->models->push_back(DiscoveredModel{std::string(view(m->id)), std::string(view(m->owned_by)), m->context_length});
}

void bufferAppend(tp_buffer* buffer, tp_str bytes) {
  if (buffer != nullptr) buffer->data.append(view(bytes));
}

// Runs a payment-host call, turning exceptions into the ABI's -1.
template <class Fn>
int paymentCall(tp_host_plugin* plugin, const char* what, Fn&& fn) {
  if (plugin == nullptr || plugin->payments == nullptr) return -1;
  try {
    return fn(*plugin->payments);
  } catch (const std::exception& e) {
    Poco::Logger::get("plugin." + plugin->instance).error(std::string(what) + " failed: " + e.what());
    return -1;
  }
}

int stateGet(tp_host_plugin* plugin, tp_str key, void (*take)(void*, tp_str), void* user) {
  return paymentCall(plugin, "state read", [&](PaymentHost& h) {
    auto value = h.stateGet(view(key));
    if (!value) return 0;
    take(user, tp_str{value->data(), value->size()});
    return 1;
  });
}

int statePut(tp_host_plugin* plugin, tp_str key, tp_str value) {
  return paymentCall(plugin, "state write", [&](PaymentHost& h) {
    h.statePut(view(key), view(value));
    return 0;
  });
}

int stateInsert(tp_host_plugin* plugin, tp_str key, tp_str value) {
  return paymentCall(plugin, "state write", [&](PaymentHost& h) { return h.stateInsert(view(key), view(value)) ? 0 : 1; });
}

int stateDelete(tp_host_plugin* plugin, tp_str key) {
  return paymentCall(plugin, "state delete", [&](PaymentHost& h) {
    h.stateDelete(view(key));
    return 0;
  });
}

int stateScan(tp_host_plugin* plugin, tp_str prefix, int (*visit)(void*, tp_str, tp_str), void* user) {
  return paymentCall(plugin, "state scan", [&](PaymentHost& h) {
    h.stateScan(view(prefix), [&](const std::string& k, const std::string& v) {
      return visit(user, tp_str{k.data(), k.size()}, tp_str{v.data(), v.size()}) == 0;
    });
    return 0;
  });
}

int paymentReceived(tp_host_plugin* plugin, tp_str event, tp_error* error) {
  if (plugin == nullptr || plugin->payments == nullptr) {
    writeError(error, "this plugin instance has no payment services");
    return -1;
  }
  try {
    return plugin->payments->paymentReceived(view(event)) ? 0 : 1;
  } catch (const std::exception& e) {
    writeError(error, e.what());
    return -1;
  }
}

const tp_host_api kHostApi{
    sizeof(tp_host_api), TP_ABI_VERSION,   &hostLog,          &hostCounterAdd, &hostAlloc,
    &hostFree,           &hostHttpRequest, &requestSetMethod, &requestSetUrl,  &requestAddHeader,
    &requestSetBody,     &emitChunk,       &emitUsage,        &emitError,      &modelAdd,
    &bufferAppend,       &stateGet,        &statePut,         &stateInsert,    &stateDelete,
    &stateScan,          &paymentReceived,  &emitErrorDetail,
};

}  // namespace

std::string redact(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  for (const auto& s : secrets) {
    if (s.size() < 4) continue;  // too short to be a credential; replacing would mangle text
    for (size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos)) {
      out.replace(pos, s.size(), "[redacted]");
      pos += 10;
    }
  }
  return out;
}

const tp_host_api* hostApi() { return &kHostApi; }
void setHostMetrics(metrics::Registry* registry) {
  gPluginEvents = registry == nullptr ? nullptr
                                      : &registry->counter("turnpike_plugin_events_total",
                                                           "Events counted by plugins (callback_counter_add)",
                                                           {"plugin", "event"});
}

}  // namespace turnpike::plugins
