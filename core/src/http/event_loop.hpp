// One epoll event loop, run by one thread. Client connections, upstream transfers (libcurl
// multi sockets) and timers of that thread all live here, so relaying a byte from upstream to
// client never crosses a thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace turnpike::http {

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using Task = std::function<void()>;
  using TimerId = uint64_t;

  // Receives readiness events for a file descriptor.
  class Watcher {
   public:
    virtual void onEvents(uint32_t events) = 0;
    // onEvents threw (already logged and counted): release whatever the watcher holds.
    virtual void onFailure() {}

   protected:
    ~Watcher() = default;
  };

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // False (errno set) when epoll refuses: out of memory, or max_user_watches reached.
  [[nodiscard]] bool add(int fd, uint32_t events, Watcher* watcher);
  [[nodiscard]] bool modify(int fd, uint32_t events, Watcher* watcher);
  void remove(int fd);

  // The exception barrier: runs `fn`; what it throws is logged and counted instead of ending
  // the loop thread (and the process with it). False when it threw.
  template <class Fn>
  bool guard(Fn&& fn) noexcept {
    try {
      fn();
      return true;
    } catch (...) {
      noteFailure(std::current_exception());
      return false;
    }
  }
  // Callbacks that threw, over the loop's life (any thread).
  uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }

  TimerId runAfter(std::chrono::milliseconds delay, Task task);
  void cancel(TimerId id);

  // Thread-safe: runs `task` on the loop thread soon.
  void post(Task task);
  // Loop thread only: runs `task` after the current batch of events (never re-entrantly).
  void defer(Task task);
  // Loop thread only: `hook` runs after every batch, before the loop sleeps (output flushing).
  void addBeforeSleep(std::function<void()> hook);

  void run();
  void stop();  // thread-safe

  bool inLoopThread() const { return std::this_thread::get_id() == threadId_; }
  Clock::time_point now() const { return now_; }
  // The loop the calling thread runs, or nullptr.
  static EventLoop* current();

 private:
  void noteFailure(std::exception_ptr error) noexcept;
  int nextTimeoutMs() const;
  void runTimers();
  void runDeferred();
  void drainPosted();

  int epollFd_;
  int wakeFd_;
  std::atomic<bool> stopRequested_{false};  // never reset: a stop() before run() still counts
  std::atomic<uint64_t> failures_{0};
  std::thread::id threadId_;
  Clock::time_point now_;

  struct TimerEntry {
    TimerId id;
    Task task;
  };
  std::multimap<Clock::time_point, TimerEntry> timers_;
  std::unordered_map<TimerId, std::multimap<Clock::time_point, TimerEntry>::iterator> timerIndex_;
  TimerId nextTimerId_ = 1;

  std::vector<Task> deferred_;
  std::vector<std::function<void()>> beforeSleep_;

  std::mutex postedMutex_;
  std::vector<Task> posted_;
  bool wakePending_ = false;
};

}  // namespace turnpike::http
