#include "config/config_loader.hpp"

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "config/map_reader.hpp"
#include "http/cors.hpp"

namespace turnpike::config {

namespace {

bool validName(const std::string& s, bool allowUpper) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
              (allowUpper && c >= 'A' && c <= 'Z');
    if (!ok) return false;
  }
  return true;
}

// "host:port", "[v6]:port" or ":port".
bool parseListen(const std::string& s, std::string& host, uint16_t& port) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::string h = s.substr(0, colon);
  std::string p = s.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  unsigned long v = std::stoul(p);
  if (v > 65535) return false;
  host = h.empty() ? "0.0.0.0" : h;
  port = static_cast<uint16_t>(v);
  return true;
}

// A bearer token guarding operator endpoints: empty (off), or long enough not to be guessed.
void readToken(MapReader& r, const char* key, std::string& out, Diagnostics& d) {
  if (r.get(key, out) && !out.empty() && out.size() < kMinTokenLength)
    d.error(r.child(key), r.keyPath(key),
            "at least " + std::to_string(kMinTokenLength) + " characters (e.g. openssl rand -hex 16), got " +
                std::to_string(out.size()));
}

void readServer(const YAML::Node& node, ServerConfig& out, Diagnostics& d) {
  MapReader r(node, "server", d);
  std::string listen;
  out.listenWhere = SourceLocation{d.file(), lineOf(r.child("listen"))};
  if (r.get("listen", listen) && !parseListen(listen, out.host, out.port))
    d.error(r.child("listen"), "server.listen", "expected host:port, got '" + listen + "'");
  readToken(r, "admin_token", out.adminToken, d);
  readToken(r, "metrics_token", out.metricsToken, d);
  if (r.get("max_body_bytes", out.maxBodyBytes) && out.maxBodyBytes == 0)
    d.error(r.child("max_body_bytes"), "server.max_body_bytes", "must be greater than 0");
  uint32_t workers = out.workers;
  if (r.get("workers", workers)) out.workers = workers;
  auto threads = [&](const char* key, unsigned& value) {
    uint32_t n = value;
    if (!r.get(key, n)) return;
    if (n == 0 || n > 1024) d.error(r.child(key), r.keyPath(key), "between 1 and 1024");
    value = n;
  };
  threads("blocking_threads", out.blockingThreads);
  threads("key_lookup_threads", out.keyLookupThreads);
  threads("payment_threads", out.paymentThreads);
  auto queue = [&](const char* key, uint64_t& value) {
    if (r.get(key, value) && (value == 0 || value > 1'000'000))
      d.error(r.child(key), r.keyPath(key), "between 1 and 1000000");
  };
  queue("blocking_queue", out.blockingQueue);
  queue("payment_queue", out.paymentQueue);
  // Zero would close every connection at once (timeouts) or refuse every client (counts).
  auto positive = [&](const char* key, auto& field) {
    if (r.get(key, field) && field == 0) d.error(r.child(key), r.keyPath(key), "must be greater than 0");
  };
  positive("keepalive_timeout_ms", out.keepaliveTimeoutMs);
  positive("header_timeout_ms", out.headerTimeoutMs);
  positive("min_body_rate", out.minBodyRate);
  r.get("body_grace_ms", out.bodyGraceMs);
  positive("send_timeout_ms", out.sendTimeoutMs);
  positive("max_connections", out.maxConnections);
  positive("max_connections_per_ip", out.maxConnectionsPerIp);
  r.get("drain_timeout_ms", out.drainTimeoutMs);
  std::vector<std::string> proxies;
  if (r.get("trusted_proxies", proxies)) {
    try {
      out.trustedProxies = net::AddressRanges(proxies);
    } catch (const std::invalid_argument& e) {
      d.error(r.child("trusted_proxies"), "server.trusted_proxies", e.what());
    }
  }
  YAML::Node cors = r.child("cors");
  if (cors.IsDefined()) {
    MapReader cr(cors, "server.cors", d);
    if (cr.get("allowed_origins", out.corsOrigins)) {
      YAML::Node list = cr.child("allowed_origins");
      for (size_t i = 0; i < out.corsOrigins.size(); ++i) {
        std::string problem = http::CorsPolicy::checkOrigin(out.corsOrigins[i]);
        if (!problem.empty())
          d.error(list[i], "server.cors.allowed_origins[" + std::to_string(i) + "]",
                  "'" + out.corsOrigins[i] + "': " + problem);
      }
    }
    cr.finish();
  }
  r.finish();
}

