/*
 * Turnpike plugin ABI, version 1.
 *
 * The C boundary between the gateway (the host) and a plugin shared object. Rules, as in
 * SQLite extensions, Redis modules and Envoy dynamic modules:
 *   - every table starts with `struct_size`; fields are only ever appended, so a plugin built
 *     against an older header keeps loading (the host reads only what `struct_size` covers);
 *   - `on_*` members are hooks the host calls in the plugin; `callback_*` members of the host
 *     API are calls the plugin makes into the host;
 *   - `tp_str` is borrowed: valid only for the duration of the call that passes it;
 *   - no C++ exception, STL object or ownership crosses the boundary. What the host hands out
 *     (requests, emitters, model sinks) is an opaque handle written through host callbacks;
 *     errors travel in the fixed-size `tp_error` either side may own.
 *
 * A plugin exports exactly one symbol, `turnpike_plugin_entry`, returning a pointer to a static
 * descriptor. Most authors use the C++ layer in plugin.hpp instead of this file directly.
 */
#ifndef TURNPIKE_PLUGIN_ABI_H
#define TURNPIKE_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TP_ABI_VERSION 1u
#define TP_ENTRY_SYMBOL "turnpike_plugin_entry"

#if defined(__GNUC__)
#define TP_EXPORT __attribute__((visibility("default")))
#else
#define TP_EXPORT
#endif

/* A borrowed byte string (not NUL-terminated). */
typedef struct tp_str {
  const char* data;
  size_t size;
} tp_str;

typedef enum tp_plugin_kind {
  TP_KIND_PROVIDER = 1,   /* LLM upstream: request/response translator */
  TP_KIND_PAYMENT = 2,    /* payment method: challenges, top-ups, webhooks */
  TP_KIND_ENRICHMENT = 3, /* data-enrichment source */
  TP_KIND_TOOL = 4        /* server-side tool (web search, fetch) */
} tp_plugin_kind;

typedef enum tp_log_level {
  TP_LOG_DEBUG = 0,
  TP_LOG_INFO = 1,
  TP_LOG_WARN = 2,
  TP_LOG_ERROR = 3
} tp_log_level;

/* Opaque host handles. */
typedef struct tp_host_plugin tp_host_plugin;         /* one per plugin instance (logging, metrics) */
typedef struct tp_upstream_request tp_upstream_request; /* filled by a provider's on_build_request */
typedef struct tp_emitter tp_emitter;                 /* receives normalized response events */
typedef struct tp_model_sink tp_model_sink;           /* receives discovered models */
typedef struct tp_buffer tp_buffer;                   /* host-owned output bytes: callback_buffer_append */

/* An error message written by whichever side fails: NUL-terminated, truncated to fit. */
#define TP_ERROR_MESSAGE_MAX 512
typedef struct tp_error {
  char message[TP_ERROR_MESSAGE_MAX];
} tp_error;

/* ---------------------------------------------------------------- host HTTP client ---- */

typedef struct tp_http_header {
  tp_str name;
  tp_str value;
} tp_http_header;

/* Flags for tp_http_request.flags. */
#define TP_HTTP_PUBLIC_ONLY 0x1u /* refuse loopback/private/link-local targets (user-supplied URLs) */

typedef struct tp_http_request {
  uint32_t struct_size;
  tp_str method; /* "GET", "POST", ... */
  tp_str url;
  const tp_http_header* headers;
  size_t header_count;
  tp_str body;
  uint32_t timeout_ms; /* whole exchange; 0 = host default */
  uint32_t flags;
  tp_str ca_cert_pem; /* when set, trust only this certificate chain (pinned TLS, e.g. LND) */
} tp_http_request;

/* Receives a blocking HTTP exchange's response. Each hook returns 0 to go on, non-zero to abort. */
typedef struct tp_http_response_handler {
  uint32_t struct_size;
  void* user;
  int (*on_status)(void* user, int status);
  int (*on_header)(void* user, tp_str name, tp_str value);
  int (*on_body)(void* user, tp_str chunk);
} tp_http_response_handler;

/* ---------------------------------------------------------------- provider types ---- */

