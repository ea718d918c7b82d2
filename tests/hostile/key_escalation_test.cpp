// A capped, expiring key tries to get past its own bounds over raw HTTP: lift or raise its
// limit, push or drop its expiry, restart its period, mint a looser key, widen its scopes, and
// take over the owner's key. Every attempt is refused with 403 naming the field, the store's key
// rows are byte for byte what they were, and the gateway goes on serving.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "gateway_process.hpp"
#include "hostile_config.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

// Every column of every key row, read straight from the SQLite file.
std::string keyRows(const std::string& databasePath) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(databasePath.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    ADD_FAILURE() << "cannot open " << databasePath;
    return out;
  }
  sqlite3_stmt* rows = nullptr;
  sqlite3_prepare_v2(db, "SELECT * FROM api_keys ORDER BY id", -1, &rows, nullptr);
  while (sqlite3_step(rows) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(rows); ++i) {
      const auto* text = sqlite3_column_text(rows, i);
      out += std::string(sqlite3_column_name(rows, i)) + "=" + (text ? reinterpret_cast<const char*>(text) : "NULL") + ";";
    }
    out += "\n";
  }
  sqlite3_finalize(rows);
  sqlite3_close(db);
  return out;
}

class KeyEscalation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gateway_ = new GatewayProcess(hostileConfig()); }
  static void TearDownTestSuite() {
    delete gateway_;
    gateway_ = nullptr;
  }

  void SetUp() override {
    auto account = rawRequest(port(), "POST", "/v1/accounts", R"({"name":"victim"})");
    ASSERT_EQ(account.status, 201) << account.body;
    auto a = json::parse(account.body);
    ownerKey_ = a["api_key"];
    ownerId_ = a["key_id"];
    expireAt_ = static_cast<int64_t>(std::time(nullptr)) + 3600;
    auto capped = rawRequest(port(), "POST", "/v1/keys",
                             R"({"name":"capped","scopes":["inference","keys"],"usage_limit":3000,)"
                             R"("reset_period":"daily","expire_at":)" + std::to_string(expireAt_) + "}",
                             bearer(ownerKey_));
    ASSERT_EQ(capped.status, 201) << capped.body;
    cappedKey_ = json::parse(capped.body)["api_key"];
    cappedId_ = json::parse(capped.body)["id"];
    auto sibling = rawRequest(port(), "POST", "/v1/keys", R"({"name":"sibling","usage_limit":10})", bearer(ownerKey_));
    ASSERT_EQ(sibling.status, 201) << sibling.body;
    siblingId_ = json::parse(sibling.body)["id"];
  }

  static uint16_t port() { return gateway_->port(); }

  // The capped key's attempt is refused with 403, `code` and `param`.
  void expectRefused(const std::string& method, const std::string& target, const std::string& body, const char* code,
                     const char* param) {
    auto r = rawRequest(port(), method, target, body, bearer(cappedKey_));
    ASSERT_EQ(r.status, 403) << method << " " << target << " " << body << ": " << r.body;
    auto error = json::parse(r.body)["error"];
    EXPECT_EQ(error["code"], code) << method << " " << target << " " << body;
    EXPECT_EQ(error["param"], param) << method << " " << target << " " << body;
    EXPECT_EQ(error["type"], "permission_error");
    EXPECT_FALSE(error["message"].get<std::string>().empty());
  }

  static GatewayProcess* gateway_;
  std::string ownerKey_, ownerId_, cappedKey_, cappedId_, siblingId_;
  int64_t expireAt_ = 0;
};
GatewayProcess* KeyEscalation::gateway_ = nullptr;

