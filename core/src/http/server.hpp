// The HTTP server: N event-loop threads, each with its own SO_REUSEPORT listening socket
// (the kernel spreads connections), plus worker pools for blocking handlers: the default one and
// named ones, each with its own threads and bounded queue.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/address_limit.hpp"
#include "http/connection.hpp"
#include "http/event_loop.hpp"
#include "http/router.hpp"
#include "util/thread_pool.hpp"

namespace turnpike::http {

struct WorkerPoolOptions {
  std::string name;  // "" is the default pool
  unsigned threads = 16;
  size_t maxQueued = 0;  // 0: no bound
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port
  unsigned loops = 0;    // 0 = one per CPU
  // The default pool and any named ones (Router::addBlocking's `pool`).
  std::vector<WorkerPoolOptions> pools{WorkerPoolOptions{}};
  ConnectionLimits limits;
  size_t maxConnections = 20'000;
  std::chrono::milliseconds drainTimeout{10'000};  // grace period for in-flight responses on stop
};

class Server {
 public:
  // `onLoopStart(loop, index)` runs on each loop thread before it serves (per-loop services);
  // `onLoopStop` after it stopped serving, still on that thread.
  using LoopHook = std::function<void(EventLoop&, unsigned)>;

  Server(ServerOptions options, Router& router, ExchangeObserver observer = {});
  ~Server();

  void setLoopHooks(LoopHook onStart, LoopHook onStop) {
    onLoopStart_ = std::move(onStart);
    onLoopStop_ = std::move(onStop);
  }

  // Binds and starts serving; returns once every loop accepts connections.
  void start();
  // Stops accepting, closes connections, joins threads. Idempotent.
  void stop();

  uint16_t port() const { return port_; }
  // Open client connections over all loops (any thread).
  size_t connectionCount() const;
  // Connections closed at accept: over max_connections or the per-address cap (any thread).
  uint64_t refusedConnections() const { return refused_.load(std::memory_order_relaxed); }
  // Loop callbacks that threw and were contained (any thread).
  uint64_t callbackFailures() const;
  unsigned loopCount() const { return static_cast<unsigned>(loops_.size()); }
  // A worker pool by name ("" the default); throws std::out_of_range for one never configured.
  util::ThreadPool& workers(const std::string& pool = {}) { return *workers_.at(pool); }

 private:
  class Listener;
  struct Loop;

  ServerOptions options_;
  Router& router_;
  ExchangeObserver observer_;
  LoopHook onLoopStart_;
  LoopHook onLoopStop_;
  uint16_t port_ = 0;
  AddressLimit perAddress_;  // outlives the loops and the connections holding its slots
  std::atomic<uint64_t> refused_{0};
  std::vector<std::unique_ptr<Loop>> loops_;
  std::map<std::string, std::unique_ptr<util::ThreadPool>> workers_;
  bool started_ = false;
};

}  // namespace turnpike::http