typedef enum tp_operation {
  TP_OP_CHAT = 1,       /* POST /chat/completions */
  TP_OP_COMPLETION = 2, /* POST /completions */
  TP_OP_EMBEDDING = 3,  /* POST /embeddings */
  /* How many input tokens a request would cost, without running it. Sent only to providers with
   * TP_PROVIDER_COUNTS_TOKENS; the response is one chunk {"input_tokens": N}. */
  TP_OP_COUNT_TOKENS = 4
} tp_operation;

/* Client dialects, as bits. The canonical form is OpenAI chat: a provider that declares no
 * dialect speaks it. A provider that declares others (tp_provider_vtable.dialects) gets requests
 * in the client's dialect when it is among them, untranslated, and otherwise in one of its own,
 * translated by the host from the canonical form. The call says which (tp_provider_call.dialect),
 * and the plugin emits in that same dialect:
 *   OPENAI_CHAT         chat.completion / chat.completion.chunk objects (see callback_emit_chunk)
 *   ANTHROPIC_MESSAGES  the Message object; in streams one chunk per SSE event, the event's data,
 *                       whose "type" names the event (message_start ... message_stop, ping)
 *   OPENAI_RESPONSES    the Response object; in streams one chunk per event, named by "type" */
#define TP_DIALECT_OPENAI_CHAT 0x1u
#define TP_DIALECT_ANTHROPIC_MESSAGES 0x2u
#define TP_DIALECT_OPENAI_RESPONSES 0x4u

/* Flags for tp_provider_vtable.capabilities. */
#define TP_PROVIDER_COUNTS_TOKENS 0x1u /* answers TP_OP_COUNT_TOKENS from the upstream */

/* One client request in the dialect the provider speaks (`dialect`; OpenAI chat for calls from a
 * host or to a provider that predates it): "model" is already set to the upstream model id and,
 * in OpenAI chat streams, "stream_options.include_usage" is true. */
typedef struct tp_provider_call {
  uint32_t struct_size;
  tp_operation operation;
  tp_str model;          /* the routed model id (what the client asked for, unless routing chose another) */
  tp_str upstream_model; /* id to send upstream */
  tp_str body;
  int stream; /* 1 when the client asked for server-sent events */
  /* ---- appended for dialects ---- */
  uint32_t dialect; /* one TP_DIALECT_* bit: the dialect of `body` and of what the plugin emits */
  /* Client headers the host passes on for the upstream's own protocol (anthropic-version,
   * anthropic-beta), lower-case names; never credentials. */
  const tp_http_header* headers;
  size_t header_count;
} tp_provider_call;

/* Token counts as reported by the upstream. */
typedef struct tp_usage {
  uint32_t struct_size;
  uint64_t prompt_tokens;
  uint64_t completion_tokens;
  uint64_t cached_tokens;
  uint64_t reasoning_tokens;
  /* ---- appended for prompt caching ---- */
  uint64_t cache_write_tokens; /* prompt tokens written to the upstream's cache; part of prompt_tokens */
} tp_usage;

/* Flags for callback_emit_chunk. */
#define TP_CHUNK_USAGE_ONLY 0x1u /* a stream chunk that carries only usage (empty choices) */

/* What on_build_request decided. */
typedef enum tp_dispatch {
  TP_DISPATCH_HTTP = 0, /* the host sends the request filled in `tp_upstream_request` */
  TP_DISPATCH_LOCAL = 1 /* the plugin answers itself through on_respond_local (mock) */
} tp_dispatch;

/* Model metadata announced by on_list_models (discovery). */
typedef struct tp_model_info {
  uint32_t struct_size;
  tp_str id;
  tp_str owned_by;
  uint64_t context_length; /* 0 = unknown */
} tp_model_info;

/* An upstream error as the upstream described it (callback_emit_error_detail). Empty strings:
 * the upstream sent none. */
typedef struct tp_error_detail {
  uint32_t struct_size;
  int status;     /* the upstream's HTTP status */
  tp_str type;    /* e.g. "invalid_request_error" */
  tp_str code;    /* e.g. "context_length_exceeded" */
  tp_str param;   /* e.g. "messages" */
  tp_str message; /* human message, no secrets */
} tp_error_detail;

/* ---------------------------------------------------------------- host API ---- */

