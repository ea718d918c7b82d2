// One client connection on an event loop, and the Exchange (one request and its response)
// that handlers see. Everything here runs on the connection's loop thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "http/address_limit.hpp"
#include "http/event_loop.hpp"
#include "http/request.hpp"
#include "http/request_parser.hpp"
#include "http/response.hpp"

namespace turnpike::http {

class Connection;
class Exchange;
class Router;

struct ConnectionLimits {
  size_t maxHeaderBytes = 64 * 1024;
  size_t maxBodyBytes = 8 * 1024 * 1024;
  std::chrono::milliseconds idleTimeout{60'000};    // keep-alive connection without a request
  std::chrono::milliseconds headerTimeout{15'000};  // request line and headers, from the first byte
  size_t minBodyRate = 1024;                        // bytes/s a body must average once past bodyGrace
  std::chrono::milliseconds bodyGrace{10'000};
  std::chrono::milliseconds sendTimeout{60'000};    // pending output that makes no progress
  size_t outputHighWater = 512 * 1024;              // above this a stream producer should pause
  size_t maxConnectionsPerAddress = 256;            // trusted proxies are exempt
  const net::AddressRanges* trustedProxies = nullptr;  // server.trusted_proxies; null: none
};

// Observes finished exchanges (metrics, access log). Called on the loop thread.
using ExchangeObserver = std::function<void(const Exchange&)>;

// State shared by the connections of one loop thread.
class LoopContext {
 public:
  LoopContext(EventLoop& loop, unsigned index, const ConnectionLimits& limits, Router& router,
              ExchangeObserver observer);
  ~LoopContext();

  EventLoop& loop() { return loop_; }
  unsigned index() const { return index_; }
  const ConnectionLimits& limits() const { return limits_; }
  Router& router() { return router_; }
  const ExchangeObserver& observer() const { return observer_; }

  void adopt(int fd, std::string peer, bool loopback, AddressLimit::Slot slot);
  void release(Connection* connection);
  void queueFlush(Connection* connection);
  void closeAll();
  // Graceful stop: idle connections close now, busy ones after their current response.
  void beginShutdown();
  bool shuttingDown() const { return shuttingDown_; }
  // Readable from any thread.
  size_t connectionCount() const { return liveConnections_.load(std::memory_order_relaxed); }
  // An RFC 9110 date for the Date header, recomputed once a second.
  const std::string& httpDate();
  // Scratch space for socket reads, shared by the loop's connections (reads never overlap).
  char* readBuffer() { return readBuffer_.get(); }
  static constexpr size_t kReadBufferSize = 64 * 1024;

 private:
  void flushPending();
  void sweep();

  EventLoop& loop_;
  unsigned index_;
  ConnectionLimits limits_;
  Router& router_;
  ExchangeObserver observer_;
  std::unordered_map<Connection*, std::shared_ptr<Connection>> connections_;
  std::vector<std::shared_ptr<Connection>> pendingFlush_;
  std::unique_ptr<char[]> readBuffer_{new char[kReadBufferSize]};
  std::atomic<size_t> liveConnections_{0};
  bool shuttingDown_ = false;
  std::string date_;
  int64_t dateSecond_ = 0;
  EventLoop::TimerId sweepTimer_ = 0;
};

// One request/response. Handlers keep a shared_ptr while they work asynchronously.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(std::shared_ptr<Connection> connection, Request request);

  const Request& request() const { return request_; }
  Request& request() { return request_; }
  EventLoop& loop();
  unsigned loopIndex() const;

  // Headers added to whatever response this exchange produces (rate-limit headers, ...).
  void addResponseHeader(std::string name, std::string value);

  void respond(Response response);
  // Rewrites every error response (status >= 400) this exchange sends, for API families whose
  // clients expect their own error shape (Anthropic's). Set before the first stage runs.
  void setErrorRenderer(std::function<void(Response&)> renderer) { errorRenderer_ = std::move(renderer); }
  // respond() from a thread that is not this exchange's loop (a worker, the store writer).
  void respondFromAnyThread(Response response);

  // A chunked streaming response: begin, any number of writes, end.
  void beginStream(int status, std::vector<Header> headers);
  void write(std::string_view data) { write({data}); }
  void write(std::initializer_list<std::string_view> parts);  // one chunk made of several pieces
  void endStream();

  bool started() const { return status_ != 0; }
  // What the exchange amounted to, for metrics: the response status unless the handler says
  // otherwise (a stream that failed after its 200, a client that left: 499).
  void setOutcome(int status, std::string errorCode) {
    outcomeStatus_ = status;
    errorCode_ = std::move(errorCode);
  }
  int outcomeStatus() const;
  const std::string& errorCode() const { return errorCode_; }
  // Provider and model the exchange was served by, when it was an inference call.
  void setServedBy(std::string provider, std::string model) {
    provider_ = std::move(provider);
    model_ = std::move(model);
  }
  const std::string& provider() const { return provider_; }
  const std::string& model() const { return model_; }
  bool finished() const { return finished_; }
  bool clientGone() const { return clientGone_; }
  int status() const { return status_; }
  std::chrono::steady_clock::time_point startTime() const { return start_; }
  // Route pattern that matched ("/v1/models/{id}"), for metrics.
  const std::string& route() const { return route_; }
  void setRoute(std::string route) { route_ = std::move(route); }

  // Called (deferred, on the loop) when the client disconnects before the response ends.
  void onClientGone(std::function<void()> callback) { onClientGone_ = std::move(callback); }
  // Bytes accepted but not yet written to the socket.
  size_t buffered() const;
  // True once buffered output exceeds the high-water mark, until it drains.
  bool congested() const;
  // Called when buffered output drains after having exceeded the high-water mark.
  void onDrain(std::function<void()> callback) { onDrain_ = std::move(callback); }

 private:
  friend class Connection;
  bool live() const;
  void notifyClientGone();
  void notifyDrained();

  std::shared_ptr<Connection> connection_;
  Request request_;
  std::vector<Header> extraHeaders_;
  std::string route_;
  int status_ = 0;
  int outcomeStatus_ = 0;
  std::string errorCode_;
  std::string provider_;
  std::string model_;
  bool finished_ = false;
  bool clientGone_ = false;
  std::chrono::steady_clock::time_point start_;
  std::function<void()> onClientGone_;
  std::function<void()> onDrain_;
  std::function<void(Response&)> errorRenderer_;
};

class Connection final : public EventLoop::Watcher, public std::enable_shared_from_this<Connection> {
 public:
  Connection(LoopContext& context, int fd, std::string peer, bool loopback, AddressLimit::Slot slot);
  ~Connection();

  // False when the loop cannot watch the socket (the caller drops the connection).
  bool start();
  void onEvents(uint32_t events) override;
  void onFailure() override { close(); }
  // Runs `fn` behind the loop's exception barrier; a throw closes this connection only.
  template <class Fn>
  void guarded(Fn&& fn) {
    if (!context_.loop().guard(std::forward<Fn>(fn))) context_.loop().guard([this] { close(); });
  }
  void flush();
  void close();
  // Closes an idle or slow connection; called once a second.
  void checkTimeout(std::chrono::steady_clock::time_point now);
  bool busy() const { return active_ != nullptr || wantWrite_; }

  LoopContext& context() { return context_; }
  bool closed() const { return closed_; }

 private:
  friend class Exchange;

  void readInput();
  void processInput();
  // processInput() once the current callback stack has unwound.
  void scheduleInput();
  // A request that arrives too slowly: 408, best effort, and the connection closes.
  void timeOutRequest(std::string_view message);
  void startExchange();
  void finishExchange(Exchange& exchange);
  void writeHead(int status, const std::vector<Header>& headers, const std::vector<Header>& extra,
                 std::string_view framing);
  void queueFlush();
  void updateInterest();
  size_t buffered() const { return out_.size() - outStart_; }

  LoopContext& context_;
  int fd_;
  std::string peer_;         // canonical text
  bool loopback_;
  bool peerTrusted_ = false;  // a trusted proxy: X-Forwarded-For names the client
  AddressLimit::Slot addressSlot_;
  bool closed_ = false;
  bool closeAfterFlush_ = false;
  bool flushQueued_ = false;
  bool wantWrite_ = false;
  bool readPaused_ = false;
  bool keepAlive_ = true;
  bool headMethod_ = false;
  int versionMinor_ = 1;
  bool aboveHighWater_ = false;
  bool outputHeld_ = false;  // pipelined input waits until the unread output drains

  std::string in_;
  size_t inStart_ = 0;
  RequestParser parser_;
  std::chrono::steady_clock::time_point lastActivity_;
  bool requestStarted_ = false;
  std::chrono::steady_clock::time_point requestStart_;  // first byte of the request being parsed
  bool inBody_ = false;
  std::chrono::steady_clock::time_point bodyStart_;
  size_t bodyBytes_ = 0;

  std::string out_;
  size_t outStart_ = 0;
  std::chrono::steady_clock::time_point lastSendProgress_;  // while wantWrite_: the last byte sent

  std::shared_ptr<Exchange> active_;
};

}  // namespace turnpike::http
