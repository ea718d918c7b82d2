#include "lightning/lnd_subscription.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "lightning/lnd_backend.hpp"
#include "lightning/state_keys.hpp"

namespace turnpike::payments::lightning {

using nlohmann::json;

namespace {

constexpr size_t kMaxLine = 1 << 20;
constexpr std::chrono::milliseconds kFirstRetry{1'000};
constexpr std::chrono::milliseconds kMaxRetry{60'000};
constexpr std::chrono::milliseconds kAfterStream{200};

}  // namespace

LndSubscription::LndSubscription(const NodeClient& client, int64_t windowSeconds, OnSettled onSettled)
    : client_(client), windowSeconds_(windowSeconds), onSettled_(std::move(onSettled)) {
  if (auto stored = client_.host().stateGet(keys::kLndSettleIndex))
    settleIndex_ = std::strtoull(stored->c_str(), nullptr, 10);
  thread_ = std::thread([this] { run(); });
}

LndSubscription::~LndSubscription() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool LndSubscription::pause(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, delay, [this] { return stopping_.load(); });
}

void LndSubscription::run() {
  std::chrono::milliseconds retry = kFirstRetry / 2;
  while (!stopping_) {
    bool worked = false;
    try {
      worked = connectOnce();
    } catch (const std::exception& e) {
      client_.host().warn(std::string("lnd: invoice subscription: ") + e.what());
    }
    if (stopping_) return;
    // A stream that worked reconnects soon (the window ended, or the node restarted); one that
    // failed backs off.
    retry = worked ? kFirstRetry : std::min(retry * 2, kMaxRetry);
    if (!pause(worked ? kAfterStream : retry)) return;
  }
}

bool LndSubscription::connectOnce() {
  sdk::HttpRequest request =
      client_.request("GET", "/v1/invoices/subscribe?settle_index=" + std::to_string(settleIndex_));
  request.timeoutMs = static_cast<uint32_t>(windowSeconds_ * 1000);
  std::string pending;
  bool dropped = false;
  sdk::HttpResponse meta;
  auto started = std::chrono::steady_clock::now();
  client_.host().http(
      request,
      [&](std::string_view chunk) {
        if (stopping_) return false;
        pending.append(chunk);
        size_t start = 0;
        for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
          if (!onLine(std::string_view(pending).substr(start, nl - start))) {
            dropped = true;
            return false;
          }
        }
        pending.erase(0, start);
        if (pending.size() > kMaxLine) {
          client_.host().warn("lnd: invoice subscription sent an oversized line; reconnecting");
          dropped = true;
          return false;
        }
        return true;
      },
      &meta);
  if (meta.status == 200) return !dropped;
  if (stopping_) return false;
  if (meta.status < 0) {
    // Running out the window is the normal end of a quiet stream (the host reports it as a
    // timeout); failing sooner is not.
    auto lasted = std::chrono::steady_clock::now() - started;
    if (lasted >= std::chrono::milliseconds(windowSeconds_ * 900)) return true;
    client_.host().warn("lnd: invoice subscription failed: " + meta.error);
    return false;
  }
  client_.host().warn("lnd: invoice subscription answered " + std::to_string(meta.status) + "; polling continues");
  return false;
}

bool LndSubscription::onLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.empty()) return true;
  json message = json::parse(line, nullptr, false);
  if (!message.is_object()) return true;
  if (auto error = message.find("error"); error != message.end()) {
    std::string text = error->is_object() ? jsonString(*error, "message") : std::string();
    client_.host().warn("lnd: invoice subscription error: " + text.substr(0, 200));
    return false;
  }
  auto result = message.find("result");
  if (result == message.end()) return true;
  auto invoice = parseLndInvoice(*result);
  if (!invoice || invoice->status.state != InvoiceState::Settled) return true;
  try {
    onSettled_(invoice->paymentHash, invoice->status.amountPaidMsat);
  } catch (const std::exception& e) {
    // Polling will find it; the cursor still moves on so the stream does not loop on it.
    client_.host().warn(std::string("lnd: handling a settled invoice failed: ") + e.what());
  }
  if (invoice->settleIndex > settleIndex_) {
    settleIndex_ = invoice->settleIndex;
    client_.host().statePut(keys::kLndSettleIndex, std::to_string(settleIndex_));
  }
  return true;
}

}  // namespace turnpike::payments::lightning
