#include "fake_stripe.hpp"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

namespace turnpike::stripe_test {

using nlohmann::json;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

namespace {

constexpr std::string_view kSessions = "/v1/checkout/sessions";

int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string randomId(const std::string& prefix, size_t length) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out = prefix;
  for (size_t i = 0; i < length; ++i) out.push_back(kAlphabet[rng() % (sizeof kAlphabet - 1)]);
  return out;
}

std::string stripeError(const std::string& type, const std::string& message, const std::string& code = "",
                        const std::string& param = "") {
  json e{{"type", type}, {"message", message}};
  if (!code.empty()) e["code"] = code;
  if (!param.empty()) e["param"] = param;
  return json{{"error", e}}.dump();
}

void send(HTTPServerResponse& response, int status, const std::string& body, bool replayed = false) {
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setContentType("application/json");
  response.set("Request-Id", randomId("req_", 14));
  if (replayed) response.set("Idempotent-Replayed", "true");
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send() << body;
}

std::string header(const test::RecordedRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && hexDigit(text[i + 1]) >= 0 && hexDigit(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexDigit(text[i + 1]) * 16 + hexDigit(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

bool knownParameter(const std::string& name) {
  static const std::set<std::string> kExact{"mode",
                                            "success_url",
                                            "cancel_url",
                                            "client_reference_id",
                                            "expires_at",
                                            "line_items[0][price_data][currency]",
                                            "line_items[0][price_data][unit_amount]",
                                            "line_items[0][price_data][product_data][name]",
                                            "line_items[0][price_data][product_data][description]",
                                            "line_items[0][quantity]"};
  if (kExact.count(name) > 0) return true;
  for (const char* prefix : {"metadata[", "payment_intent_data[metadata]["})
    if (name.rfind(prefix, 0) == 0 && name.back() == ']') return true;
  return false;
}

bool isInteger(const std::string& s) { return !s.empty() && s.size() < 19 && s.find_first_not_of("0123456789") == std::string::npos; }

}  // namespace

std::map<std::string, std::string> decodeForm(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < body.size()) {
    size_t amp = body.find('&', start);
    if (amp == std::string::npos) amp = body.size();
    std::string pair = body.substr(start, amp - start);
    size_t eq = pair.find('=');
    out[percentDecode(pair.substr(0, eq))] = eq == std::string::npos ? "" : percentDecode(pair.substr(eq + 1));
    start = amp + 1;
  }
  return out;
}

FakeStripe::FakeStripe(std::string secretKey)
    : secretKey_(std::move(secretKey)),
      http_(std::make_unique<test::FakeUpstream>(
          [this](const test::RecordedRequest& r, HTTPServerResponse& response) { handle(r, response); })) {}

FakeStripe::~FakeStripe() = default;

std::string FakeStripe::url() const { return "http://127.0.0.1:" + std::to_string(http_->port()); }

std::vector<test::RecordedRequest> FakeStripe::requests() const { return http_->requests(); }

size_t FakeStripe::count(const std::string& method, const std::string& prefix) const {
  size_t n = 0;
  for (const auto& r : http_->requests())
    if (r.method == method && r.uri.rfind(prefix, 0) == 0) ++n;
  return n;
}

std::vector<json> FakeStripe::sessions() const {
  std::lock_guard lock(mutex_);
  std::vector<json> out;
  for (const auto& [_, s] : sessions_) out.push_back(s);
  return out;
}

std::optional<json> FakeStripe::session(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

json FakeStripe::complete(const std::string& id, const std::string& paymentStatus) {
  return patch(id, {{"status", "complete"},
                    {"payment_status", paymentStatus},
                    {"payment_intent", randomId("pi_", 24)},
                    {"url", nullptr}});
}

json FakeStripe::patch(const std::string& id, const json& changes) {
  std::lock_guard lock(mutex_);
  json& s = sessions_.at(id);
  s.merge_patch(changes);
  return s;
}

void FakeStripe::handle(const test::RecordedRequest& r, HTTPServerResponse& response) {
  if (header(r, "authorization") != "Bearer " + secretKey_) {
    std::string presented = header(r, "authorization");
    if (presented.rfind("Bearer ", 0) == 0) presented = presented.substr(7);
    // Stripe shows the key's prefix and last four characters.
    std::string shown = echoKeyInErrors || presented.size() < 12
                            ? presented
                            : presented.substr(0, 8) + "****" + presented.substr(presented.size() - 4);
    return send(response, 401, stripeError("invalid_request_error", "Invalid API Key provided: " + shown));
  }
  if (r.method == "POST" && r.uri == kSessions) return handleCreate(r, response);
  if (r.method == "GET" && r.uri.rfind(std::string(kSessions) + "/", 0) == 0) {
    if (retrieveStatus)
      return send(response, retrieveStatus, stripeError("api_error", "An unknown error occurred"));
    std::string id = r.uri.substr(kSessions.size() + 1);
    if (auto s = session(id)) return send(response, 200, s->dump());
    return send(response, 404,
                stripeError("invalid_request_error", "No such checkout.session: '" + id + "'", "resource_missing", "session"));
  }
  send(response, 404, stripeError("invalid_request_error", "Unrecognized request URL (" + r.method + ": " + r.uri + ")."));
}

void FakeStripe::handleCreate(const test::RecordedRequest& r, HTTPServerResponse& response) {
  if (unavailableCreates > 0) {
    --unavailableCreates;
    return send(response, 503, stripeError("api_error", "The service is temporarily unavailable."));
  }
  if (createStatus) return send(response, createStatus, stripeError("api_error", "Something went wrong on Stripe's end."));
  const std::string key = header(r, "idempotency-key");
  if (!key.empty()) {
    std::optional<Answer> early;
    bool replayed = false;
    {
      std::lock_guard lock(mutex_);
      auto it = idempotency_.find(key);
      if (it == idempotency_.end()) {
        idempotency_[key] = Idempotent{r.body, true, {}};
      } else if (it->second.running) {
        early = Answer{409, stripeError("idempotency_error",
                                        "There is currently another in-progress request using this Idempotent Key "
                                        "(that probably means you submitted twice, and the other request is still "
                                        "going through): " + key + ". Please try again later.",
                                        "idempotency_key_in_use")};
      } else if (it->second.body != r.body) {
        early = Answer{400, stripeError("idempotency_error",
                                        "Keys for idempotent requests can only be used with the same parameters they "
                                        "were first used with. Try using a key other than '" + key +
                                            "' if you meant to execute a different request.")};
      } else {
        early = it->second.answer;
        replayed = true;
      }
    }
    if (early) return send(response, early->status, early->body, replayed);
  }
  Answer answer = createSession(decodeForm(r.body));
  if (int delay = slowCreateMs.exchange(0); delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  if (!key.empty()) {
    std::lock_guard lock(mutex_);
    // Stripe keeps only results of requests that got past validation.
    if (answer.status == 200) idempotency_[key] = Idempotent{r.body, false, answer};
    else idempotency_.erase(key);
  }
  send(response, answer.status, answer.body);
}

FakeStripe::Answer FakeStripe::createSession(const std::map<std::string, std::string>& form) {
  auto invalid = [](const std::string& message, const std::string& param, const std::string& code = "") {
    return Answer{400, stripeError("invalid_request_error", message, code, param)};
  };
  for (const auto& [name, _] : form)
    if (!knownParameter(name)) return invalid("Received unknown parameter: " + name, name);
  auto get = [&](const std::string& name) {
    auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
  };
  for (const char* required : {"mode", "success_url"})
    if (get(required).empty()) return invalid(std::string("Missing required param: ") + required + ".", required, "parameter_missing");
  if (get("mode") != "payment") return invalid("Invalid mode: must be one of payment, setup, or subscription", "mode");
  const std::string item = "line_items[0]";
  if (get(item + "[price_data][currency]") != "usd") return invalid("Invalid currency", item + "[price_data][currency]");
  std::string unit = get(item + "[price_data][unit_amount]");
  if (!isInteger(unit)) return invalid("Invalid integer: " + unit, item + "[price_data][unit_amount]");
  if (get(item + "[price_data][product_data][name]").empty())
    return invalid("Missing required param: " + item + "[price_data][product_data][name].",
                   item + "[price_data][product_data][name]", "parameter_missing");
  if (get(item + "[quantity]") != "1") return invalid("Invalid quantity", item + "[quantity]");
  int64_t amount = std::stoll(unit);
  if (amount < 50)
    return invalid("The Checkout Session's total amount due must add up to at least $0.50 usd", "line_items");
  int64_t created = now();
  int64_t expiresAt = created + 24 * 3600;
  if (!get("expires_at").empty()) {
    if (!isInteger(get("expires_at"))) return invalid("Invalid integer: " + get("expires_at"), "expires_at");
    expiresAt = std::stoll(get("expires_at"));
    if (expiresAt < created + 30 * 60)
      return invalid("The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", "expires_at");
    if (expiresAt > created + 24 * 3600)
      return invalid("The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", "expires_at");
  }
  json metadata = json::object();
  for (const auto& [name, value] : form)
    if (name.rfind("metadata[", 0) == 0) metadata[name.substr(9, name.size() - 10)] = value;

  std::string id = randomId("cs_test_a1", 56);
  int64_t total = amount + amountSkewCents;
  json s{{"id", id},
         {"object", "checkout.session"},
         {"amount_subtotal", total},
         {"amount_total", total},
         {"cancel_url", get("cancel_url").empty() ? json(nullptr) : json(get("cancel_url"))},
         {"client_reference_id", get("client_reference_id").empty() ? json(nullptr) : json(get("client_reference_id"))},
         {"created", created},
         {"currency", "usd"},
         {"customer", nullptr},
         {"expires_at", expiresAt},
         {"livemode", false},
         {"metadata", metadata},
         {"mode", "payment"},
         {"payment_intent", nullptr},
         {"payment_status", "unpaid"},
         {"status", "open"},
         {"success_url", get("success_url")},
         {"url", "https://checkout.stripe.com/c/pay/" + id + "#fidkdWxOYHwnPyd1blpxYHZxWjA0"}};
  std::lock_guard lock(mutex_);
  sessions_[id] = s;
  return Answer{200, s.dump()};
}

}  // namespace turnpike::stripe_test
