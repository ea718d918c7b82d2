#include "stripe/api_client.hpp"

#include <nlohmann/json.hpp>

#include <thread>

namespace turnpike::payments::stripe {

using nlohmann::json;

namespace {

constexpr std::string_view kSessionsPath = "/v1/checkout/sessions";

bool retryable(int status) { return status == 409 || status == 429 || status >= 500; }

// A short, printable excerpt of a remote text.
std::string excerpt(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 300)) out.push_back(c >= 0x20 && c < 0x7f ? c : ' ');
  return out;
}

// Stripe's error object: {"error": {"type", "code", "message", "param"}}.
std::string stripeExplanation(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return excerpt(body);
  const json& e = j["error"];
  std::string out = e.contains("message") && e["message"].is_string() ? excerpt(e["message"].get<std::string>()) : "";
  std::string kind;
  for (const char* key : {"type", "code", "param"})
    if (e.contains(key) && e[key].is_string()) kind += (kind.empty() ? "" : ", ") + excerpt(e[key].get<std::string>());
  if (!kind.empty()) out += " (" + kind + ")";
  return out;
}

}  // namespace

bool isSessionId(std::string_view id) {
  if (id.size() <= 3 || id.size() > 255 || id.substr(0, 3) != "cs_") return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

ApiClient::ApiClient(sdk::Host host, const PluginConfig& config, std::chrono::milliseconds firstRetryDelay)
    : host_(host), config_(config), firstRetryDelay_(firstRetryDelay) {}

std::string ApiClient::scrub(std::string text) const {
  for (const std::string* secret : {&config_.secretKey, &config_.webhookSecret}) {
    if (secret->empty()) continue;
    for (size_t at = text.find(*secret); at != std::string::npos; at = text.find(*secret, at))
      text.replace(at, secret->size(), "[redacted]");
  }
  return text;
}

sdk::HttpRequest ApiClient::request(std::string_view method, std::string_view path) const {
  sdk::HttpRequest r;
  r.method = std::string(method);
  r.url = config_.apiBase + std::string(path);
  r.headers.emplace_back("Authorization", "Bearer " + config_.secretKey);
  r.headers.emplace_back("Accept", "application/json");
  if (!config_.apiVersion.empty()) r.headers.emplace_back("Stripe-Version", config_.apiVersion);
  r.timeoutMs = config_.timeoutMs;
  return r;
}

Result<ApiClient::Reply> ApiClient::exchange(const sdk::HttpRequest& request, std::string_view what) const {
  std::chrono::milliseconds delay = firstRetryDelay_;
  std::string failure;
  for (int attempt = 1;; ++attempt) {
    sdk::HttpResponse response = host_.http(request);
    if (response.status >= 0) {
      // Stripe says when a retry cannot help, or can whatever the status.
      std::string_view advice = response.header("Stripe-Should-Retry");
      bool again = advice == "true" || (advice != "false" && retryable(response.status));
      if (!again || attempt == kMaxAttempts) return Reply{response.status, std::move(response.body)};
      failure = "answered " + std::to_string(response.status) + ": " + stripeExplanation(response.body);
    } else {
      failure = "failed: " + response.error;
      if (attempt == kMaxAttempts) return fail(scrub("stripe: " + std::string(what) + " " + failure));
    }
    host_.count("api_retries");
    host_.warn(scrub("stripe: " + std::string(what) + " " + failure + "; retrying"));
    std::this_thread::sleep_for(delay);
    delay *= 2;
  }
}

Result<CheckoutSession> ApiClient::session(const Result<Reply>& reply, std::string_view what) const {
  if (!reply) return fail(reply.error());
  if (reply->status < 200 || reply->status >= 300)
    return fail(scrub("stripe: " + std::string(what) + " answered " + std::to_string(reply->status) + ": " +
                      stripeExplanation(reply->body)));
  auto parsed = parseCheckoutSession(reply->body);
  if (!parsed) return fail(scrub("stripe: " + std::string(what) + " answered something unexpected: " + parsed.error()));
  return parsed;
}

Result<CheckoutSession> ApiClient::createCheckoutSession(const std::string& form,
                                                         const std::string& idempotencyKey) const {
  sdk::HttpRequest r = request("POST", kSessionsPath);
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  r.headers.emplace_back("Idempotency-Key", idempotencyKey);
  r.body = form;
  const std::string what = "POST " + std::string(kSessionsPath);
  return session(exchange(r, what), what);
}

Result<CheckoutSession> ApiClient::retrieveCheckoutSession(std::string_view id) const {
  std::string path = std::string(kSessionsPath) + "/" + std::string(id);
  const std::string what = "GET " + path;
  return session(exchange(request("GET", path), what), what);
}

}  // namespace turnpike::payments::stripe