// A relative SQLite path is relative to the configuration file's directory, so the ledger a
// configuration names does not depend on where turnpike was started. Older versions read it
// from the working directory: when only that file exists, refuse rather than open a new one.
void readStorage(const YAML::Node& node, Config& config, Diagnostics& d) {
  MapReader r(node, "storage", d);
  std::string& url = config.storage.url;
  r.get("url", url);
  static const std::string kSqlite = "sqlite://";
  if (url.rfind(kSqlite, 0) != 0) {
    if (url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0)
      d.error(r.child("url"), "storage.url", "expected sqlite://PATH or postgresql://user:pass@host:port/db");
    r.finish();
    return;
  }
  namespace fs = std::filesystem;
  fs::path path = url.substr(kSqlite.size());
  if (!path.empty() && path.is_relative()) {
    std::error_code ec;
    fs::path directory = fs::path(d.file()).parent_path();
    fs::path resolved = ((directory.empty() ? fs::current_path(ec) : fs::absolute(directory, ec)) / path).lexically_normal();
    fs::path legacy = (fs::current_path(ec) / path).lexically_normal();
    if (resolved != legacy && !fs::exists(resolved, ec) && fs::exists(legacy, ec))
      d.error(r.child("url"), "storage.url",
              "'" + path.string() + "' is relative to the configuration file's directory: " + resolved.string() +
                  ", which does not exist, while " + legacy.string() +
                  " (relative to the working directory, where older versions looked) does; write the path of the "
                  "database you mean as an absolute path");
    url = kSqlite + resolved.string();
  }
  r.finish();
}

// An exact decimal ("1.25") as millionths.
std::optional<int64_t> parseMultiplier(const std::string& s) {
  size_t dot = s.find('.');
  std::string whole = s.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 6 || frac.size() > 6) return std::nullopt;
  if (whole.find_first_not_of("0123456789") != std::string::npos || frac.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  frac.resize(6, '0');
  return std::stoll(whole) * 1'000'000 + std::stoll(frac);
}

void readRateLimit(const YAML::Node& node, const std::string& path, RateLimit& out, Diagnostics& d) {
  MapReader r(node, path, d);
  r.get("requests_per_minute", out.requestsPerMinute);
  r.get("tokens_per_minute", out.tokensPerMinute);
  r.finish();
}

void readBilling(const YAML::Node& node, BillingConfig& out, Diagnostics& d) {
  MapReader r(node, "billing", d);
  r.get("enabled", out.enabled);
  if (r.get("unit", out.unit) && out.unit.empty()) d.error(r.child("unit"), "billing.unit", "must not be empty");
  std::string markup;
  if (r.get("markup", markup)) {
    auto ppm = parseMultiplier(markup);
    if (!ppm || *ppm == 0) {
      d.error(r.child("markup"), "billing.markup", "expected a positive decimal multiplier such as 1 or 1.25, got '" + markup + "'");
    } else {
      out.markupPpm = *ppm;
    }
  }
  std::string signup;
  if (r.get("signup", signup)) {
    if (signup != "open" && signup != "closed")
      d.error(r.child("signup"), "billing.signup", "expected open or closed, got '" + signup + "'");
    out.signupOpen = signup == "open";
  }
  r.get("anonymous", out.anonymous);
  r.get("usage_event", out.usageEvent);
  if (r.get("signup_credit", out.signupCredit) && out.signupCredit < 0)
    d.error(r.child("signup_credit"), "billing.signup_credit", "must not be negative");
  r.get("signup_per_hour", out.signupPerHour);
  if (r.get("default_max_output_tokens", out.defaultMaxOutputTokens) && out.defaultMaxOutputTokens == 0)
    d.error(r.child("default_max_output_tokens"), "billing.default_max_output_tokens", "must be greater than 0");
  YAML::Node rates = r.child("rates");
  if (rates.IsDefined()) {
    MapReader rr(rates, "billing.rates", d);
    uint64_t usdPerBtc = 0;
    if (rr.get("usd_per_btc", usdPerBtc)) out.usdPerBtc = static_cast<int64_t>(usdPerBtc);
    rr.finish();
  }
  YAML::Node limits = r.child("rate_limits");
  if (limits.IsDefined()) {
    MapReader lr(limits, "billing.rate_limits", d);
    if (lr.child("keys").IsDefined()) readRateLimit(lr.child("keys"), "billing.rate_limits.keys", out.keyLimits, d);
    if (lr.child("anonymous").IsDefined())
      readRateLimit(lr.child("anonymous"), "billing.rate_limits.anonymous", out.anonymousLimits, d);
    YAML::Node challenges = lr.child("challenges");
    if (challenges.IsDefined()) {
      MapReader cr(challenges, "billing.rate_limits.challenges", d);
      cr.get("requests_per_minute", out.challengeLimits.requestsPerMinute);
      cr.get("total_per_minute", out.challengeTotal.requestsPerMinute);
      cr.finish();
    }
    lr.finish();
  }
  r.finish();
}