typedef struct tp_host_api {
  uint32_t struct_size;
  uint32_t abi_version;

  /* Logging, attributed to the plugin instance. Never pass secrets. */
  void (*callback_log)(tp_host_plugin* plugin, tp_log_level level, tp_str message);

  /* Adds `value` (a whole number) to `turnpike_plugin_events_total{plugin="<instance>",event="<name>"}`. */
  void (*callback_counter_add)(tp_host_plugin* plugin, tp_str name, double value);

  /* Memory the host may free (and vice versa). */
  void* (*callback_alloc)(size_t size);
  void (*callback_free)(void* ptr);

  /* Blocking HTTP exchange through the host's pooled client (timeouts, TLS, SSRF guard live
   * there). Returns the HTTP status, or -1 with `error` set on a transport failure. Must not be
   * called from provider stream hooks (they run on the event loop). Once the host starts to
   * destroy the instance, calls in flight return -1 within a second and new ones fail at once,
   * so threads the plugin joins in on_destroy are not held by a quiet stream. */
  int (*callback_http_request)(tp_host_plugin* plugin, const tp_http_request* request,
                               const tp_http_response_handler* handler, tp_error* error);

  /* Provider on_build_request: describe the upstream HTTP request. `url` is absolute. */
  void (*callback_request_set_method)(tp_upstream_request* request, tp_str method);
  void (*callback_request_set_url)(tp_upstream_request* request, tp_str url);
  void (*callback_request_add_header)(tp_upstream_request* request, tp_str name, tp_str value);
  void (*callback_request_set_body)(tp_upstream_request* request, tp_str body);

  /* Provider response hooks: normalized output in the OpenAI response shape.
   * Non-stream: one chunk holding the whole response object. Stream: one chunk per event
   * (the JSON after "data: "), without the final [DONE]. */
  void (*callback_emit_chunk)(tp_emitter* emitter, tp_str json, uint32_t flags);
  void (*callback_emit_usage)(tp_emitter* emitter, const tp_usage* usage);
  /* An upstream error: its HTTP status, error type and human message (no secrets). */
  void (*callback_emit_error)(tp_emitter* emitter, int status, tp_str type, tp_str message);

  /* Provider on_list_models: announce one model. */
  void (*callback_model_add)(tp_model_sink* sink, const tp_model_info* model);

  /* ---- appended for payment plugins ---- */

  /* Appends to a host-owned output buffer (JSON replies of payment hooks, state values). */
  void (*callback_buffer_append)(tp_buffer* buffer, tp_str bytes);

  /* The plugin instance's own durable key-value state, in the gateway's database. Each call is
   * atomic. get: 1 found (the value is handed to `take`), 0 absent, -1 error. put/delete: 0 ok.
   * insert: 0 inserted, 1 the key exists (an atomic claim), -1 error. scan: visits keys starting
   * with `prefix` in key order until `visit` returns non-zero; returns 0, or -1 on error. */
  int (*callback_state_get)(tp_host_plugin* plugin, tp_str key, void (*take)(void* user, tp_str value), void* user);
  int (*callback_state_put)(tp_host_plugin* plugin, tp_str key, tp_str value);
  int (*callback_state_insert)(tp_host_plugin* plugin, tp_str key, tp_str value);
  int (*callback_state_delete)(tp_host_plugin* plugin, tp_str key);
  int (*callback_state_scan)(tp_host_plugin* plugin, tp_str prefix,
                             int (*visit)(void* user, tp_str key, tp_str value), void* user);

  /* A payment was settled for a top-up, as JSON:
   *   {"topup_id": "...", "external_id": "<unique per payment>", "amount_msat": N}
   * The host records it and credits the top-up's account once per external_id, whatever
   * the number of reports. Returns 0 recorded, 1 already recorded, -1 with `error` set. */
  int (*callback_payment_received)(tp_host_plugin* plugin, tp_str event_json, tp_error* error);

  /* ---- appended for upstream error details ---- */

  /* An upstream error with its type, code and param kept apart, so that clients see them as the
   * upstream sent them. Hosts whose struct_size does not cover it take callback_emit_error. */
  void (*callback_emit_error_detail)(tp_emitter* emitter, const tp_error_detail* detail);
} tp_host_api;

/* ---------------------------------------------------------------- provider vtable ---- */

