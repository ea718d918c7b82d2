// Typed, validated configuration (see docs/config.md for every key).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "net/address_ranges.hpp"

namespace turnpike::config {

struct SourceLocation {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  std::string describe() const { return line > 0 ? file + ":" + std::to_string(line) : file; }
};

// Shortest admin_token or metrics_token accepted: 32 characters (`openssl rand -hex 16`).
inline constexpr size_t kMinTokenLength = 32;

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  SourceLocation listenWhere;  // of server.listen (line 0 when it is the default)
  std::string adminToken;      // empty: admin API off; else at least kMinTokenLength characters
  std::string metricsToken;    // empty: /metrics is public; else Bearer token, at least kMinTokenLength
  uint64_t maxBodyBytes = 8 * 1024 * 1024;
  unsigned workers = 0;  // event-loop threads; 0 = one per CPU
  // Worker pools: the general one, one for key lookups of inference requests and one for calls
  // to payment backends, so that no kind of slow work starves another. Beyond its queue a pool
  // answers 503.
  unsigned blockingThreads = 16;
  uint64_t blockingQueue = 1024;  // general and key-lookup pools
  unsigned keyLookupThreads = 4;
  unsigned paymentThreads = 8;
  uint64_t paymentQueue = 64;
  uint32_t keepaliveTimeoutMs = 60'000;
  uint32_t headerTimeoutMs = 15'000;   // request line and headers, from the request's first byte
  uint32_t minBodyRate = 1024;         // bytes/s a request body must average once past the grace
  uint32_t bodyGraceMs = 10'000;
  uint32_t sendTimeoutMs = 60'000;     // pending output that makes no progress: the client stopped reading
  uint64_t maxConnections = 20'000;
  uint64_t maxConnectionsPerIp = 256;  // per IPv4 address / IPv6 /64; trusted proxies are exempt
  uint32_t drainTimeoutMs = 10'000;
  // Peers whose X-Forwarded-For names the client (reverse proxies); empty: the TCP peer is the client.
  net::AddressRanges trustedProxies;
  // Browser origins (server.cors.allowed_origins) that may call the API; "*" for any; empty: none.
  std::vector<std::string> corsOrigins;
};

struct StorageConfig {
  std::string url = "sqlite://data/turnpike.db";
};

struct RateLimit {
  uint64_t requestsPerMinute = 0;  // 0 = unlimited
  uint64_t tokensPerMinute = 0;
  bool limited() const { return requestsPerMinute > 0 || tokensPerMinute > 0; }
};

struct BillingConfig {
  bool enabled = true;           // false: nothing is metered, no key is asked for
  std::string unit = "msat";     // the integer unit of every wallet and price
  int64_t markupPpm = 1'000'000; // multiplier on every price, in millionths (1.25 -> 1250000)
  bool signupOpen = true;        // POST /v1/accounts creates accounts
  bool anonymous = true;         // models priced 0 are served without a key
  bool usageEvent = false;       // every paid stream ends with `event: payg-usage` after [DONE]
  int64_t signupCredit = 0;      // credited to accounts created through POST /v1/accounts
  uint64_t signupPerHour = 10;   // POST /v1/accounts per client address per hour (0: unlimited)
  uint64_t defaultMaxOutputTokens = 4096;  // reservation ceiling when neither request nor model says
  int64_t usdPerBtc = 0;         // fixed conversion rate for USD top-ups (0: USD not accepted)
  RateLimit keyLimits;           // per API key
  RateLimit anonymousLimits{60, 0};  // per anonymous client address (IPv6: per /64)
  // L402 challenges (an invoice on the node each): per anonymous client address, and all together.
  RateLimit challengeLimits{30, 0};
  RateLimit challengeTotal{600, 0};
};

// Responses kept for `store: true` on /v1/responses (previous_response_id, GET /v1/responses/{id}).
struct ResponsesConfig {
  uint32_t retentionHours = 24;
};