TEST_F(KeyEscalation, EveryAttemptIsRefusedAndTheStoreIsUntouched) {
  const std::string before = keyRows(gateway_->databasePath());
  ASSERT_NE(before.find(cappedId_), std::string::npos);
  const std::string self = "/v1/keys/" + cappedId_, owner = "/v1/keys/" + ownerId_, sibling = "/v1/keys/" + siblingId_;
  const std::string later = std::to_string(expireAt_ + 86'400);

  // Its own bounds.
  expectRefused("PATCH", self, R"({"usage_limit":null})", "exceeds_calling_key", "usage_limit");
  expectRefused("PATCH", self, R"({"usage_limit":1000000})", "exceeds_calling_key", "usage_limit");
  expectRefused("PATCH", self, R"({"reset_period":"weekly"})", "exceeds_calling_key", "reset_period");
  expectRefused("PATCH", self, R"({"reset_period":"none"})", "exceeds_calling_key", "reset_period");
  expectRefused("PATCH", self, R"({"expire_at":null})", "exceeds_calling_key", "expire_at");
  expectRefused("PATCH", self, R"({"expire_at":)" + later + "}", "exceeds_calling_key", "expire_at");
  expectRefused("PATCH", self, R"({"expire_at":"2099-01-01"})", "exceeds_calling_key", "expire_at");
  expectRefused("PATCH", self, R"({"scopes":["inference","keys","account"]})", "insufficient_scope", "scopes");
  // A looser key.
  expectRefused("POST", "/v1/keys", R"({"name":"free"})", "exceeds_calling_key", "usage_limit");
  expectRefused("POST", "/v1/keys", R"({"usage_limit":null})", "exceeds_calling_key", "usage_limit");
  expectRefused("POST", "/v1/keys", R"({"usage_limit":3001})", "exceeds_calling_key", "usage_limit");
  expectRefused("POST", "/v1/keys", R"({"usage_limit":100,"reset_period":"weekly"})", "exceeds_calling_key",
                "reset_period");
  expectRefused("POST", "/v1/keys", R"({"usage_limit":100,"expire_at":null})", "exceeds_calling_key", "expire_at");
  expectRefused("POST", "/v1/keys", R"({"usage_limit":100,"expire_at":)" + later + "}", "exceeds_calling_key",
                "expire_at");
  expectRefused("POST", "/v1/keys", R"({"usage_limit":100,"scopes":["inference","account"]})", "insufficient_scope",
                "scopes");
  // Another key of the account, loosened.
  expectRefused("PATCH", sibling, R"({"usage_limit":null})", "exceeds_calling_key", "usage_limit");
  expectRefused("PATCH", sibling, R"({"usage_limit":1000000})", "exceeds_calling_key", "usage_limit");
  expectRefused("PATCH", sibling, R"({"reset_period":"daily"})", "exceeds_calling_key", "reset_period");
  expectRefused("PATCH", sibling, R"({"scopes":["account"]})", "insufficient_scope", "scopes");
  // The owner's key, which holds a scope (account) the capped key lacks.
  expectRefused("PATCH", owner, R"({"scopes":["inference"]})", "key_outranks_caller", "id");
  expectRefused("PATCH", owner, R"({"usage_limit":0})", "key_outranks_caller", "id");
  expectRefused("PATCH", owner, R"({"name":"taken"})", "key_outranks_caller", "id");
  expectRefused("DELETE", owner, "", "key_outranks_caller", "id");

  EXPECT_EQ(keyRows(gateway_->databasePath()), before);
  // Nothing got looser, and nothing else stopped: the owner still manages the account, the
  // capped key still calls models, the gateway serves.
  EXPECT_EQ(rawRequest(port(), "GET", owner, "", bearer(ownerKey_)).status, 200);
  auto chat = rawRequest(port(), "POST", "/v1/chat/completions",
                         R"({"model":"mock-fast","messages":[{"role":"user","content":"hi"}]})", bearer(cappedKey_));
  EXPECT_EQ(chat.status, 200) << chat.body;
  EXPECT_TRUE(servesHealth(port()));
}

TEST_F(KeyEscalation, WhatACappedKeyGrantsComesOutOfItsOwnLimit) {
  auto child = rawRequest(port(), "POST", "/v1/keys", R"({"name":"child","usage_limit":1200})", bearer(cappedKey_));
  ASSERT_EQ(child.status, 201) << child.body;
  auto c = json::parse(child.body);
  EXPECT_EQ(c["scopes"], json::array({"inference"}));
  EXPECT_EQ(c["expire_at"], expireAt_);
  auto capped = json::parse(rawRequest(port(), "GET", "/v1/keys/" + cappedId_, "", bearer(ownerKey_)).body);
  EXPECT_EQ(capped["usage_limit"], 1800);
  // The child cannot hand out more than it got either.
  auto grand = rawRequest(port(), "POST", "/v1/keys", R"({"usage_limit":1})", {{"Authorization", "Bearer " + c["api_key"].get<std::string>()}});
  EXPECT_EQ(grand.status, 403);  // it lacks the keys scope altogether
  EXPECT_TRUE(servesHealth(port()));
}

}  // namespace
}  // namespace turnpike::test
