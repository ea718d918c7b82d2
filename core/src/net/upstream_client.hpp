// Asynchronous upstream HTTP client for one event loop: a libcurl multi handle whose sockets
// and timers are driven by that loop. Connections are pooled by the multi handle and reused
// across requests; a hung upstream only holds its own transfer.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "http/event_loop.hpp"

namespace turnpike::net {

struct UpstreamRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::chrono::milliseconds connectTimeout{10'000};
  // Longest silence allowed from the upstream: before the first byte and between bytes.
  std::chrono::milliseconds idleTimeout{60'000};
  // Longest the consumer may keep the transfer paused (a client that stopped reading); beyond
  // it the transfer ends as a timeout rather than holding its upstream connection forever.
  std::chrono::milliseconds pauseTimeout{120'000};
};

enum class TransferError {
  None,
  Connect,    // could not connect or resolve
  Timeout,    // idle/connect timeout
  Cancelled,  // cancel() was called
  Failed      // anything else (protocol, TLS, reset mid-response)
};

struct TransferResult {
  TransferError error = TransferError::None;
  std::string detail;  // curl's message; for logs, may name the host
};

// Receives one transfer's progress, on the loop thread.
class TransferHandler {
 public:
  virtual ~TransferHandler() = default;
  // The final response status line and headers (lower-case names).
  virtual void onResponseHead(int status, const std::vector<std::pair<std::string, std::string>>& headers) = 0;
  virtual void onResponseData(std::string_view data) = 0;
  // Last call for the transfer (not made after cancel()).
  virtual void onComplete(const TransferResult& result) = 0;
};

class UpstreamClient {
 public:
  class Transfer;

  struct Options {
    long maxConnections = 512;  // idle connections kept for reuse
  };

  UpstreamClient(http::EventLoop& loop, Options options);
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  // Starts a transfer; `handler` must outlive it (until onComplete or cancel).
  Transfer* start(UpstreamRequest request, TransferHandler* handler);
  // Stops a transfer at once (the upstream connection is closed); no further callbacks.
  void cancel(Transfer* transfer);
  // Backpressure: stop/resume reading the upstream while the client cannot keep up.
  void pause(Transfer* transfer);
  void resume(Transfer* transfer);

  size_t activeTransfers() const { return transfers_.size(); }

 private:
  struct SocketWatch;
  friend struct SocketWatch;

  static int onSocket(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp);
  static int onTimer(CURLM* multi, long timeoutMs, void* userp);
  static size_t onHeader(char* data, size_t size, size_t n, void* userp);
  static size_t onWrite(char* data, size_t size, size_t n, void* userp);
  int watchSocket(curl_socket_t s, int what, SocketWatch* watch);
  void setTimer(long timeoutMs);
  size_t takeHeader(Transfer* transfer, std::string_view line);
  size_t takeData(Transfer* transfer, std::string_view data);

  CURL* acquireHandle();
  void socketAction(curl_socket_t s, int flags);
  void collectDone();
  void finish(Transfer* transfer, CURLcode code);
  // Removes a transfer from libcurl and frees it: the one place a transfer ends.
  void retire(Transfer* transfer);
  void reapCancelled();
  void release(Transfer* transfer);
  void sweepIdle();

  http::EventLoop& loop_;
  CURLM* multi_;
  http::EventLoop::TimerId curlTimer_ = 0;
  http::EventLoop::TimerId idleTimer_ = 0;
  std::unordered_set<Transfer*> transfers_;  // owns every live transfer
  std::vector<Transfer*> cancelled_;         // cancelled inside a libcurl callback, still in transfers_
  std::vector<CURL*> spareHandles_;
  int callbackDepth_ = 0;
  bool kickQueued_ = false;
};

}  // namespace turnpike::net
