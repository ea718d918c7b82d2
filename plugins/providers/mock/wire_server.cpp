#include "mock/wire_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace turnpike::mock {

namespace {

constexpr size_t kMaxConnections = 128;
constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kMaxBodyBytes = 64 * 1024 * 1024;
// Waits are taken in slices so a stopping server is noticed promptly.
constexpr int kSliceMs = 100;
// A request must arrive, and a write must make progress, within this.
constexpr auto kIoBound = std::chrono::seconds(30);

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t");
  size_t b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// Waits for `events` on `fd` in slices; false when the bound passed or the server stops.
bool waitFor(int fd, short events, std::chrono::steady_clock::time_point deadline, const std::atomic<bool>& stopping) {
  while (!stopping.load() && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, kSliceMs);
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return false;
  }
  return false;
}

// The request head and its Content-Length body; false when it never fully arrived.
bool readRequest(int fd, WireConnection& connection, const std::atomic<bool>& stopping, WireRequest& out) {
  auto deadline = std::chrono::steady_clock::now() + kIoBound;
  std::string data;
  size_t headEnd = std::string::npos;
  size_t length = 0;
  char buffer[16 * 1024];
  bool continued = false;
  while (true) {
    if (headEnd == std::string::npos) {
      headEnd = data.find("\r\n\r\n");
      if (headEnd == std::string::npos && data.size() > kMaxHeaderBytes) return false;
      if (headEnd != std::string::npos) {
        size_t lineEnd = data.find("\r\n");
        std::string line = data.substr(0, lineEnd);
        size_t sp1 = line.find(' ');
        size_t sp2 = line.find(' ', sp1 + 1);
        if (sp1 == std::string::npos || sp2 == std::string::npos) return false;
        out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
        size_t at = lineEnd + 2;
        while (at < headEnd) {
          size_t next = data.find("\r\n", at);
          std::string header = data.substr(at, next - at);
          size_t colon = header.find(':');
          if (colon != std::string::npos) out.headers[lower(header.substr(0, colon))] = trim(header.substr(colon + 1));
          at = next + 2;
        }
        if (auto it = out.headers.find("content-length"); it != out.headers.end()) {
          length = std::stoull(it->second);
          if (length > kMaxBodyBytes) return false;
        }
      }
    }
    if (headEnd != std::string::npos) {
      if (!continued && out.headers.count("expect") != 0 && data.size() < headEnd + 4 + length) {
        continued = true;
        if (!connection.send("HTTP/1.1 100 Continue\r\n\r\n")) return false;
      }
      if (data.size() >= headEnd + 4 + length) {
        out.body = data.substr(headEnd + 4, length);
        return true;
      }
    }
    if (!waitFor(fd, POLLIN, deadline, stopping)) return false;
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    data.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace

bool WireConnection::send(std::string_view bytes) {
  auto deadline = std::chrono::steady_clock::now() + kIoBound;
  while (!bytes.empty()) {
    // Blocks while the gateway does not read (its client is slow): that is the backpressure.
    if (!waitFor(fd_, POLLOUT, deadline, stopping_)) return false;
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
    deadline = std::chrono::steady_clock::now() + kIoBound;
  }
  return true;
}

bool WireConnection::pause(std::chrono::milliseconds delay) {
  auto deadline = std::chrono::steady_clock::now() + delay;
  while (!stopping_.load()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    // A peer that hung up is seen at once rather than at the next write.
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), kSliceMs)));
    if (rc > 0) {
      char probe;
      if (::recv(fd_, &probe, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) return false;
      std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(kSliceMs)));
    }
  }
  return false;
}

void WireConnection::awaitClose(std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  char buffer[4096];
  while (waitFor(fd_, POLLIN, deadline, stopping_)) {
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return;
  }
}

WireServer::WireServer(Handler handler) : handler_(std::move(handler)) {
  listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listenFd_ < 0) throw std::runtime_error("mock: cannot create a socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listenFd_, 64) != 0 ||
      ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || ::pipe2(wakeFds_, O_CLOEXEC) != 0) {
    ::close(listenFd_);
    throw std::runtime_error("mock: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

WireServer::~WireServer() {
  stopping_ = true;
  char wake = 1;
  (void)!::write(wakeFds_[1], &wake, 1);
  acceptor_.join();
  reap(true);
  ::close(listenFd_);
  ::close(wakeFds_[0]);
  ::close(wakeFds_[1]);
}

void WireServer::acceptLoop() {
  while (!stopping_.load()) {
    pollfd p[2] = {{listenFd_, POLLIN, 0}, {wakeFds_[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) return;
    if ((p[0].revents & POLLIN) == 0) continue;
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    reap(false);
    std::lock_guard lock(mutex_);
    if (workers_.size() >= kMaxConnections) {
      ::close(fd);  // the gateway sees a failed upstream connection
      continue;
    }
    Worker& worker = workers_.emplace_back();
    worker.thread = std::thread([this, fd, &worker] {
      serve(fd);
      worker.done = true;
    });
  }
}

void WireServer::serve(int fd) {
  WireConnection connection(fd, stopping_);
  WireRequest request;
  try {
    if (readRequest(fd, connection, stopping_, request)) handler_(request, connection);
  } catch (const std::exception&) {
    // A request the handler could not answer: the connection closes, the gateway reports it.
  }
  ::close(fd);
}

void WireServer::reap(bool all) {
  std::list<Worker> finished;
  {
    std::lock_guard lock(mutex_);
    for (auto it = workers_.begin(); it != workers_.end();) {
      auto next = std::next(it);
      if (all || it->done.load()) finished.splice(finished.end(), workers_, it);
      it = next;
    }
  }
  for (auto& w : finished) w.thread.join();
}

}  // namespace turnpike::mock
