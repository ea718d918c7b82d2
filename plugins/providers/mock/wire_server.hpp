// A loopback HTTP/1.1 server inside the mock. Answers that must travel a real connection (paced
// streams, injected failures, timeouts, drops) are dispatched to it like any upstream request,
// so the gateway's transport, timeouts, backpressure and cancellation act on them as on a real
// provider's. One thread per connection, a bounded number of them; every wait is bounded.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace turnpike::mock {

struct WireRequest {
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// The answering side of one connection. Calls return false once the peer is gone, a write
// stalled past its bound, or the server is stopping: the handler then returns.
class WireConnection {
 public:
  WireConnection(int fd, const std::atomic<bool>& stopping) : fd_(fd), stopping_(stopping) {}
  bool send(std::string_view bytes);
  // Sleeps `delay`, or less when the server stops.
  bool pause(std::chrono::milliseconds delay);
  // Waits (at most `bound`) for the peer to close the connection.
  void awaitClose(std::chrono::milliseconds bound);

 private:
  int fd_;
  const std::atomic<bool>& stopping_;
};

class WireServer {
 public:
  using Handler = std::function<void(const WireRequest&, WireConnection&)>;

  // Listens on 127.0.0.1 on a free port; throws when it cannot.
  explicit WireServer(Handler handler);
  ~WireServer();
  WireServer(const WireServer&) = delete;
  WireServer& operator=(const WireServer&) = delete;

  uint16_t port() const { return port_; }

 private:
  struct Worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void acceptLoop();
  void serve(int fd);
  void reap(bool all);

  Handler handler_;
  int listenFd_ = -1;
  int wakeFds_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::list<Worker> workers_;
  std::thread acceptor_;
};

}  // namespace turnpike::mock