struct LogConfig {
  std::string level = "information";  // Poco level names: trace, debug, information, notice, warning, error
  bool access = false;                // one line per request
};

struct PluginsConfig {
  std::string dir;  // empty: <directory of the turnpike binary>/plugins
};

// Prices in the billing unit: per 1M tokens for input/output/cached input, flat per request,
// per image and per second of audio/compute where a model needs them.
struct Price {
  int64_t input = 0;
  int64_t output = 0;
  int64_t cachedInput = -1;  // -1: same as input
  int64_t request = 0;
  int64_t image = 0;
  int64_t second = 0;
  int64_t cacheWrite = -1;  // per 1M prompt tokens written to the upstream's cache; -1: same as input

  bool isFree() const {
    return input == 0 && output == 0 && cachedInput <= 0 && cacheWrite <= 0 && request == 0 && image == 0 && second == 0;
  }
};

// Per-provider circuit breaker: after `failures` consecutive failures (connect error, timeout,
// 429, 5xx) the provider is skipped for `cooldownMs`, then one trial request decides.
struct CircuitBreakerConfig {
  uint32_t failures = 5;
  uint32_t cooldownMs = 30'000;
};

// Lua policy scripts (core/src/policy/policy_engine.hpp) and what routing reports.
struct RoutingConfig {
  std::string script = "scripts/routing.lua";  // relative paths: from the working directory
  SourceLocation where;                        // of routing.script
  bool info = true;    // routing_info in responses (first stream chunk, non-stream body)
  bool watch = true;   // reload both scripts when either file changes
  uint32_t scriptTimeoutMs = 5;    // one route() or price() call
  uint32_t scriptMemoryMb = 16;    // per Lua state
  CircuitBreakerConfig circuitBreaker;
};

struct PricingConfig {
  std::string script = "scripts/pricing.lua";
  SourceLocation where;  // of pricing.script
};

struct ModelConfig {
  std::string id;
  std::string upstreamId;  // defaults to id
  Price price;
  uint64_t contextLength = 0;    // 0 = unknown
  uint64_t maxOutputTokens = 0;  // 0 = unknown
  // The chat member the upstream reads its output limit from; the gateway writes the reserved
  // ceiling there when the client sets none.
  std::string maxTokensParam = "max_tokens";
  double parametersB = 0;        // model size in billions of parameters (router queries); 0 = unknown
  std::vector<std::string> capabilities;  // chat, completions, embeddings, tools, vision, json ...; empty: any
  bool usageEvent = false;  // its paid streams end with `event: payg-usage` even unasked
  SourceLocation where;
};

struct ProviderConfig {
  std::string name;
  std::string plugin;
  uint32_t timeoutMs = 60'000;         // longest upstream silence: before the first byte and between bytes
  uint32_t connectTimeoutMs = 10'000;  // TCP + TLS connect
  bool discoverModels = false;
  ModelConfig modelDefaults;  // applied to discovered models
  std::vector<ModelConfig> models;
  YAML::Node section;          // the whole YAML mapping (plugin keys are validated against the plugin's schema)
  nlohmann::json pluginConfig; // plugin keys as JSON, filled after schema validation
  std::vector<std::string> secrets;  // values of keys the plugin marks secret (redacted from errors and logs)
  SourceLocation where;
};

// A payment method (Lightning, on-chain, card): one instance of a payment plugin.
struct PaymentConfig {
  std::string name;
  std::string plugin;
  YAML::Node section;           // plugin keys are validated against the plugin's schema
  nlohmann::json pluginConfig;
  std::vector<std::string> secrets;
  SourceLocation where;
};

struct Config {
  std::string file;
  ServerConfig server;
  StorageConfig storage;
  BillingConfig billing;
  ResponsesConfig responses;
  LogConfig log;
  PluginsConfig plugins;
  std::vector<ProviderConfig> providers;
  std::vector<PaymentConfig> payments;
  RoutingConfig routing;
  PricingConfig pricing;
};

}  // namespace turnpike::config
