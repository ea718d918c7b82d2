// Versioned schema changes, applied in order at start (and by `turnpike migrate`). Applied
// migrations are never edited: a change is a new migration.
#pragma once

#include <vector>

#include "store/connection.hpp"

namespace turnpike::store {

struct Migration {
  int version;
  const char* name;
  std::vector<const char*> statements;
};

const std::vector<Migration>& migrations();

// The version the database is at (0 when new).
int schemaVersion(Connection& connection);
// Applies what is missing, each migration in its own transaction; returns the versions applied.
// Throws StoreError when the database is newer than this binary.
std::vector<int> applyMigrations(Connection& connection);

}  // namespace turnpike::store
