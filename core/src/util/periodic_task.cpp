#include "util/periodic_task.hpp"

#include <pthread.h>

#include <Poco/Logger.h>

namespace turnpike::util {

PeriodicTask::PeriodicTask(std::chrono::milliseconds period, std::function<void()> task, std::string name) {
  thread_ = std::thread([this, period, task = std::move(task), name = std::move(name)] {
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
      lock.unlock();
      try {
        task();
      } catch (const std::exception& e) {
        Poco::Logger::get("periodic").error(name + ": " + e.what());
      }
      lock.lock();
    }
  });
}

PeriodicTask::~PeriodicTask() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace turnpike::util