void readResponses(const YAML::Node& node, ResponsesConfig& out, Diagnostics& d) {
  MapReader r(node, "responses", d);
  // A year at most: stored responses are bounded in time as in size.
  if (r.get("retention_hours", out.retentionHours) && (out.retentionHours < 1 || out.retentionHours > 8760))
    d.error(r.child("retention_hours"), "responses.retention_hours", "between 1 and 8760");
  r.finish();
}

void readLog(const YAML::Node& node, LogConfig& out, Diagnostics& d) {
  MapReader r(node, "log", d);
  if (r.get("level", out.level)) {
    static const std::set<std::string> kLevels{"trace", "debug", "information", "info", "notice", "warning", "warn",
                                               "error", "critical", "fatal", "none"};
    if (kLevels.count(out.level) == 0)
      d.error(r.child("level"), "log.level", "unknown level '" + out.level + "' (trace, debug, info, warning, error)");
    if (out.level == "info") out.level = "information";
    if (out.level == "warn") out.level = "warning";
  }
  r.get("access", out.access);
  r.finish();
}

void readPrice(const YAML::Node& node, const std::string& path, Price& out, Diagnostics& d) {
  MapReader r(node, path, d);
  auto field = [&](const char* key, int64_t& v) {
    if (r.get(key, v) && v < 0) d.error(r.child(key), r.keyPath(key), "a price cannot be negative");
  };
  field("input", out.input);
  field("output", out.output);
  field("cached_input", out.cachedInput);
  field("cache_write", out.cacheWrite);
  field("request", out.request);
  field("image", out.image);
  field("second", out.second);
  r.finish();
}

// Fields shared by model entries and model_defaults.
void readModelFields(MapReader& r, ModelConfig& m, Diagnostics& d) {
  if (r.child("price").IsDefined()) readPrice(r.child("price"), r.keyPath("price"), m.price, d);
  r.get("context_length", m.contextLength);
  r.get("max_output_tokens", m.maxOutputTokens);
  if (r.get("max_tokens_param", m.maxTokensParam) && m.maxTokensParam != "max_tokens" &&
      m.maxTokensParam != "max_completion_tokens")
    d.error(r.child("max_tokens_param"), r.keyPath("max_tokens_param"),
            "expected max_tokens or max_completion_tokens, got '" + m.maxTokensParam + "'");
  if (r.get("parameters", m.parametersB) && !(m.parametersB >= 0))
    d.error(r.child("parameters"), r.keyPath("parameters"), "billions of parameters: a number, 0 or more");
  r.get("capabilities", m.capabilities);
  r.get("usage_event", m.usageEvent);
}

void readModel(const YAML::Node& node, const std::string& path, ModelConfig& m, const ModelConfig& defaults,
               Diagnostics& d) {
  m = defaults;
  m.where = SourceLocation{d.file(), lineOf(node)};
  if (node.IsScalar()) {  // shorthand: "- gpt-4o-mini"
    m.id = node.Scalar();
    m.upstreamId = m.id;
    return;
  }
  MapReader r(node, path, d);
  r.require("id", m.id);
  m.upstreamId = m.id;
  r.get("upstream_id", m.upstreamId);
  readModelFields(r, m, d);
  r.finish();
  if (m.id.empty() && r.child("id").IsDefined()) d.error(r.child("id"), r.keyPath("id"), "must not be empty");
}

