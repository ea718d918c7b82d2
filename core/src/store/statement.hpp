// A native SQLite prepared statement, compiled once and re-executed with new bindings.
// Poco::Data 1.11 re-prepares a Statement on every execute (measured: about 5 µs per
// statement), so the per-request operations use these on the handle of a Poco session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace turnpike::store {

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, in the order of the ?s.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, std::optional<int64_t> value);
  Statement& bindNull(int index);

  // Advances to the next row; false when done. Throws StoreError on failure.
  bool step();
  // Runs a statement that returns no rows; returns the number of rows changed.
  int execute();
  // Clears bindings and rewinds; done automatically before the next bind after a step.
  void reset();

  int64_t int64(int column) const;
  std::optional<int64_t> optionalInt64(int column) const;
  std::string text(int column) const;
  std::optional<std::string> optionalText(int column) const;

 private:
  void rewindIfStepped();

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool stepped_ = false;
};

}  // namespace turnpike::store
