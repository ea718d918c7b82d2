// One request, one meaning: member names written with escapes, repeated or in another case
// would make billing read one request while the upstream (which decodes names, keeps the last
// duplicate, and in Go matches names case-insensitively) runs another. The gateway reads names
// decoded and refuses the ambiguous ones before anything is reserved or sent; what reaches the
// upstream is what was priced.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_upstream.hpp"
#include "gateway_fixture.hpp"
#include "gateway_process.hpp"
#include "test_client.hpp"

namespace turnpike::test {
namespace {

using nlohmann::json;

class RequestMeaning : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_ = std::make_unique<FakeUpstream>([](const RecordedRequest& r, Poco::Net::HTTPServerResponse& res) {
      auto body = json::parse(r.body);
      if (body.value("stream", false)) {
        FakeUpstream::sendStream(res, {chunkJson("cheap", "hello"), usageChunkJson("cheap", 10, 40), "[DONE]"});
      } else {
        FakeUpstream::sendJson(res, 200, chatCompletionJson("cheap", "hello", 10, 40));
      }
    });
    dbPath_ = temporaryDatabasePath();
    key_ = fundedKeyIn(dbPath_, 10'000'000);
    gateway_ = std::make_unique<GatewayProcess>(expand(R"(
server:
  listen: 127.0.0.1:0
storage:
  url: sqlite://{{db}}
plugins:
  dir: {{plugins}}
log:
  level: notice
providers:
  - name: up
    plugin: openai_compat
    base_url: {{url}}
    models:
      - id: cheap
        price: {input: 1000, output: 1000}
        max_output_tokens: 64
      - id: free
        price: {input: 0, output: 0}
)", "url", upstream_->baseUrl()), GatewayProcess::Options{.databasePath = dbPath_});
  }
  void TearDown() override {
    gateway_.reset();
    removeDatabase(dbPath_);
  }

  HttpResult send(const std::string& body, bool keyed = true) {
    Headers headers;
    if (keyed) headers.push_back({"Authorization", "Bearer " + key_});
    return postJson(gateway_->port(), "/v1/chat/completions", body, headers);
  }

  std::unique_ptr<FakeUpstream> upstream_;
  std::string dbPath_;
  std::string key_;
  std::unique_ptr<GatewayProcess> gateway_;
};

TEST_F(RequestMeaning, SmuggledMembersAreRefusedBeforeAnythingIsSent) {
  const std::string smuggled[] = {
      // Billed as "cheap" while the upstream would run the last "model" it reads.
      R"({"model":"cheap","messages":[{"role":"user","content":"hi"}],"mod\u0065l":"o1-pro"})",
      R"({"model":"cheap","model":"o1-pro","messages":[{"role":"user","content":"hi"}]})",
      R"({"model":"cheap","Model":"o1-pro","messages":[{"role":"user","content":"hi"}]})",
      // Anonymous users of a free model reaching any upstream model.
      R"({"model":"free","MODEL":"o1-pro","messages":[{"role":"user","content":"hi"}]})",
      // A smaller reservation than what the upstream would be asked for.
      R"({"model":"cheap","max_tokens":1,"max_tok\u0065ns":100000,"messages":[{"role":"user","content":"hi"}]})",
      R"({"model":"cheap","n":1,"N":64,"messages":[{"role":"user","content":"hi"}]})",
  };
  for (const auto& body : smuggled) {
    auto r = send(body, body.find("\"free\"") == std::string::npos);
    EXPECT_EQ(r.status, 400) << body << "\n" << r.body;
    auto error = json::parse(r.body)["error"];
    EXPECT_TRUE(error["param"].is_string()) << r.body;
    EXPECT_TRUE(error["code"] == "duplicate_parameter" || error["code"] == "invalid_parameter") << r.body;
  }
  EXPECT_EQ(upstream_->requestCount(), 0u) << "an ambiguous request reached the upstream";
  EXPECT_TRUE(servesHealth(gateway_->port()));
}

TEST_F(RequestMeaning, AnEscapedStreamIsAStreamAndBilledAsOne) {
  // Written "str\u0065am", it is a stream to the upstream: so it is one to billing too (with
  // usage requested upstream), not a non-stream answer billed at prompt cost.
  auto r = send(R"({"model":"cheap","str\u0065am":true,"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.headers["content-type"].find("text/event-stream"), std::string::npos);
  EXPECT_NE(r.body.find("data: [DONE]"), std::string::npos);
  auto sent = json::parse(upstream_->lastRequest().body);
  EXPECT_EQ(sent["stream_options"]["include_usage"], true);
  // The ceiling the reservation was priced on is the upstream's limit too.
  EXPECT_EQ(sent["max_tokens"], 64);
  // 10 prompt + 40 completion tokens at 1000 per 1M each: 50,000 / 1M rounded up = 1.
  auto usage = httpRequest(gateway_->port(), "GET", "/v1/usage/history", "", {{"Authorization", "Bearer " + key_}});
  ASSERT_EQ(usage.status, 200) << usage.body;
  auto rows = json::parse(usage.body)["data"];
  ASSERT_EQ(rows.size(), 1u) << usage.body;
  EXPECT_EQ(rows[0]["completion_tokens"], 40);
  EXPECT_EQ(rows[0]["cost"], 1);
}

TEST_F(RequestMeaning, EscapesInValuesKeepWorking) {
  auto r = send(R"({"model":"ch\u0065ap","messages":[{"role":"user","content":"caf\u00e9 \"quoted\""}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto sent = json::parse(upstream_->lastRequest().body);
  EXPECT_EQ(sent["messages"][0]["content"], "caf\xC3\xA9 \"quoted\"");
  EXPECT_TRUE(servesHealth(gateway_->port()));
}

}  // namespace
}  // namespace turnpike::test
