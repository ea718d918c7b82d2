#include "http/server.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <stdexcept>

#include <Poco/Logger.h>

namespace turnpike::http {

namespace {

sockaddr_storage resolve(const std::string& host, uint16_t port, socklen_t& len) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) throw std::runtime_error("cannot resolve listen address '" + host + "': " + gai_strerror(rc));
  sockaddr_storage out{};
  std::memcpy(&out, res->ai_addr, res->ai_addrlen);
  len = res->ai_addrlen;
  ::freeaddrinfo(res);
  return out;
}

int listenSocket(const sockaddr_storage& addr, socklen_t len) {
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
    int err = errno;
    ::close(fd);
    throw std::runtime_error(std::string("bind: ") + std::strerror(err));
  }
  if (::listen(fd, 4096) != 0) {
    int err = errno;
    ::close(fd);
    throw std::runtime_error(std::string("listen: ") + std::strerror(err));
  }
  return fd;
}

uint16_t boundPort(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

void setPort(sockaddr_storage& addr, uint16_t port) {
  if (addr.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in*>(&addr)->sin_port = htons(port);
  }
}

// Peer address as text and whether it is loopback.
std::pair<std::string, bool> describePeer(const sockaddr_storage& addr) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET6) {
    const auto* a6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a6->sin6_addr, buf, sizeof buf);
    bool loop = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
    if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr)) loop = a6->sin6_addr.s6_addr[12] == 127;
    return {buf, loop};
  }
  const auto* a4 = reinterpret_cast<const sockaddr_in*>(&addr);
  ::inet_ntop(AF_INET, &a4->sin_addr, buf, sizeof buf);
  return {buf, (ntohl(a4->sin_addr.s_addr) >> 24) == 127};
}

}  // namespace

class Server::Listener final : public EventLoop::Watcher {
 public:
  Listener(int fd, LoopContext& context, size_t maxConnections, AddressLimit& perAddress, std::atomic<uint64_t>& refused)
      : fd_(fd), context_(context), maxConnections_(maxConnections), perAddress_(perAddress), refused_(refused) {
    if (!context_.loop().add(fd_, EPOLLIN, this)) throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
  }
  ~Listener() { close(); }

  void close() {
    if (fd_ < 0) return;
    if (resumeTimer_ != 0) context_.loop().cancel(resumeTimer_);
    resumeTimer_ = 0;
    context_.loop().remove(fd_);
    ::close(fd_);
    fd_ = -1;
  }

  void onEvents(uint32_t) override {
    while (fd_ >= 0) {
      sockaddr_storage peer{};
      socklen_t len = sizeof peer;
      int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) pause(errno);
        return;
      }
      outOfResources_ = false;
      auto [address, loopback] = describePeer(peer);
      AddressLimit::Slot slot;
      if (context_.connectionCount() >= maxConnections_ || !admit(address, slot)) {
        refused_.fetch_add(1, std::memory_order_relaxed);
        ::close(fd);
        continue;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      context_.adopt(fd, std::move(address), loopback, std::move(slot));
    }
  }

 private:
  // The per-address cap, except for trusted proxies: every client behind one shares its address.
  bool admit(const std::string& peer, AddressLimit::Slot& slot) {
    auto address = net::parseAddress(peer);
    if (!address) return true;
    const auto* trusted = context_.limits().trustedProxies;
    if (trusted != nullptr && trusted->contains(*address)) return true;
    return perAddress_.tryAcquire(*address, slot);
  }

  // Out of descriptors (or kernel memory): the level-triggered listener would wake the loop
  // again at once and spin, so it stops listening for a moment. Pending clients wait in the
  // backlog meanwhile; one log line per shortage, not one per wake-up.
  void pause(int error) {
    if (!outOfResources_) {
      outOfResources_ = true;
      Poco::Logger::get("http").warning(std::string("accept: ") + std::strerror(error) + "; not accepting for " +
                                        std::to_string(kAcceptPause.count()) + " ms at a time until it clears");
    }
    if (!context_.loop().modify(fd_, 0, this)) return;
    resumeTimer_ = context_.loop().runAfter(kAcceptPause, [this] {
      resumeTimer_ = 0;
      if (fd_ >= 0 && !context_.loop().modify(fd_, EPOLLIN, this))
        Poco::Logger::get("http").error(std::string("listener: epoll_ctl: ") + std::strerror(errno));
    });
  }

  static constexpr std::chrono::milliseconds kAcceptPause{100};

  int fd_;
  LoopContext& context_;
  size_t maxConnections_;
  AddressLimit& perAddress_;
  std::atomic<uint64_t>& refused_;
  bool outOfResources_ = false;
  EventLoop::TimerId resumeTimer_ = 0;
};

