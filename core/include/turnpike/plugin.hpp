// Turnpike plugin SDK: header-only C++ layer over plugin_abi.h.
//
// An author writes one class and one export macro:
//
//   class EchoProvider : public turnpike::sdk::Provider {
//    public:
//     EchoProvider(turnpike::sdk::Host host, std::string_view configJson);
//     turnpike::sdk::Dispatch buildRequest(const turnpike::sdk::Call& call,
//                                          turnpike::sdk::UpstreamRequest& request) override;
//     ...
//   };
//   TURNPIKE_PROVIDER_PLUGIN(EchoProvider, "echo", "1.0.0", R"({"base_url": {"type": "string"}})")
//
// Everything here compiles into the plugin; only the C types of plugin_abi.h cross the
// boundary. Exceptions thrown by the class are caught in the thunks below and reported as
// error strings; they never unwind into the host.
#pragma once

#include <turnpike/plugin_abi.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace turnpike::sdk {

inline std::string_view view(tp_str s) { return {s.data, s.size}; }
inline tp_str str(std::string_view s) { return {s.data(), s.size()}; }

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  uint32_t timeoutMs = 0;
  uint32_t flags = 0;
  std::string caCertPem;
};

struct HttpResponse {
  int status = -1;  // -1: transport failure, see `error`
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string error;

  bool ok() const { return status >= 200 && status < 300; }
  std::string_view header(std::string_view name) const;
};

// The host as seen from one plugin instance.
class Host {
 public:
  Host(const tp_host_api* api, tp_host_plugin* plugin) : api_(api), plugin_(plugin) {}

  const tp_host_api* api() const { return api_; }
  tp_host_plugin* handle() const { return plugin_; }

  void log(tp_log_level level, std::string_view message) const {
    api_->callback_log(plugin_, level, str(message));
  }
  void debug(std::string_view m) const { log(TP_LOG_DEBUG, m); }
  void info(std::string_view m) const { log(TP_LOG_INFO, m); }
  void warn(std::string_view m) const { log(TP_LOG_WARN, m); }
  void error(std::string_view m) const { log(TP_LOG_ERROR, m); }

  void count(std::string_view name, double value = 1) const {
    api_->callback_counter_add(plugin_, str(name), value);
  }

  // Blocking exchange that collects the whole response. Call it from on_create, discovery or
  // background work, never from a provider's stream hooks.
  HttpResponse http(const HttpRequest& request) const {
    HttpResponse response;
    http(request, [&](std::string_view chunk) {
      response.body.append(chunk);
      return true;
    }, &response);
    return response;
  }

  // Blocking exchange that hands the body over as it arrives; `onBody` returns false to stop.
  // Status, headers and transport error land in `meta` when given.
  int http(const HttpRequest& request, const std::function<bool(std::string_view)>& onBody,
           HttpResponse* meta = nullptr) const;

  // The instance's durable key-value state (payment plugins). Each call is atomic; failures
  // throw std::runtime_error.
  std::optional<std::string> stateGet(std::string_view key) const;
  void statePut(std::string_view key, std::string_view value) const;
  // An atomic claim: true when this call inserted the key, false when it existed.
  bool stateInsert(std::string_view key, std::string_view value) const;
  void stateDelete(std::string_view key) const;
  // Keys starting with `prefix`, in order, until `visit` returns false.
  void stateScan(std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& visit) const;
  // Reports a settled payment for a top-up (see callback_payment_received); true when it is new.
  bool paymentReceived(std::string_view eventJson) const;

 private:
  const tp_host_api* api_;
  tp_host_plugin* plugin_;
};

// Written by Provider::buildRequest.
class UpstreamRequest {
 public:
  UpstreamRequest(const tp_host_api* api, tp_upstream_request* handle) : api_(api), handle_(handle) {}
  void setMethod(std::string_view m) { api_->callback_request_set_method(handle_, str(m)); }
  void setUrl(std::string_view u) { api_->callback_request_set_url(handle_, str(u)); }
  void addHeader(std::string_view n, std::string_view v) {
    api_->callback_request_add_header(handle_, str(n), str(v));
  }
  void setBody(std::string_view b) { api_->callback_request_set_body(handle_, str(b)); }

 private:
  const tp_host_api* api_;
  tp_upstream_request* handle_;
};

struct Usage {
  uint64_t promptTokens = 0;
  uint64_t completionTokens = 0;
  uint64_t cachedTokens = 0;
  uint64_t reasoningTokens = 0;
  uint64_t cacheWriteTokens = 0;  // part of promptTokens, as cachedTokens (cache reads) are
};

