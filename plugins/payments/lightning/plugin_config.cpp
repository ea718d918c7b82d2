#include "lightning/plugin_config.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include <turnpike/encoding.hpp>

#include "common/config_section.hpp"

namespace turnpike::payments::lightning {

using nlohmann::json;

const char* const kConfigSchema = R"json({
  "backend": {"type": "string", "required": true, "doc": "dev | lnbits | lnd | cln"},
  "l402": {"type": "object",
           "doc": "enabled (true), reuse (single_use | until_expiry), valid_seconds (3600), service (turnpike)"},
  "topup": {"type": "object", "doc": "min_sats (100), max_sats (1000000)"},
  "invoice_expiry_seconds": {"type": "integer", "default": 600, "doc": "lifetime of the invoices issued"},
  "watch_after_expiry_seconds": {"type": "integer", "default": 86400,
                                 "doc": "how long an expired invoice is still watched for a late payment"},
  "lnbits": {"type": "object", "secret": true, "doc": "url, api_key (invoice key of the wallet)"},
  "lnd": {"type": "object", "secret": true,
          "doc": "url (REST, e.g. https://127.0.0.1:8080), macaroon (hex, invoice macaroon), tls_cert (PEM of tls.cert, pinned), subscribe (true), subscribe_window_seconds (30)"},
  "cln": {"type": "object", "secret": true, "doc": "url (clnrest), rune, tls_cert (PEM, pinned)"}
})json";

namespace {

constexpr int64_t kMaxSeconds = 10LL * 365 * 86'400;

[[noreturn]] void bad(const std::string& key, const std::string& problem) { configError("lightning", key, problem); }

std::string readUrl(ConfigSection& s) {
  auto url = s.string("url");
  if (!url || url->empty()) bad(s.name("url"), "required for this backend");
  if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0)
    bad(s.name("url"), "must start with http:// or https://");
  while (!url->empty() && url->back() == '/') url->pop_back();
  return *url;
}

std::string readTlsCert(ConfigSection& s) {
  auto pem = s.string("tls_cert");
  if (!pem || pem->empty()) return {};
  if (pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    bad(s.name("tls_cert"), "expected the PEM text of a certificate (-----BEGIN CERTIFICATE-----)");
  return *pem;
}

std::string readCredential(ConfigSection& s, const std::string& key) {
  auto value = s.string(key);
  if (!value || value->empty()) bad(s.name(key), "required for this backend");
  return *value;
}

}  // namespace

std::string_view backendName(BackendKind kind) {
  switch (kind) {
    case BackendKind::Dev: return "dev";
    case BackendKind::Lnbits: return "lnbits";
    case BackendKind::Lnd: return "lnd";
    case BackendKind::Cln: return "cln";
  }
  return "";
}

std::string_view reuseName(L402Reuse reuse) { return reuse == L402Reuse::SingleUse ? "single_use" : "until_expiry"; }

PluginConfig PluginConfig::parse(std::string_view text) {
  json root = json::parse(text.empty() ? std::string_view("{}") : text, nullptr, false);
  if (root.is_discarded()) throw std::invalid_argument("lightning config: not valid JSON");
  ConfigSection top(root, "lightning");
  PluginConfig c;

  auto backend = top.string("backend");
  if (!backend) bad("backend", "required (dev, lnbits, lnd or cln)");
  if (*backend == "dev") c.backend = BackendKind::Dev;
  else if (*backend == "lnbits") c.backend = BackendKind::Lnbits;
  else if (*backend == "lnd") c.backend = BackendKind::Lnd;
  else if (*backend == "cln") c.backend = BackendKind::Cln;
  else bad("backend", "unknown backend '" + *backend + "' (expected dev, lnbits, lnd or cln)");

  ConfigSection l402 = top.child("l402");
  c.l402.enabled = l402.boolean("enabled", true);
  if (auto reuse = l402.string("reuse")) {
    if (*reuse == "single_use") c.l402.reuse = L402Reuse::SingleUse;
    else if (*reuse == "until_expiry") c.l402.reuse = L402Reuse::UntilExpiry;
    else bad("l402.reuse", "expected single_use or until_expiry, got '" + *reuse + "'");
  }
  c.l402.validSeconds = l402.integer("valid_seconds", 3600, 1, kMaxSeconds);
  if (auto service = l402.string("service")) c.l402.service = *service;
  if (c.l402.service.empty() || c.l402.service.find_first_of(",:= ") != std::string::npos)
    bad("l402.service", "must be a non-empty name without ',', ':', '=' or spaces");
  l402.finish();

  ConfigSection topup = top.child("topup");
  constexpr int64_t kMaxSats = 21'000'000LL * 100'000'000;
  int64_t minSats = topup.integer("min_sats", 100, 1, kMaxSats);
  int64_t maxSats = topup.integer("max_sats", 1'000'000, 1, kMaxSats);
  if (minSats > maxSats) bad("topup.min_sats", "is larger than topup.max_sats");
  c.topupMinMsat = static_cast<uint64_t>(minSats) * 1000;
  c.topupMaxMsat = static_cast<uint64_t>(maxSats) * 1000;
  topup.finish();

  c.invoiceExpirySeconds = top.integer("invoice_expiry_seconds", 600, 1, kMaxSeconds);
  c.watchAfterExpirySeconds = top.integer("watch_after_expiry_seconds", 86'400, 0, kMaxSeconds);

  // Only the selected backend's section is read; the others may stay in the file, so switching
  // backends is a one-line change.
  for (BackendKind kind : {BackendKind::Lnbits, BackendKind::Lnd, BackendKind::Cln}) {
    std::string key(backendName(kind));
    const json* value = top.find(key);
    if (kind != c.backend) {
      if (value != nullptr && !value->is_object()) bad(key, "expected a mapping");
      continue;
    }
    if (value == nullptr) bad(key, "section required by backend: " + key);
    ConfigSection s(*value, "lightning", key);
    c.node.url = readUrl(s);
    if (kind == BackendKind::Lnbits) {
      c.node.credential = readCredential(s, "api_key");
    } else if (kind == BackendKind::Lnd) {
      c.node.credential = readCredential(s, "macaroon");
      if (!sdk::encoding::hexDecode(c.node.credential)) bad("lnd.macaroon", "expected the macaroon as hex");
      c.node.tlsCertPem = readTlsCert(s);
      c.lndStream.subscribe = s.boolean("subscribe", true);
      c.lndStream.windowSeconds = s.integer("subscribe_window_seconds", 30, 1, 3600);
    } else {
      c.node.credential = readCredential(s, "rune");
      c.node.tlsCertPem = readTlsCert(s);
    }
    s.finish();
  }
  top.finish();
  return c;
}

}  // namespace turnpike::payments::lightning
