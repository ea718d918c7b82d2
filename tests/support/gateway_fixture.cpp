#include "gateway_fixture.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <thread>

#include "billing/billing_service.hpp"
#include "config/config_loader.hpp"
#include "store/database.hpp"
#include "util/random.hpp"

namespace turnpike::test {

std::string pluginDir() { return TURNPIKE_TEST_PLUGIN_DIR; }

std::string sourcePath(const std::string& relative) { return std::string(TURNPIKE_TEST_SOURCE_DIR) + "/" + relative; }

std::string temporaryDatabasePath() {
  return ::testing::TempDir() + "turnpike-test-" + util::randomBase62(12) + ".db";
}

void removeDatabase(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", ".lock"}) std::filesystem::remove(path + suffix);
}

int64_t sqlScalar(const std::string& path, const std::string& sql, const std::string& text) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db) << ": " << sql;
  if (sqlite3_bind_parameter_count(stmt) > 0) sqlite3_bind_text(stmt, 1, text.c_str(), -1, SQLITE_TRANSIENT);
  int64_t out = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

GatewayFixture::GatewayFixture(const std::string& yaml, const std::string& databasePath) {
  auto config = config::parseConfigText(yaml, "test.yaml");
  config.server.host = "127.0.0.1";
  config.server.port = 0;
  if (config.server.workers == 0) config.server.workers = 2;
  databasePath_ = databasePath.empty() ? temporaryDatabasePath() : databasePath;
  ownsDatabase_ = databasePath.empty();
  config.storage.url = "sqlite://" + databasePath_;
  // Relative script paths are the repository's scripts/, wherever the test runs.
  for (auto* script : {&config.routing.script, &config.pricing.script})
    if (std::filesystem::path(*script).is_relative()) *script = sourcePath(*script);
  gateway_ = std::make_unique<app::Gateway>(std::move(config), pluginDir());
  gateway_->start();
}

GatewayFixture::~GatewayFixture() {
  gateway_->stop();
  gateway_.reset();
  if (ownsDatabase_) removeDatabase(databasePath_);
}

GatewayFixture::Funded GatewayFixture::fundedAccount(int64_t credit) {
  auto created = billing().createAccount("test", credit, "test credit");
  return Funded{created.account.id, created.key.secret, created.key.record.id};
}

std::string fundedKeyIn(const std::string& path, int64_t credit) {
  auto db = store::Database::open("sqlite://" + path);
  config::BillingConfig billingConfig;
  billing::BillingService billing(billingConfig, *db);
  return billing.createAccount("payer", credit, "test credit").key.secret;
}

bool GatewayFixture::waitSettled() {
  for (int i = 0; i < 500 && billing().reservationsHeld() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return billing().reservationsHeld() == 0;
}

std::string expand(std::string text, const std::string& key, const std::string& value) {
  std::string token = "{{" + key + "}}";
  for (size_t pos = text.find(token); pos != std::string::npos; pos = text.find(token, pos + value.size()))
    text.replace(pos, token.size(), value);
  return text;
}

}  // namespace turnpike::test
