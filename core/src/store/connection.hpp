// One database connection: a Poco::Data session plus a cache of native prepared statements
// on its handle. Used by one thread at a time.
#pragma once

#include <Poco/Data/Session.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "store/statement.hpp"

namespace turnpike::store {

class Connection {
 public:
  explicit Connection(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Poco::Data::Session& session() { return session_; }
  // The statement for `sql`, compiled on first use. `sql` must be a string literal (it is the
  // cache key by address).
  Statement& prepared(const char* sql);
  int64_t lastInsertId() const;

  // BEGIN IMMEDIATE takes the write lock up front, so two writers never deadlock upgrading.
  void begin() { prepared("BEGIN IMMEDIATE").execute(); }
  void commit() { prepared("COMMIT").execute(); }
  void rollback();

 private:
  Poco::Data::Session session_;
  struct sqlite3* db_;
  std::unordered_map<const char*, std::unique_ptr<Statement>> statements_;
};

// Runs `fn(connection)` in a transaction: committed if it returns, rolled back if it throws.
template <class Fn>
auto transact(Connection& connection, Fn&& fn) {
  connection.begin();
  try {
    if constexpr (std::is_void_v<decltype(fn(connection))>) {
      fn(connection);
      connection.commit();
    } else {
      auto result = fn(connection);
      connection.commit();
      return result;
    }
  } catch (...) {
    connection.rollback();
    throw;
  }
}

}  // namespace turnpike::store