// Receives the normalized (OpenAI-shaped) response.
class Emitter {
 public:
  Emitter(const tp_host_api* api, tp_emitter* handle) : api_(api), handle_(handle) {}
  void chunk(std::string_view json, uint32_t flags = 0) {
    api_->callback_emit_chunk(handle_, str(json), flags);
  }
  void usage(const Usage& u) {
    tp_usage raw{sizeof(tp_usage), u.promptTokens, u.completionTokens, u.cachedTokens,
                 u.reasoningTokens, u.cacheWriteTokens};
    api_->callback_emit_usage(handle_, &raw);
  }
  void error(int status, std::string_view type, std::string_view message) {
    api_->callback_emit_error(handle_, status, str(type), str(message));
  }
  // The upstream's own type, code and param (empty: none); older hosts get `code` (else `type`)
  // as the error type.
  void error(int status, std::string_view type, std::string_view code, std::string_view param,
             std::string_view message) {
    if (api_->struct_size >= offsetof(tp_host_api, callback_emit_error_detail) + sizeof(void*)) {
      tp_error_detail detail{sizeof(tp_error_detail), status, str(type), str(code), str(param), str(message)};
      api_->callback_emit_error_detail(handle_, &detail);
      return;
    }
    error(status, !code.empty() ? code : !type.empty() ? type : std::string_view("upstream_error"), message);
  }

 private:
  const tp_host_api* api_;
  tp_emitter* handle_;
};

struct ModelInfo {
  std::string id;
  std::string ownedBy;
  uint64_t contextLength = 0;
};

class ModelSink {
 public:
  ModelSink(const tp_host_api* api, tp_model_sink* handle) : api_(api), handle_(handle) {}
  void add(const ModelInfo& m) {
    tp_model_info raw{sizeof(tp_model_info), str(m.id), str(m.ownedBy), m.contextLength};
    api_->callback_model_add(handle_, &raw);
  }

 private:
  const tp_host_api* api_;
  tp_model_sink* handle_;
};

struct Call {
  tp_operation operation;
  std::string_view model;
  std::string_view upstreamModel;
  std::string_view body;
  bool stream;
  uint32_t dialect = TP_DIALECT_OPENAI_CHAT;  // of `body`, and of what the plugin emits
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // passed on by the host

  // A header the host passed on (lower-case name), or empty.
  std::string_view header(std::string_view name) const {
    for (const auto& [n, v] : headers)
      if (n == name) return v;
    return {};
  }

  static Call from(const tp_provider_call* c) {
    Call call{c->operation, view(c->model), view(c->upstream_model), view(c->body), c->stream != 0, TP_DIALECT_OPENAI_CHAT, {}};
    if (c->struct_size >= offsetof(tp_provider_call, header_count) + sizeof(size_t)) {
      if (c->dialect != 0) call.dialect = c->dialect;
      for (size_t i = 0; i < c->header_count; ++i)
        call.headers.emplace_back(view(c->headers[i].name), view(c->headers[i].value));
    }
    return call;
  }
};

enum class Dispatch { Http = TP_DISPATCH_HTTP, Local = TP_DISPATCH_LOCAL };

// Per-call response translator. One is opened for every upstream exchange.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // See tp_provider_vtable::on_response.
  virtual void onData(int httpStatus, std::string_view bytes, bool end, Emitter& emitter) = 0;
};

// Base class of provider plugins. Constructors take (Host, std::string_view configJson) and
// throw std::exception with a clear message when the config is unusable. A class that speaks
// dialects other than OpenAI chat declares them, and its capabilities, as constants:
//   static constexpr uint32_t kDialects = TP_DIALECT_ANTHROPIC_MESSAGES;
//   static constexpr uint32_t kCapabilities = TP_PROVIDER_COUNTS_TOKENS;
class Provider {
 public:
  virtual ~Provider() = default;
  virtual void listModels(ModelSink&) {}
  virtual Dispatch buildRequest(const Call& call, UpstreamRequest& request) = 0;
  virtual std::unique_ptr<ResponseStream> openStream(const Call& call) = 0;
  virtual void respondLocal(const Call&, Emitter&) {
    throw std::runtime_error("this provider has no local responses");
  }
};

