// A fixed pool of threads for work that may block (store writes, payment backends), with a
// bounded queue: work that does not fit is refused at once rather than waiting behind it.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace turnpike::util {

class ThreadPool {
 public:
  // `maxQueued`: most tasks waiting for a thread (0: no bound).
  ThreadPool(unsigned threads, std::string name, size_t maxQueued = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // False, and `task` dropped, when the queue is full.
  [[nodiscard]] bool submit(std::function<void()> task);
  // Finishes queued work and joins the threads.
  void stop();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::string name_;
  size_t maxQueued_;
  size_t idle_;  // threads not running a task
};

}  // namespace turnpike::util
