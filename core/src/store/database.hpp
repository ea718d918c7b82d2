// The database behind `storage.url`: where it is, how to connect, and its schema brought up to
// date. SQLite (WAL) is the only backend so far.
#pragma once

#include <memory>
#include <string>

#include "store/connection.hpp"

namespace turnpike::store {

class Database {
 public:
  // Parses the URL, creates the file's directory, switches the file to WAL and applies pending
  // migrations. Throws StoreError with a clear message.
  static std::unique_ptr<Database> open(const std::string& url);

  std::unique_ptr<Connection> connect() const { return std::make_unique<Connection>(path_); }
  const std::string& path() const { return path_; }

  // One serving gateway per SQLite file (reservations are released at start, so a second one
  // would release the first one's). Holds an exclusive lock file until destruction.
  void lockForServing();
  ~Database();

 private:
  explicit Database(std::string path) : path_(std::move(path)) {}
  std::string path_;
  int lockFd_ = -1;
};

}  // namespace turnpike::store