typedef struct tp_provider_vtable {
  uint32_t struct_size;

  /* Models offered beyond those in the config (discover_models). May use the HTTP client.
   * Optional (NULL). Returns 0, or non-zero with `error` set. */
  int (*on_list_models)(void* instance, tp_model_sink* sink, tp_error* error);

  /* Turn a call into an upstream request (or TP_DISPATCH_LOCAL). Returns a tp_dispatch value,
   * or -1 with `error` set (the host answers 400 with the message). Runs on the event loop. */
  int (*on_build_request)(void* instance, const tp_provider_call* call,
                          tp_upstream_request* request, tp_error* error);

  /* Per-call response state. on_stream_open returns an opaque pointer (may be NULL). */
  void* (*on_stream_open)(void* instance, const tp_provider_call* call);
  void (*on_stream_close)(void* instance, void* stream);

  /* Upstream response bytes. For non-stream calls and for error statuses the host delivers the
   * whole body once with `end` = 1; for streams it delivers bytes as they arrive and a final
   * call with `end` = 1 and no bytes. Emits through `emitter`. Returns 0, non-zero to abort. */
  int (*on_response)(void* instance, void* stream, int http_status, tp_str bytes, int end,
                     tp_emitter* emitter);

  /* Answer a TP_DISPATCH_LOCAL call: emit the whole response (chunks and usage). Optional. */
  int (*on_respond_local)(void* instance, const tp_provider_call* call, tp_emitter* emitter,
                          tp_error* error);

  /* ---- appended for dialects ---- */
  uint32_t dialects;     /* TP_DIALECT_* bits spoken natively; 0 = OpenAI chat only */
  uint32_t capabilities; /* TP_PROVIDER_* flags */
} tp_provider_vtable;

/* ---------------------------------------------------------------- payment vtable ---- */

/* Payment methods (Lightning, on-chain, card). Hooks take and give JSON, run on the host's
 * worker threads (blocking work allowed), and may be called concurrently, except on_tick. Each
 * returns 0, or non-zero with `error` set. Optional hooks may be NULL. Amounts are msat.
 *
 *   on_describe     -> {"currencies": [...], "min_msat": N, "max_msat": N, "confirmation": "...",
 *                       "l402": bool, ...} for /v1/topup/methods and /api/capabilities
 *   on_routes       -> [{"method": "POST", "path": "/dev/lightning/pay", "loopback_only": true}, ...]
 *                   loopback_only: a development route (a wallet that pays itself). The host serves
 *                   it to direct loopback clients only, refuses to start when server.listen is not a
 *                   loopback address, and warns when a provider other than `mock` is configured.
 *   on_http         request {"method", "path", "query", "params": {...}, "headers": {lower-case},
 *                   "body", "loopback": bool, "account_id": "..." (a valid API key's, or absent)}
 *                   loopback: the peer is loopback and no proxy header (Forwarded, Via,
 *                   X-Forwarded-*, X-Real-IP) says it spoke for someone else
 *                   -> {"status": N, "headers": {...}, "body": "<text>"}
 *   on_topup_create {"topup_id", "amount_msat", "currency", "currency_amount", "expires_at" (unix ms),
 *                   "description"} -> {"external_ref", "expires_at", "details": {method fields}}
 *                   or, to refuse with an answer meant for the client,
 *                   {"error": {"status": 400..599, "code", "message"}} (e.g. 503 out of addresses)
 *   on_topup_check  the same plus "external_ref": look at the payment now and report through
 *                   callback_payment_received
 *   on_challenge    {"amount_msat", "service", "path", "description"}
 *                   -> {"headers": [[name, value], ...], "payment": {...}}  (L402 402 answers)
 *   on_authorize    {"authorization": "<header value>", "service", "path", "now" (unix s)}
 *                   -> {"ok": true, "payment_hash", "amount_msat", "expires_at" (unix s or null)}
 *                   or {"ok": false, "status": 401 | 402, "code", "message"}
 *   on_tick         periodic work (invoice watchers), every tick_ms from one thread at a time */
typedef struct tp_payment_vtable {
  uint32_t struct_size;
  int (*on_describe)(void* instance, tp_buffer* out, tp_error* error);
  int (*on_routes)(void* instance, tp_buffer* out, tp_error* error);
  int (*on_http)(void* instance, tp_str request, tp_buffer* out, tp_error* error);
  int (*on_topup_create)(void* instance, tp_str topup, tp_buffer* out, tp_error* error);
  int (*on_topup_check)(void* instance, tp_str topup, tp_error* error);
  int (*on_challenge)(void* instance, tp_str request, tp_buffer* out, tp_error* error);
  int (*on_authorize)(void* instance, tp_str request, tp_buffer* out, tp_error* error);
  void (*on_tick)(void* instance);
  uint32_t tick_ms; /* 0: no ticks */
} tp_payment_vtable;

