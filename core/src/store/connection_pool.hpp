// Connections for reads on worker threads (WAL lets them run beside the writer).
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "store/connection.hpp"
#include "store/database.hpp"

namespace turnpike::store {

class ConnectionPool {
 public:
  explicit ConnectionPool(const Database& database) : database_(database) {}

  // Runs `fn(connection)` with a connection no other thread uses meanwhile.
  template <class Fn>
  auto with(Fn&& fn) {
    std::unique_ptr<Connection> c;
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        c = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!c) c = database_.connect();
    struct GiveBack {
      ConnectionPool* pool;
      std::unique_ptr<Connection>& c;
      ~GiveBack() {
        std::lock_guard lock(pool->mutex_);
        pool->idle_.push_back(std::move(c));
      }
    } giveBack{this, c};
    return fn(*c);
  }

 private:
  const Database& database_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace turnpike::store
