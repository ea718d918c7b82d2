#include "http/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <Poco/Logger.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace turnpike::http {

namespace {

thread_local EventLoop* tCurrentLoop = nullptr;

[[noreturn]] void throwErrno(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

// Sentinel watcher pointer for the wake-up eventfd.
struct WakeTag {};
WakeTag gWakeTag;

}  // namespace

EventLoop::EventLoop() : now_(Clock::now()) {
  epollFd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epollFd_ < 0) throwErrno("epoll_create1");
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) throwErrno("eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &gWakeTag;
  if (::epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &ev) != 0) throwErrno("epoll_ctl(wake)");
}

EventLoop::~EventLoop() {
  ::close(wakeFd_);
  ::close(epollFd_);
}

EventLoop* EventLoop::current() { return tCurrentLoop; }

bool EventLoop::add(int fd, uint32_t events, Watcher* watcher) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = watcher;
  return ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::modify(int fd, uint32_t events, Watcher* watcher) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = watcher;
  return ::epoll_ctl(epollFd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::noteFailure(std::exception_ptr error) noexcept {
  failures_.fetch_add(1, std::memory_order_relaxed);
  try {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      Poco::Logger::get("http").error(std::string("event loop callback failed: ") + e.what());
    } catch (...) {
      Poco::Logger::get("http").error("event loop callback failed with a non-standard exception");
    }
  } catch (...) {
    // Even the log line could not be written (out of memory): the count above still says it.
  }
}

void EventLoop::remove(int fd) { ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr); }

EventLoop::TimerId EventLoop::runAfter(std::chrono::milliseconds delay, Task task) {
  TimerId id = nextTimerId_++;
  auto it = timers_.emplace(Clock::now() + delay, TimerEntry{id, std::move(task)});
  timerIndex_.emplace(id, it);
  return id;
}

void EventLoop::cancel(TimerId id) {
  auto it = timerIndex_.find(id);
  if (it == timerIndex_.end()) return;
  timers_.erase(it->second);
  timerIndex_.erase(it);
}

void EventLoop::post(Task task) {
  bool wake = false;
  {
    std::lock_guard lock(postedMutex_);
    posted_.push_back(std::move(task));
    if (!wakePending_) {
      wakePending_ = true;
      wake = true;
    }
  }
  if (wake) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wakeFd_, &one, sizeof one);
  }
}

void EventLoop::defer(Task task) { deferred_.push_back(std::move(task)); }

void EventLoop::addBeforeSleep(std::function<void()> hook) { beforeSleep_.push_back(std::move(hook)); }

void EventLoop::stop() {
  stopRequested_ = true;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wakeFd_, &one, sizeof one);
}

int EventLoop::nextTimeoutMs() const {
  if (!deferred_.empty()) return 0;
  if (timers_.empty()) return -1;
  auto delta = timers_.begin()->first - Clock::now();
  if (delta <= Clock::duration::zero()) return 0;
  // Round up so a timer never fires early and spins.
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(delta + std::chrono::microseconds(999));
  return static_cast<int>(std::min<int64_t>(ms.count(), 60'000));
}

void EventLoop::runTimers() {
  while (!timers_.empty() && timers_.begin()->first <= now_) {
    auto it = timers_.begin();
    Task task = std::move(it->second.task);
    timerIndex_.erase(it->second.id);
    timers_.erase(it);
    guard(task);
  }
}

void EventLoop::runDeferred() {
  // Tasks deferred while running deferred tasks run in the next round.
  std::vector<Task> batch;
  batch.swap(deferred_);
  for (auto& t : batch) guard(t);
}

void EventLoop::drainPosted() {
  uint64_t value;
  [[maybe_unused]] ssize_t n = ::read(wakeFd_, &value, sizeof value);
  std::vector<Task> batch;
  {
    std::lock_guard lock(postedMutex_);
    batch.swap(posted_);
    wakePending_ = false;
  }
  for (auto& t : batch) guard(t);
}

void EventLoop::run() {
  tCurrentLoop = this;
  threadId_ = std::this_thread::get_id();
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  while (!stopRequested_) {
    int n = ::epoll_wait(epollFd_, events, kMaxEvents, nextTimeoutMs());
    now_ = Clock::now();
    if (n < 0 && errno != EINTR) throwErrno("epoll_wait");
    for (int i = 0; i < n; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == &gWakeTag) {
        drainPosted();
      } else {
        auto* watcher = static_cast<Watcher*>(tag);
        if (!guard([&] { watcher->onEvents(events[i].events); })) guard([&] { watcher->onFailure(); });
      }
    }
    runTimers();
    runDeferred();
    for (auto& hook : beforeSleep_) guard(hook);
  }
  // Let queued work (including connection teardown) finish.
  drainPosted();
  runDeferred();
  tCurrentLoop = nullptr;
}

}  // namespace turnpike::http