// Base class of payment plugins. Every hook takes and returns JSON text (see tp_payment_vtable);
// throw std::exception with a clear message to fail. Constructors take (Host, std::string_view
// configJson) as for providers.
class PaymentMethod {
 public:
  virtual ~PaymentMethod() = default;
  virtual std::string describe() = 0;
  virtual std::string routes() { return "[]"; }
  virtual std::string http(std::string_view /*request*/) { throw std::runtime_error("this method serves no routes"); }
  virtual std::string topupCreate(std::string_view topup) = 0;
  virtual void topupCheck(std::string_view /*topup*/) {}
  virtual std::string challenge(std::string_view /*request*/) { throw std::runtime_error("this method has no L402"); }
  virtual std::string authorize(std::string_view /*request*/) { throw std::runtime_error("this method has no L402"); }
  virtual void tick() {}
};

// Base class of tool plugins (see tp_tool_vtable): describe() names the tools with their JSON
// schema and price, call() runs one. Both take and return JSON text; throw std::exception with a
// clear message to fail a call. Constructors take (Host, std::string_view configJson).
class Tool {
 public:
  virtual ~Tool() = default;
  virtual std::string describe() = 0;
  virtual std::string call(std::string_view callJson) = 0;
};

// Base class of enrichment plugins (see tp_enrichment_vtable): endpoints() lists the priced data
// endpoints, call() answers one with the upstream's status and body.
class Enrichment {
 public:
  virtual ~Enrichment() = default;
  virtual std::string endpoints() = 0;
  virtual std::string call(std::string_view callJson) = 0;
};

namespace detail {

inline void setError(const tp_host_api*, tp_error* error, const char* what) {
  if (error == nullptr) return;
  size_t i = 0;
  for (; what[i] != '\0' && i + 1 < TP_ERROR_MESSAGE_MAX; ++i) error->message[i] = what[i];
  error->message[i] = '\0';
}

// The host API pointer of the running process; set in on_create.
inline const tp_host_api*& hostApi() {
  static const tp_host_api* api = nullptr;
  return api;
}

template <class T>
struct ProviderThunks {
  static void* create(const tp_host_api* host, tp_host_plugin* plugin, tp_str config, tp_error* error) {
    hostApi() = host;
    try {
      return static_cast<Provider*>(new T(Host(host, plugin), view(config)));
    } catch (const std::exception& e) {
      setError(host, error, e.what());
    } catch (...) {
      setError(host, error, "unknown error in plugin constructor");
    }
    return nullptr;
  }
  static void destroy(void* instance) { delete static_cast<Provider*>(instance); }