void readProvider(const YAML::Node& node, const std::string& path, ProviderConfig& p, Diagnostics& d) {
  p.where = SourceLocation{d.file(), lineOf(node)};
  p.section = node;
  MapReader r(node, path, d);
  if (!r.isMap()) return;
  if (r.require("name", p.name) && !validName(p.name, true))
    d.error(r.child("name"), r.keyPath("name"), "use letters, digits, '_', '-' and '.' only (at most 64)");
  if (r.require("plugin", p.plugin) && !validName(p.plugin, false))
    d.error(r.child("plugin"), r.keyPath("plugin"), "a plugin name uses lower-case letters, digits, '_', '-' and '.' only");
  r.get("timeout_ms", p.timeoutMs);
  r.get("connect_timeout_ms", p.connectTimeoutMs);
  if (p.timeoutMs == 0) d.error(r.child("timeout_ms"), r.keyPath("timeout_ms"), "must be greater than 0");
  r.get("discover_models", p.discoverModels);
  YAML::Node defaults = r.child("model_defaults");
  if (defaults.IsDefined()) {
    MapReader dr(defaults, r.keyPath("model_defaults"), d);
    readModelFields(dr, p.modelDefaults, d);
    dr.finish();
  }
  YAML::Node models = r.child("models");
  if (models.IsDefined() && !models.IsNull()) {
    if (!models.IsSequence()) {
      d.error(models, r.keyPath("models"), "expected a list of models");
    } else {
      std::set<std::string> ids;
      for (size_t i = 0; i < models.size(); ++i) {
        ModelConfig m;
        std::string mpath = r.keyPath("models") + "[" + std::to_string(i) + "]";
        readModel(models[i], mpath, m, p.modelDefaults, d);
        if (!m.id.empty() && !ids.insert(m.id).second)
          d.error(models[i], mpath + ".id", "duplicate model id '" + m.id + "' in provider '" + p.name + "'");
        p.models.push_back(std::move(m));
      }
    }
  }
  if (p.models.empty() && !p.discoverModels)
    d.error(node, r.keyPath("models"), "a provider needs at least one model (or discover_models: true)");
  // The remaining keys belong to the plugin: checked against its schema once it is loaded.
}

void readPayments(const YAML::Node& node, Config& config, Diagnostics& d) {
  if (!node.IsSequence()) {
    d.error(node, "payments", "expected a list of payment methods");
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string path = "payments[" + std::to_string(i) + "]";
    PaymentConfig p;
    p.section = node[i];
    p.where = SourceLocation{d.file(), lineOf(node[i])};
    MapReader r(node[i], path, d);
    if (!r.isMap()) continue;
    if (r.require("name", p.name) && !validName(p.name, true))
      d.error(r.child("name"), r.keyPath("name"), "use letters, digits, '_', '-' and '.' only (at most 64)");
    if (r.require("plugin", p.plugin) && !validName(p.plugin, false))
      d.error(r.child("plugin"), r.keyPath("plugin"), "a plugin name uses lower-case letters, digits, '_', '-' and '.' only");
    if (!p.name.empty() && !names.insert(p.name).second)
      d.error(node[i], r.keyPath("name"), "duplicate payment method name '" + p.name + "'");
    config.payments.push_back(std::move(p));
  }
  if (!config.payments.empty() && !config.billing.enabled)
    d.error(node, "payments", "payment methods credit wallets: they need billing.enabled: true");
  if (!config.payments.empty() && config.billing.unit != "msat")
    d.error(node, "payments", "payment methods credit in msat: they need billing.unit: msat");
}

void readScript(MapReader& r, const std::string& section, std::string& out, SourceLocation& where, Diagnostics& d) {
  where = SourceLocation{d.file(), 0};
  if (!r.get("script", out)) return;
  where.line = lineOf(r.child("script"));
  if (out.empty()) d.error(r.child("script"), section + ".script", "must not be empty");
}

