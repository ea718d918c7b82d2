#include "store/connection.hpp"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <sqlite3.h>

#include <mutex>

namespace turnpike::store {

using namespace Poco::Data::Keywords;

namespace {
void registerConnector() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Each connection is used by one thread at a time (the writer's, or one borrowed from the
    // reader pool), so SQLite's per-call connection mutex and allocation statistics are pure
    // cost: about a tenth of the writer's time. Set before the first connection opens.
    sqlite3_shutdown();
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
    Poco::Data::SQLite::Connector::registerConnector();
  });
}
}  // namespace

Connection::Connection(const std::string& path)
    : session_((registerConnector(), Poco::Data::Session("SQLite", path))),
      db_(Poco::Data::SQLite::Utility::dbHandle(session_)) {
  // Waits for another process's write lock (a CLI crediting an account) instead of failing.
  sqlite3_busy_timeout(db_, 10'000);
  // NORMAL in WAL mode: a commit survives a process kill; only a power cut can lose the last
  // transactions (storage.synchronous: full makes every commit fsync).
  session_ << "PRAGMA synchronous = NORMAL", now;
  session_ << "PRAGMA foreign_keys = ON", now;
}

Connection::~Connection() = default;

Statement& Connection::prepared(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return *it->second;
  return *statements_.emplace(sql, std::make_unique<Statement>(db_, sql)).first->second;
}

int64_t Connection::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }

void Connection::rollback() {
  // After some errors SQLite has already rolled back; ROLLBACK would then fail.
  if (!sqlite3_get_autocommit(db_)) prepared("ROLLBACK").execute();
}

}  // namespace turnpike::store
