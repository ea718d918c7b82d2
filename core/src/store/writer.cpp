#include "store/writer.hpp"

#include <pthread.h>

#include <Poco/Logger.h>

#include <vector>

#include "store/database.hpp"
#include "store/store_error.hpp"

namespace turnpike::store {

Writer::Writer(const Database& database, size_t maxBatch) : maxBatch_(maxBatch) {
  std::promise<void> started;
  auto ready = started.get_future();
  thread_ = std::thread([this, &database, &started] {
    pthread_setname_np(pthread_self(), "tp-store");
    std::unique_ptr<Connection> connection;
    try {
      connection = database.connect();
    } catch (...) {
      started.set_exception(std::current_exception());
      return;
    }
    started.set_value();
    while (true) {
      std::deque<Job> batch;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        size_t n = std::min(queue_.size(), maxBatch_);
        for (size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      runBatch(*connection, batch);
    }
  });
  ready.get();
}

Writer::~Writer() { stop(); }

void Writer::submit(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(std::move(job));
      ready_.notify_one();
      return;
    }
  }
  if (job.after) job.after(std::make_exception_ptr(StoreError("the store is shutting down")));
}

void Writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Writer::runBatch(Connection& connection, std::deque<Job>& batch) {
  std::vector<std::exception_ptr> errors(batch.size());
  try {
    connection.begin();
    if (batch.size() == 1) {
      // Alone, the job's failure is the transaction's: no savepoint needed.
      batch[0].work(connection);
    } else {
      runJobs(connection, batch, errors);
    }
    connection.commit();
  } catch (...) {
    auto error = std::current_exception();
    rollback(connection);
    if (batch.size() == 1) {
      errors[0] = error;
    } else {
      // The batch did not commit (a full disk, a deferred constraint, a busy timeout): each job
      // gets a transaction of its own, so only the jobs that cannot commit fail.
      for (size_t i = 0; i < batch.size(); ++i) {
        errors[i] = nullptr;
        try {
          connection.begin();
          batch[i].work(connection);
          connection.commit();
        } catch (...) {
          errors[i] = std::current_exception();
          rollback(connection);
        }
      }
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].after) continue;
    try {
      batch[i].after(errors[i]);
    } catch (const std::exception& e) {
      Poco::Logger::get("store").error(std::string("write completion failed: ") + e.what());
    }
  }
}

void Writer::rollback(Connection& connection) {
  try {
    connection.rollback();
  } catch (const std::exception& e) {
    Poco::Logger::get("store").error(std::string("rollback failed: ") + e.what());
  }
}

void Writer::runJobs(Connection& connection, std::deque<Job>& batch, std::vector<std::exception_ptr>& errors) {
  for (size_t i = 0; i < batch.size(); ++i) {
    connection.prepared("SAVEPOINT job").execute();
    try {
      batch[i].work(connection);
      connection.prepared("RELEASE job").execute();
    } catch (...) {
      errors[i] = std::current_exception();
      connection.prepared("ROLLBACK TO job").execute();
      connection.prepared("RELEASE job").execute();
    }
  }
}

}  // namespace turnpike::store
