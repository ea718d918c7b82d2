#include "test_host.hpp"

#include <chrono>
#include <cstring>

#include "net/http_client.hpp"

namespace turnpike::payment_test {

namespace {

std::string_view view(tp_str s) { return {s.data == nullptr ? "" : s.data, s.data == nullptr ? 0 : s.size}; }

void setError(tp_error* error, std::string_view message) {
  if (error == nullptr) return;
  size_t n = std::min(message.size(), sizeof(error->message) - 1);
  std::memcpy(error->message, message.data(), n);
  error->message[n] = '\0';
}

void hostLog(tp_host_plugin* p, tp_log_level level, tp_str message) { TestHost::from(p).log(level, view(message)); }
void hostCounter(tp_host_plugin*, tp_str, double) {}
void* hostAlloc(size_t n) { return std::malloc(n); }
void hostFree(void* p) { std::free(p); }

int hostHttp(tp_host_plugin* p, const tp_http_request* request, const tp_http_response_handler* handler,
             tp_error* error) {
  ++TestHost::from(p).httpCalls;
  net::HttpCall call;
  call.method = std::string(view(request->method));
  call.url = std::string(view(request->url));
  for (size_t i = 0; i < request->header_count; ++i)
    call.headers.emplace_back(std::string(view(request->headers[i].name)), std::string(view(request->headers[i].value)));
  call.body = std::string(view(request->body));
  if (request->timeout_ms > 0) call.timeout = std::chrono::milliseconds(request->timeout_ms);
  call.caCertPem = std::string(view(request->ca_cert_pem));
  net::HttpCallSink sink;
  sink.onStatus = [handler](int s) { return handler->on_status(handler->user, s) == 0; };
  sink.onHeader = [handler](std::string_view n, std::string_view v) {
    return handler->on_header(handler->user, {n.data(), n.size()}, {v.data(), v.size()}) == 0;
  };
  sink.onBody = [handler](std::string_view c) { return handler->on_body(handler->user, {c.data(), c.size()}) == 0; };
  auto result = net::performHttp(call, sink);
  if (result.status < 0) setError(error, result.error);
  return result.status;
}

void bufferAppend(tp_buffer* buffer, tp_str bytes) { reinterpret_cast<std::string*>(buffer)->append(view(bytes)); }

int stateGet(tp_host_plugin* p, tp_str key, void (*take)(void*, tp_str), void* user) {
  auto value = TestHost::from(p).stateGet(std::string(view(key)));
  if (!value) return 0;
  take(user, {value->data(), value->size()});
  return 1;
}

int statePut(tp_host_plugin* p, tp_str key, tp_str value) {
  TestHost::from(p).statePut(std::string(view(key)), std::string(view(value)));
  return 0;
}

int stateInsert(tp_host_plugin* p, tp_str key, tp_str value) {
  auto db = TestHost::from(p).db();
  std::lock_guard lock(db->mutex);
  return db->state.emplace(std::string(view(key)), std::string(view(value))).second ? 0 : 1;
}

int stateDelete(tp_host_plugin* p, tp_str key) {
  TestHost::from(p).stateErase(std::string(view(key)));
  return 0;
}

int stateScan(tp_host_plugin* p, tp_str prefix, int (*visit)(void*, tp_str, tp_str), void* user) {
  // Visit a snapshot, as a database cursor would, so visitors may write.
  std::vector<std::pair<std::string, std::string>> rows;
  {
    auto db = TestHost::from(p).db();
    std::lock_guard lock(db->mutex);
    std::string pre(view(prefix));
    for (auto it = db->state.lower_bound(pre); it != db->state.end() && it->first.compare(0, pre.size(), pre) == 0; ++it)
      rows.emplace_back(*it);
  }
  for (const auto& [k, v] : rows)
    if (visit(user, {k.data(), k.size()}, {v.data(), v.size()}) != 0) break;
  return 0;
}

int paymentReceived(tp_host_plugin* p, tp_str event, tp_error* error) {
  return TestHost::from(p).paymentReceived(view(event), error);
}

const tp_host_api kApi{
    sizeof(tp_host_api), TP_ABI_VERSION, &hostLog,    &hostCounter, &hostAlloc,  &hostFree,      &hostHttp,
    nullptr,             nullptr,        nullptr,     nullptr,      nullptr,     nullptr,        nullptr,
    nullptr,             &bufferAppend,  &stateGet,   &statePut,    &stateInsert, &stateDelete, &stateScan,
    &paymentReceived,     nullptr,
};

}  // namespace

TestHost::TestHost(std::shared_ptr<HostDatabase> db) : db_(std::move(db)) {}

const tp_host_api* TestHost::api() { return &kApi; }

std::optional<std::string> TestHost::stateGet(const std::string& key) const {
  std::lock_guard lock(db_->mutex);
  auto it = db_->state.find(key);
  if (it == db_->state.end()) return std::nullopt;
  return it->second;
}

void TestHost::statePut(const std::string& key, const std::string& value) {
  std::lock_guard lock(db_->mutex);
  db_->state[key] = value;
}

void TestHost::stateErase(const std::string& key) {
  std::lock_guard lock(db_->mutex);
  db_->state.erase(key);
}

std::vector<std::string> TestHost::stateKeys(const std::string& prefix) const {
  std::lock_guard lock(db_->mutex);
  std::vector<std::string> out;
  for (auto it = db_->state.lower_bound(prefix); it != db_->state.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    out.push_back(it->first);
  return out;
}

std::vector<nlohmann::json> TestHost::reports() const {
  std::lock_guard lock(db_->mutex);
  return db_->reports;
}

std::vector<nlohmann::json> TestHost::settledReports() const {
  std::lock_guard lock(db_->mutex);
  std::vector<nlohmann::json> out;
  for (const auto& r : db_->reports)
    if (r.value("settled", true)) out.push_back(r);
  return out;
}

size_t TestHost::creditedCount() const {
  std::lock_guard lock(db_->mutex);
  return db_->credited.size();
}

std::vector<std::string> TestHost::logs() const {
  std::lock_guard lock(logMutex_);
  return logs_;
}

bool TestHost::logged(const std::string& text) const {
  for (const auto& line : logs())
    if (line.find(text) != std::string::npos) return true;
  return false;
}

void TestHost::log(tp_log_level level, std::string_view message) {
  static constexpr const char* kLevels[] = {"debug", "info", "warn", "error"};
  std::lock_guard lock(logMutex_);
  logs_.push_back(std::string(kLevels[level & 3]) + ": " + std::string(message));
}

int TestHost::paymentReceived(std::string_view text, tp_error* error) {
  if (failReports) {
    setError(error, "database unavailable");
    return -1;
  }
  nlohmann::json event = nlohmann::json::parse(text, nullptr, false);
  // As the gateway: a report that is not settled needs no amount and credits nothing.
  bool settled = !event.is_object() || event.value("settled", true);
  if (!event.is_object() || !event.contains("topup_id") || !event["topup_id"].is_string() ||
      !event.contains("external_id") || !event["external_id"].is_string() ||
      (settled && (!event.contains("amount_msat") || !event["amount_msat"].is_number_unsigned()))) {
    setError(error, "malformed payment report");
    return -1;
  }
  std::lock_guard lock(db_->mutex);
  db_->reports.push_back(event);
  if (!settled) return 1;
  return db_->credited.insert(event["external_id"].get<std::string>()).second ? 0 : 1;
}

}  // namespace turnpike::payment_test
