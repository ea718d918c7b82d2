#include "util/thread_pool.hpp"

#include <pthread.h>

#include <Poco/Logger.h>

namespace turnpike::util {

ThreadPool::ThreadPool(unsigned threads, std::string name, size_t maxQueued)
    : name_(std::move(name)), maxQueued_(maxQueued), idle_(threads) {
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this, i] {
      std::string n = (name_ + "-" + std::to_string(i)).substr(0, 15);
      pthread_setname_np(pthread_self(), n.c_str());
      run();
    });
  }
}

ThreadPool::~ThreadPool() { stop(); }

bool ThreadPool::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    // Tasks idle threads are about to take do not wait: only the rest count against the bound.
    if (maxQueued_ > 0 && queue_.size() >= maxQueued_ + idle_) return false;
    queue_.push_back(std::move(task));
  }
  ready_.notify_one();
  return true;
}

void ThreadPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void ThreadPool::run() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      --idle_;
    }
    try {
      task();
    } catch (const std::exception& e) {
      Poco::Logger::get("pool").error(name_ + ": task failed: " + e.what());
    } catch (...) {
      Poco::Logger::get("pool").error(name_ + ": task failed");
    }
    std::lock_guard lock(mutex_);
    ++idle_;
  }
}

}  // namespace turnpike::util
