// The real gateway, in process, on a free port, loading the real plugins from the build tree.
#pragma once

#include <memory>
#include <string>

#include "app/gateway.hpp"

namespace turnpike::test {

// The directory the build put the plugins in.
std::string pluginDir();
// A file of the source tree, by its path from the repository root.
std::string sourcePath(const std::string& relative);

class GatewayFixture {
 public:
  // `yaml` is a whole config; server.listen is forced to 127.0.0.1:0 and, unless `databasePath`
  // is given, storage is a fresh SQLite file removed afterwards.
  explicit GatewayFixture(const std::string& yaml, const std::string& databasePath = "");
  ~GatewayFixture();

  uint16_t port() const { return gateway_->port(); }
  app::Gateway& gateway() { return *gateway_; }
  billing::BillingService& billing() { return *gateway_->billing(); }
  const std::string& databasePath() const { return databasePath_; }

  // A new account holding `credit`, and its API key.
  struct Funded {
    std::string accountId;
    std::string apiKey;
    std::string keyId;
  };
  Funded fundedAccount(int64_t credit);

  // Waits (up to 5 s) until no reservation is held, since settlements run after responses end;
  // false when one still is.
  bool waitSettled();

 private:
  std::string databasePath_;
  bool ownsDatabase_ = false;
  std::unique_ptr<app::Gateway> gateway_;
};

// A new account holding `credit` in the SQLite database at `path` (created when missing), for a
// gateway started on it afterwards (a GatewayProcess); its API key.
std::string fundedKeyIn(const std::string& path, int64_t credit);

// A unique path for a throwaway SQLite database.
std::string temporaryDatabasePath();
void removeDatabase(const std::string& path);
// Runs `sql` on the SQLite file at `path` (a gateway may have it open), with `text` bound to ?1
// when the statement has a parameter: the first column of the first row, -1 without a row.
int64_t sqlScalar(const std::string& path, const std::string& sql, const std::string& text = "");

// Replaces every "{{key}}" in `text`.
std::string expand(std::string text, const std::string& key, const std::string& value);

}  // namespace turnpike::test