  static int listModels(void* instance, tp_model_sink* sink, tp_error* error) {
    try {
      ModelSink s(hostApi(), sink);
      static_cast<Provider*>(instance)->listModels(s);
      return 0;
    } catch (const std::exception& e) {
      setError(hostApi(), error, e.what());
    } catch (...) {
      setError(hostApi(), error, "unknown error listing models");
    }
    return 1;
  }
  static int buildRequest(void* instance, const tp_provider_call* call, tp_upstream_request* req,
                          tp_error* error) {
    try {
      UpstreamRequest r(hostApi(), req);
      return static_cast<int>(static_cast<Provider*>(instance)->buildRequest(Call::from(call), r));
    } catch (const std::exception& e) {
      setError(hostApi(), error, e.what());
    } catch (...) {
      setError(hostApi(), error, "unknown error building the upstream request");
    }
    return -1;
  }
  static void* streamOpen(void* instance, const tp_provider_call* call) {
    try {
      return static_cast<Provider*>(instance)->openStream(Call::from(call)).release();
    } catch (...) {
      return nullptr;
    }
  }
  static void streamClose(void*, void* stream) { delete static_cast<ResponseStream*>(stream); }
  static int response(void*, void* stream, int status, tp_str bytes, int end, tp_emitter* em) {
    Emitter e(hostApi(), em);
    try {
      if (stream == nullptr) throw std::runtime_error("provider could not open a response stream");
      static_cast<ResponseStream*>(stream)->onData(status, view(bytes), end != 0, e);
      return 0;
    } catch (const std::exception& ex) {
      e.error(502, "upstream_error", ex.what());
    } catch (...) {
      e.error(502, "upstream_error", "unknown error translating the upstream response");
    }
    return 1;
  }
  static int respondLocal(void* instance, const tp_provider_call* call, tp_emitter* em, tp_error* error) {
    try {
      Emitter e(hostApi(), em);
      static_cast<Provider*>(instance)->respondLocal(Call::from(call), e);
      return 0;
    } catch (const std::exception& ex) {
      setError(hostApi(), error, ex.what());
    } catch (...) {
      setError(hostApi(), error, "unknown error in local response");
    }
    return 1;
  }
};

// T::kDialects and T::kCapabilities when the class declares them, else 0 (C++17 detection, as
// out-of-tree plugins may build with it).
template <class T, class = void>
struct DeclaredDialects : std::integral_constant<uint32_t, 0> {};
template <class T>
struct DeclaredDialects<T, std::void_t<decltype(T::kDialects)>> : std::integral_constant<uint32_t, T::kDialects> {};
template <class T, class = void>
struct DeclaredCapabilities : std::integral_constant<uint32_t, 0> {};
template <class T>
struct DeclaredCapabilities<T, std::void_t<decltype(T::kCapabilities)>>
    : std::integral_constant<uint32_t, T::kCapabilities> {};

template <class T>
const tp_plugin_descriptor* providerDescriptor(const char* name, const char* version, const char* schema) {
  static const tp_provider_vtable vtable{sizeof(tp_provider_vtable),
                                         &ProviderThunks<T>::listModels,
                                         &ProviderThunks<T>::buildRequest,
                                         &ProviderThunks<T>::streamOpen,
                                         &ProviderThunks<T>::streamClose,
                                         &ProviderThunks<T>::response,
                                         &ProviderThunks<T>::respondLocal,
                                         DeclaredDialects<T>::value,
                                         DeclaredCapabilities<T>::value};
  static const tp_plugin_descriptor descriptor{sizeof(tp_plugin_descriptor),
                                               TP_ABI_VERSION,
                                               TP_KIND_PROVIDER,
                                               name,
                                               version,
                                               schema,
                                               &ProviderThunks<T>::create,
                                               &ProviderThunks<T>::destroy,
                                               &vtable};
  return &descriptor;
}

// Runs `fn` (returning a hook's JSON reply) and writes its result or its error.
template <class Fn>
int reply(tp_buffer* out, tp_error* error, Fn&& fn) {
  try {
    std::string text = fn();
    if (out != nullptr) hostApi()->callback_buffer_append(out, str(text));
    return 0;
  } catch (const std::exception& e) {
    setError(hostApi(), error, e.what());
  } catch (...) {
    setError(hostApi(), error, "unknown error in plugin hook");
  }
  return 1;
}

template <class T>
struct PaymentThunks {
  static void* create(const tp_host_api* host, tp_host_plugin* plugin, tp_str config, tp_error* error) {
    hostApi() = host;
    try {
      return static_cast<PaymentMethod*>(new T(Host(host, plugin), view(config)));
    } catch (const std::exception& e) {
      setError(host, error, e.what());
    } catch (...) {
      setError(host, error, "unknown error in plugin constructor");
    }
    return nullptr;
  }
  static void destroy(void* instance) { delete static_cast<PaymentMethod*>(instance); }

  static PaymentMethod& self(void* instance) { return *static_cast<PaymentMethod*>(instance); }