struct Server::Loop {
  EventLoop loop;
  std::unique_ptr<LoopContext> context;
  std::unique_ptr<Listener> listener;
  std::thread thread;
};

Server::Server(ServerOptions options, Router& router, ExchangeObserver observer)
    : options_(std::move(options)),
      router_(router),
      observer_(std::move(observer)),
      perAddress_(options_.limits.maxConnectionsPerAddress) {
  if (options_.loops == 0) options_.loops = std::max(1u, std::thread::hardware_concurrency());
}

Server::~Server() {
  stop();
  loops_.clear();
}

void Server::start() {
  for (const auto& p : options_.pools) {
    auto& pool = workers_[p.name];
    pool = std::make_unique<util::ThreadPool>(p.threads, p.name.empty() ? "tp-worker" : "tp-" + p.name, p.maxQueued);
    router_.setExecutor([pool = pool.get()](std::function<void()> task) { return pool->submit(std::move(task)); }, p.name);
  }

  socklen_t len = 0;
  sockaddr_storage addr = resolve(options_.host, options_.port, len);
  std::vector<int> fds;
  fds.push_back(listenSocket(addr, len));
  port_ = boundPort(fds[0]);
  setPort(addr, port_);
  try {
    for (unsigned i = 1; i < options_.loops; ++i) fds.push_back(listenSocket(addr, len));
  } catch (...) {
    for (int fd : fds) ::close(fd);
    throw;
  }

  size_t perLoopMax = std::max<size_t>(1, options_.maxConnections / options_.loops);
  std::vector<std::future<void>> ready;
  for (unsigned i = 0; i < options_.loops; ++i) {
    auto l = std::make_unique<Loop>();
    auto promise = std::make_shared<std::promise<void>>();
    ready.push_back(promise->get_future());
    Loop* raw = l.get();
    int fd = fds[i];
    raw->thread = std::thread([this, raw, i, fd, promise, perLoopMax] {
      std::string name = "tp-loop-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      try {
        raw->context = std::make_unique<LoopContext>(raw->loop, i, options_.limits, router_, observer_);
        if (onLoopStart_) onLoopStart_(raw->loop, i);
        raw->listener = std::make_unique<Listener>(fd, *raw->context, perLoopMax, perAddress_, refused_);
      } catch (...) {
        ::close(fd);
        promise->set_exception(std::current_exception());
        return;
      }
      promise->set_value();
      raw->loop.run();
      raw->listener.reset();
      raw->context->closeAll();
      if (onLoopStop_) onLoopStop_(raw->loop, i);
      raw->context.reset();
    });
    loops_.push_back(std::move(l));
  }
  started_ = true;
  for (auto& f : ready) f.get();
}

uint64_t Server::callbackFailures() const {
  uint64_t n = 0;
  for (const auto& l : loops_) n += l->loop.failures();
  return n;
}

size_t Server::connectionCount() const {
  size_t n = 0;
  for (const auto& l : loops_)
    if (l->context) n += l->context->connectionCount();
  return n;
}

void Server::stop() {
  if (!started_) return;
  started_ = false;
  for (auto& l : loops_) {
    l->loop.post([raw = l.get()] {
      if (raw->listener) raw->listener->close();
      if (raw->context) raw->context->beginShutdown();
    });
  }
  // In-flight responses get a grace period to finish.
  auto deadline = std::chrono::steady_clock::now() + options_.drainTimeout;
  for (auto& l : loops_) {
    while (std::chrono::steady_clock::now() < deadline && l->context && l->context->connectionCount() > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& l : loops_) l->loop.stop();
  for (auto& l : loops_)
    if (l->thread.joinable()) l->thread.join();
  // Workers (and the gateway's store writer) may still post results to the loops, so the
  // loops live on, stopped, until the server is destroyed.
  for (auto& [name, pool] : workers_) pool->stop();
}

}  // namespace turnpike::http
