#include "store/database.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>

#include "store/migrations.hpp"
#include "store/store_error.hpp"

namespace turnpike::store {

using namespace Poco::Data::Keywords;

std::unique_ptr<Database> Database::open(const std::string& url) {
  static const std::string kSqlite = "sqlite://";
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    throw StoreError("storage.url: the PostgreSQL backend is not available yet; use sqlite://PATH");
  if (url.rfind(kSqlite, 0) != 0) throw StoreError("storage.url: expected sqlite://PATH, got '" + url + "'");
  std::string path = url.substr(kSqlite.size());
  if (path.empty()) throw StoreError("storage.url: the SQLite path is empty");
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) {
    std::filesystem::create_directories(dir, ec);
    if (ec) throw StoreError("storage.url: cannot create directory " + dir.string() + ": " + ec.message());
  }
  std::unique_ptr<Database> db(new Database(path));
  try {
    auto c = db->connect();
    std::string mode;
    c->session() << "PRAGMA journal_mode = WAL", into(mode), now;
    if (mode != "wal") throw StoreError("could not switch " + path + " to WAL mode (got " + mode + ")");
    applyMigrations(*c);
  } catch (const StoreError&) {
    throw;
  } catch (const std::exception& e) {
    throw StoreError("cannot open " + path + ": " + e.what());
  }
  return db;
}

void Database::lockForServing() {
  if (lockFd_ >= 0) return;
  std::string lockPath = path_ + ".lock";
  int fd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw StoreError("cannot open lock file " + lockPath);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw StoreError("another turnpike is serving from " + path_ + " (" + lockPath +
                     " is locked); SQLite storage takes one server");
  }
  lockFd_ = fd;
}

Database::~Database() {
  if (lockFd_ >= 0) ::close(lockFd_);
}

}  // namespace turnpike::store