  static int describe(void* i, tp_buffer* out, tp_error* e) { return reply(out, e, [&] { return self(i).describe(); }); }
  static int routes(void* i, tp_buffer* out, tp_error* e) { return reply(out, e, [&] { return self(i).routes(); }); }
  static int http(void* i, tp_str req, tp_buffer* out, tp_error* e) {
    return reply(out, e, [&] { return self(i).http(view(req)); });
  }
  static int topupCreate(void* i, tp_str t, tp_buffer* out, tp_error* e) {
    return reply(out, e, [&] { return self(i).topupCreate(view(t)); });
  }
  static int topupCheck(void* i, tp_str t, tp_error* e) {
    return reply(nullptr, e, [&] {
      self(i).topupCheck(view(t));
      return std::string();
    });
  }
  static int challenge(void* i, tp_str req, tp_buffer* out, tp_error* e) {
    return reply(out, e, [&] { return self(i).challenge(view(req)); });
  }
  static int authorize(void* i, tp_str req, tp_buffer* out, tp_error* e) {
    return reply(out, e, [&] { return self(i).authorize(view(req)); });
  }
  static void tick(void* i) {
    try {
      self(i).tick();
    } catch (...) {
      // A failed round of periodic work is retried at the next tick.
    }
  }
};

template <class T>
const tp_plugin_descriptor* paymentDescriptor(const char* name, const char* version, const char* schema,
                                              uint32_t tickMs) {
  static const tp_payment_vtable vtable{sizeof(tp_payment_vtable),    &PaymentThunks<T>::describe,
                                        &PaymentThunks<T>::routes,     &PaymentThunks<T>::http,
                                        &PaymentThunks<T>::topupCreate, &PaymentThunks<T>::topupCheck,
                                        &PaymentThunks<T>::challenge,  &PaymentThunks<T>::authorize,
                                        &PaymentThunks<T>::tick,       tickMs};
  static const tp_plugin_descriptor descriptor{sizeof(tp_plugin_descriptor),
                                               TP_ABI_VERSION,
                                               TP_KIND_PAYMENT,
                                               name,
                                               version,
                                               schema,
                                               &PaymentThunks<T>::create,
                                               &PaymentThunks<T>::destroy,
                                               &vtable};
  return &descriptor;
}

// Tool and enrichment plugins: a constructor and two JSON hooks, `Base` being sdk::Tool or
// sdk::Enrichment.
template <class T, class Base>
struct JsonPluginThunks {
  static void* create(const tp_host_api* host, tp_host_plugin* plugin, tp_str config, tp_error* error) {
    hostApi() = host;
    try {
      return static_cast<Base*>(new T(Host(host, plugin), view(config)));
    } catch (const std::exception& e) {
      setError(host, error, e.what());
    } catch (...) {
      setError(host, error, "unknown error in plugin constructor");
    }
    return nullptr;
  }
  static void destroy(void* instance) { delete static_cast<Base*>(instance); }
  static Base& self(void* instance) { return *static_cast<Base*>(instance); }
  static int list(void* i, tp_buffer* out, tp_error* e) {
    return reply(out, e, [&] {
      if constexpr (std::is_same_v<Base, Tool>) return self(i).describe();
      else return self(i).endpoints();
    });
  }
  static int call(void* i, tp_str request, tp_buffer* out, tp_error* e) {
    return reply(out, e, [&] { return self(i).call(view(request)); });
  }
};

template <class T, class Base, class Vtable, tp_plugin_kind Kind>
const tp_plugin_descriptor* jsonPluginDescriptor(const char* name, const char* version, const char* schema) {
  using Thunks = JsonPluginThunks<T, Base>;
  static const Vtable vtable{sizeof(Vtable), &Thunks::list, &Thunks::call};
  static const tp_plugin_descriptor descriptor{sizeof(tp_plugin_descriptor), TP_ABI_VERSION, Kind, name, version,
                                               schema, &Thunks::create, &Thunks::destroy, &vtable};
  return &descriptor;
}

struct HttpCollector {
  const std::function<bool(std::string_view)>* onBody;
  HttpResponse* meta;
  static int status(void* u, int s) {
    auto* self = static_cast<HttpCollector*>(u);
    if (self->meta) self->meta->status = s;
    return 0;
  }
  static int header(void* u, tp_str n, tp_str v) {
    auto* self = static_cast<HttpCollector*>(u);
    if (self->meta) self->meta->headers.emplace_back(std::string(view(n)), std::string(view(v)));
    return 0;
  }
  static int body(void* u, tp_str chunk) {
    auto* self = static_cast<HttpCollector*>(u);
    try {
      return (*self->onBody)(view(chunk)) ? 0 : 1;
    } catch (...) {
      return 1;
    }
  }
};

}  // namespace detail

inline std::string_view HttpResponse::header(std::string_view name) const {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  for (const auto& [n, v] : headers) {
    if (n.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < n.size() && same; ++i) same = lower(n[i]) == lower(name[i]);
    if (same) return v;
  }
  return {};
}

inline int Host::http(const HttpRequest& request, const std::function<bool(std::string_view)>& onBody,
                      HttpResponse* meta) const {
  std::vector<tp_http_header> headers;
  headers.reserve(request.headers.size());
  for (const auto& [n, v] : request.headers) headers.push_back({str(n), str(v)});
  tp_http_request raw{sizeof(tp_http_request), str(request.method), str(request.url),
                      headers.data(), headers.size(), str(request.body), request.timeoutMs,
                      request.flags, str(request.caCertPem)};
  detail::HttpCollector collector{&onBody, meta};
  tp_http_response_handler handler{sizeof(tp_http_response_handler), &collector,
                                   &detail::HttpCollector::status, &detail::HttpCollector::header,
                                   &detail::HttpCollector::body};
  tp_error error{};
  int status = api_->callback_http_request(plugin_, &raw, &handler, &error);
  if (meta != nullptr) {
    meta->status = status;
    meta->error = error.message;
  }
  return status;
}