/* ---------------------------------------------------------------- tool vtable ---- */

/* Server-side tools the gateway runs for a model (web search, page fetch). Hooks take and give
 * JSON, run on the host's worker threads (blocking work allowed) and may be called
 * concurrently. Every network call goes through callback_http_request, with
 * TP_HTTP_PUBLIC_ONLY for any URL a user or a model supplied. Each returns 0, or non-zero with
 * `error` set: the call failed, nothing is charged for it and the model is told why.
 *
 *   on_describe -> {"tools": [{"name": "web_search", "description": "...",
 *                              "parameters": {JSON schema of the arguments},
 *                              "price": N}],             billing units per call
 *                   "backend": "searxng"}                 optional: the metric label of the calls
 *               A plugin that describes one tool has it named after its config entry.
 *   on_call     {"tool": "<name as described>", "arguments": {...}, "request_id": "..."}
 *               -> {"content": "<text handed to the model>",
 *                   "results": [{"url", "title", "content", "published"}],   searches: citations
 *                   "cached": bool}                       served without reaching the backend */
typedef struct tp_tool_vtable {
  uint32_t struct_size;
  int (*on_describe)(void* instance, tp_buffer* out, tp_error* error);
  int (*on_call)(void* instance, tp_str call, tp_buffer* out, tp_error* error);
} tp_tool_vtable;

/* ---------------------------------------------------------------- enrichment vtable ---- */

/* Paid data endpoints (/v1/data/...). Same conventions as tools: JSON in and out, worker threads,
 * concurrent calls, the host HTTP client for every request.
 *
 *   on_endpoints -> [{"name", "route" (path under /v1/data/, no leading slash), "method": "GET" | "POST",
 *                     "price": N (billing units per call), "description",
 *                     "parameters": {JSON schema; the host validates a call against it before
 *                                    anything is charged}}]
 *   on_call      {"endpoint": "<name>", "params": {...}, "request_id": "..."}
 *                -> {"status": <upstream HTTP status>, "content_type": "...", "body": "<upstream body>"}
 *                non-zero: no upstream answer (the host answers 502 and refunds); a 4xx or 5xx
 *                status is refunded too */
typedef struct tp_enrichment_vtable {
  uint32_t struct_size;
  int (*on_endpoints)(void* instance, tp_buffer* out, tp_error* error);
  int (*on_call)(void* instance, tp_str call, tp_buffer* out, tp_error* error);
} tp_enrichment_vtable;

/* ---------------------------------------------------------------- descriptor ---- */

typedef struct tp_plugin_descriptor {
  uint32_t struct_size;
  uint32_t abi_version; /* TP_ABI_VERSION the plugin was built against */
  tp_plugin_kind kind;
  const char* name;    /* canonical plugin name, e.g. "openai_compat" */
  const char* version; /* plugin's own version, e.g. "1.0.0" */

  /* Keys the plugin accepts in its config section, as a JSON object:
   *   {"base_url": {"type": "string", "required": true, "doc": "..."},
   *    "api_key": {"type": "string", "secret": true}, ...}
   * types: string, integer, number, boolean, object, array. The host checks the YAML against it
   * before create, so errors name the file, line and key. */
  const char* config_schema;

  /* Builds an instance from the plugin's YAML section as JSON. Returns the instance, or NULL
   * with `error` set to a clear message. `plugin` identifies the instance in host callbacks. */
  void* (*on_create)(const tp_host_api* host, tp_host_plugin* plugin, tp_str config_json,
                     tp_error* error);
  void (*on_destroy)(void* instance);

  /* The kind's vtable: a tp_provider_vtable* for TP_KIND_PROVIDER, a tp_payment_vtable* for
   * TP_KIND_PAYMENT, a tp_tool_vtable* for TP_KIND_TOOL, a tp_enrichment_vtable* for
   * TP_KIND_ENRICHMENT. */
  const void* vtable;
} tp_plugin_descriptor;

/* The single exported entry point. `host_abi_version` lets a plugin refuse (return NULL) or
 * adapt to an older host. */
typedef const tp_plugin_descriptor* (*tp_plugin_entry_fn)(uint32_t host_abi_version);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TURNPIKE_PLUGIN_ABI_H */
