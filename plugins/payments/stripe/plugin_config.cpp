#include "stripe/plugin_config.hpp"

#include <nlohmann/json.hpp>

#include <set>
#include <stdexcept>

#include "stripe/usd.hpp"

namespace turnpike::payments::stripe {

using nlohmann::json;

const char* const kConfigSchema = R"json({
  "secret_key": {"type": "string", "required": true, "secret": true,
                 "doc": "Stripe secret key (sk_live_..., sk_test_...) or restricted key (rk_...) allowed to write Checkout Sessions"},
  "webhook_secret": {"type": "string", "required": true, "secret": true,
                     "doc": "signing secret of the webhook endpoint (whsec_...)"},
  "api_base": {"type": "string", "default": "https://api.stripe.com", "doc": "Stripe API root"},
  "api_version": {"type": "string", "doc": "Stripe-Version sent with every request (default: the account's)"},
  "success_url": {"type": "string", "required": true,
                  "doc": "where Checkout sends the payer after paying; {CHECKOUT_SESSION_ID} and {TOPUP_ID} are filled in"},
  "cancel_url": {"type": "string", "doc": "where Checkout's back button leads; {TOPUP_ID} is filled in"},
  "product_name": {"type": "string", "default": "Turnpike credit", "doc": "line item name shown on the Checkout page"},
  "min_usd": {"type": "string", "default": "0.50", "doc": "smallest top-up in USD (Stripe refuses less than 0.50)"},
  "max_usd": {"type": "string", "default": "1000.00", "doc": "largest top-up in USD"},
  "timeout_ms": {"type": "integer", "default": 20000, "doc": "longest one Stripe API request may take"},
  "check_interval_seconds": {"type": "integer", "default": 5,
                             "doc": "a session is looked up through the API at most this often (reconcile, top-up status); 0: always"},
  "signature_tolerance_seconds": {"type": "integer", "default": 300,
                                  "doc": "oldest webhook signature timestamp accepted"}
})json";

namespace {

[[noreturn]] void bad(const std::string& key, const std::string& problem) {
  throw std::invalid_argument("stripe config: " + key + ": " + problem);
}

// The object's members, read once each; finish() refuses the keys nobody read.
class Reader {
 public:
  explicit Reader(const json& root) : root_(root) {}

  std::string string(const std::string& key, std::string fallback = {}) {
    const json* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_string()) bad(key, "expected a string");
    return v->get<std::string>();
  }

  int64_t integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) {
    const json* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_number_integer()) bad(key, "expected a whole number");
    int64_t n = v->get<int64_t>();
    if (n < min || n > max) bad(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return n;
  }

  void finish() const {
    for (const auto& [key, _] : root_.items())
      if (seen_.count(key) == 0) bad(key, "unknown key");
  }

 private:
  const json* find(const std::string& key) {
    seen_.insert(key);
    auto it = root_.find(key);
    return it == root_.end() || it->is_null() ? nullptr : &*it;
  }

  const json& root_;
  std::set<std::string> seen_;
};

bool hasPrefix(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// A credential travels in a header: one line of visible ASCII.
bool isToken(std::string_view s) {
  for (char c : s)
    if (c <= ' ' || c > '~') return false;
  return !s.empty();
}

std::string httpUrl(const std::string& key, std::string url) {
  if (!hasPrefix(url, "https://") && !hasPrefix(url, "http://")) bad(key, "must start with https:// or http://");
  return url;
}

int64_t usd(Reader& r, const std::string& key, const char* fallback) {
  std::string text = r.string(key, fallback);
  auto cents = parseUsdCents(text);
  if (!cents || *cents <= 0) bad(key, "expected a positive amount in dollars with at most 2 decimals, got '" + text + "'");
  return *cents;
}

}  // namespace

PluginConfig PluginConfig::parse(std::string_view text) {
  json root = json::parse(text.empty() ? std::string_view("{}") : text, nullptr, false);
  if (!root.is_object()) throw std::invalid_argument("stripe config: expected a JSON object");
  Reader r(root);
  PluginConfig c;

  c.secretKey = r.string("secret_key");
  if (c.secretKey.empty()) bad("secret_key", "required");
  if (!isToken(c.secretKey)) bad("secret_key", "must not contain spaces or control characters");
  // A webhook secret or publishable key here is a common slip; name it without echoing the value.
  if (!hasPrefix(c.secretKey, "sk_") && !hasPrefix(c.secretKey, "rk_"))
    bad("secret_key", "expected a secret key (sk_...) or restricted key (rk_...)");

  c.webhookSecret = r.string("webhook_secret");
  if (c.webhookSecret.empty()) bad("webhook_secret", "required");
  if (!hasPrefix(c.webhookSecret, "whsec_") || !isToken(c.webhookSecret))
    bad("webhook_secret", "expected the endpoint's signing secret (whsec_...)");

  c.apiBase = httpUrl("api_base", r.string("api_base", c.apiBase));
  while (!c.apiBase.empty() && c.apiBase.back() == '/') c.apiBase.pop_back();
  c.apiVersion = r.string("api_version");
  if (!c.apiVersion.empty() && !isToken(c.apiVersion)) bad("api_version", "expected a version such as 2024-06-20");

  c.successUrl = r.string("success_url");
  if (c.successUrl.empty()) bad("success_url", "required");
  httpUrl("success_url", c.successUrl);
  c.cancelUrl = r.string("cancel_url");
  if (!c.cancelUrl.empty()) httpUrl("cancel_url", c.cancelUrl);

  c.productName = r.string("product_name", c.productName);
  if (c.productName.empty()) bad("product_name", "must not be empty");

  c.minCents = usd(r, "min_usd", "0.50");
  c.maxCents = usd(r, "max_usd", "1000.00");
  if (c.minCents < 50) bad("min_usd", "Stripe charges at least 0.50 USD");
  if (c.minCents > c.maxCents) bad("min_usd", "is larger than max_usd");
  // Stripe's largest amount for one USD charge is 999,999.99.
  if (c.maxCents > 99'999'999) bad("max_usd", "Stripe charges at most 999999.99 USD at once");

  c.timeoutMs = static_cast<uint32_t>(r.integer("timeout_ms", c.timeoutMs, 100, 600'000));
  c.checkIntervalSeconds = r.integer("check_interval_seconds", c.checkIntervalSeconds, 0, 86'400);
  c.signatureToleranceSeconds = r.integer("signature_tolerance_seconds", c.signatureToleranceSeconds, 1, 86'400);
  r.finish();
  return c;
}

}  // namespace turnpike::payments::stripe