void readPolicy(MapReader& top, Config& config, Diagnostics& d) {
  {
    MapReader r(top.child("routing"), "routing", d);
    auto& routing = config.routing;
    readScript(r, "routing", routing.script, routing.where, d);
    r.get("info", routing.info);
    r.get("watch", routing.watch);
    if (r.get("script_timeout_ms", routing.scriptTimeoutMs) && (routing.scriptTimeoutMs == 0 || routing.scriptTimeoutMs > 1000))
      d.error(r.child("script_timeout_ms"), "routing.script_timeout_ms", "between 1 and 1000");
    if (r.get("script_memory_mb", routing.scriptMemoryMb) && (routing.scriptMemoryMb < 1 || routing.scriptMemoryMb > 1024))
      d.error(r.child("script_memory_mb"), "routing.script_memory_mb", "between 1 and 1024");
    if (r.child("circuit_breaker").IsDefined()) {
      MapReader c(r.child("circuit_breaker"), "routing.circuit_breaker", d);
      if (c.get("failures", routing.circuitBreaker.failures) && routing.circuitBreaker.failures == 0)
        d.error(c.child("failures"), "routing.circuit_breaker.failures", "at least 1");
      c.get("cooldown_ms", routing.circuitBreaker.cooldownMs);
      c.finish();
    }
    r.finish();
  }
  MapReader r(top.child("pricing"), "pricing", d);
  readScript(r, "pricing", config.pricing.script, config.pricing.where, d);
  r.finish();
}

Config build(YAML::Node root, const std::string& file, const EnvLookup& env) {
  Diagnostics d(file);
  Config config;
  config.file = file;
  if (!root.IsDefined() || root.IsNull()) {
    d.error(0, "", "the configuration file is empty");
    throw ConfigError(d);
  }
  substituteTree(root, env, d);
  MapReader top(root, "", d);
  if (!top.isMap()) throw ConfigError(d);
  readServer(top.child("server"), config.server, d);
  readStorage(top.child("storage"), config, d);
  readBilling(top.child("billing"), config.billing, d);
  readResponses(top.child("responses"), config.responses, d);
  readLog(top.child("log"), config.log, d);
  {
    MapReader r(top.child("plugins"), "plugins", d);
    r.get("dir", config.plugins.dir);
    r.finish();
  }
  readPolicy(top, config, d);
  YAML::Node providers = top.child("providers");
  if (!providers.IsDefined() || providers.IsNull()) {
    d.error(root, "providers", "required key is missing: configure at least one provider");
  } else if (!providers.IsSequence()) {
    d.error(providers, "providers", "expected a list of providers");
  } else {
    std::set<std::string> names;
    for (size_t i = 0; i < providers.size(); ++i) {
      ProviderConfig p;
      std::string path = "providers[" + std::to_string(i) + "]";
      readProvider(providers[i], path, p, d);
      if (!p.name.empty() && !names.insert(p.name).second)
        d.error(providers[i], path + ".name", "duplicate provider name '" + p.name + "'");
      config.providers.push_back(std::move(p));
    }
  }
  YAML::Node payments = top.child("payments");
  if (payments.IsDefined() && !payments.IsNull()) readPayments(payments, config, d);
  top.finish();
  if (!d.ok()) throw ConfigError(d);
  return config;
}

}  // namespace

const std::set<std::string>& providerCoreKeys() {
  static const std::set<std::string> kKeys{"name", "plugin", "timeout_ms", "connect_timeout_ms",
                                           "discover_models", "model_defaults", "models"};
  return kKeys;
}

const std::set<std::string>& paymentCoreKeys() {
  static const std::set<std::string> kKeys{"name", "plugin"};
  return kKeys;
}

Config parseConfigText(const std::string& text, const std::string& fileName, const EnvLookup& env) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    Diagnostics d(fileName);
    d.error(e.mark.is_null() ? 0 : e.mark.line + 1, "", "invalid YAML: " + e.msg);
    throw ConfigError(d);
  }
  return build(root, fileName, env);
}

Config loadConfigFile(const std::string& path, const EnvLookup& env) {
  std::ifstream in(path);
  if (!in) {
    Diagnostics d(path);
    d.error(0, "", "cannot read the configuration file");
    throw ConfigError(d);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parseConfigText(buffer.str(), path, env);
}

}  // namespace turnpike::config