inline std::optional<std::string> Host::stateGet(std::string_view key) const {
  std::string value;
  auto take = [](void* user, tp_str v) { static_cast<std::string*>(user)->assign(v.data, v.size); };
  int rc = api_->callback_state_get(plugin_, str(key), take, &value);
  if (rc < 0) throw std::runtime_error("state read failed");
  if (rc == 0) return std::nullopt;
  return value;
}

inline void Host::statePut(std::string_view key, std::string_view value) const {
  if (api_->callback_state_put(plugin_, str(key), str(value)) != 0) throw std::runtime_error("state write failed");
}

inline bool Host::stateInsert(std::string_view key, std::string_view value) const {
  int rc = api_->callback_state_insert(plugin_, str(key), str(value));
  if (rc < 0) throw std::runtime_error("state write failed");
  return rc == 0;
}

inline void Host::stateDelete(std::string_view key) const {
  if (api_->callback_state_delete(plugin_, str(key)) != 0) throw std::runtime_error("state delete failed");
}

inline void Host::stateScan(std::string_view prefix,
                            const std::function<bool(std::string_view, std::string_view)>& visit) const {
  auto thunk = [](void* user, tp_str k, tp_str v) -> int {
    auto* fn = static_cast<const std::function<bool(std::string_view, std::string_view)>*>(user);
    try {
      return (*fn)(view(k), view(v)) ? 0 : 1;
    } catch (...) {
      return 1;
    }
  };
  if (api_->callback_state_scan(plugin_, str(prefix), thunk, const_cast<void*>(static_cast<const void*>(&visit))) < 0)
    throw std::runtime_error("state scan failed");
}

inline bool Host::paymentReceived(std::string_view eventJson) const {
  tp_error error{};
  int rc = api_->callback_payment_received(plugin_, str(eventJson), &error);
  if (rc < 0) throw std::runtime_error(std::string("payment report failed: ") + error.message);
  return rc == 0;
}

}  // namespace turnpike::sdk

// Exports `turnpike_plugin_entry` for payment method class `Class`; `TickMs` is how often its
// tick() runs (0: never).
#define TURNPIKE_PAYMENT_PLUGIN(Class, Name, Version, SchemaJson, TickMs)                         \
  extern "C" TP_EXPORT const tp_plugin_descriptor* turnpike_plugin_entry(uint32_t host_abi_version) { \
    (void)host_abi_version;                                                                       \
    return ::turnpike::sdk::detail::paymentDescriptor<Class>(Name, Version, SchemaJson, TickMs);  \
  }

// Exports `turnpike_plugin_entry` for provider class `Class`.
#define TURNPIKE_PROVIDER_PLUGIN(Class, Name, Version, SchemaJson)                                 \
  extern "C" TP_EXPORT const tp_plugin_descriptor* turnpike_plugin_entry(uint32_t host_abi_version) { \
    (void)host_abi_version;                                                                       \
    return ::turnpike::sdk::detail::providerDescriptor<Class>(Name, Version, SchemaJson);         \
  }

// Exports `turnpike_plugin_entry` for tool class `Class` (a turnpike::sdk::Tool).
#define TURNPIKE_TOOL_PLUGIN(Class, Name, Version, SchemaJson)                                     \
  extern "C" TP_EXPORT const tp_plugin_descriptor* turnpike_plugin_entry(uint32_t host_abi_version) { \
    (void)host_abi_version;                                                                       \
    return ::turnpike::sdk::detail::jsonPluginDescriptor<Class, ::turnpike::sdk::Tool, tp_tool_vtable, \
                                                         TP_KIND_TOOL>(Name, Version, SchemaJson); \
  }

// Exports `turnpike_plugin_entry` for enrichment class `Class` (a turnpike::sdk::Enrichment).
#define TURNPIKE_ENRICHMENT_PLUGIN(Class, Name, Version, SchemaJson)                               \
  extern "C" TP_EXPORT const tp_plugin_descriptor* turnpike_plugin_entry(uint32_t host_abi_version) { \
    (void)host_abi_version;                                                                       \
    return ::turnpike::sdk::detail::jsonPluginDescriptor<Class, ::turnpike::sdk::Enrichment,       \
                                                         tp_enrichment_vtable, TP_KIND_ENRICHMENT>( \
        Name, Version, SchemaJson);                                                               \
  }
