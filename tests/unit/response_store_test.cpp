// Responses kept for store: true: scoped to their account, absent once expired, swept in
// bounded batches, refused over the size cap. A real SQLite file through the writer and pool.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "gateway_fixture.hpp"
#include "store/database.hpp"
#include "store/response_store.hpp"

namespace turnpike::store {
namespace {

using namespace std::chrono_literals;

class ResponseStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = test::temporaryDatabasePath();
    db_ = Database::open("sqlite://" + path_);
    writer_ = std::make_unique<Writer>(*db_);
    readers_ = std::make_unique<ConnectionPool>(*db_);
    store_ = std::make_unique<ResponseStore>(*writer_, *readers_, 1h, 1024, [this] { return clock_.load(); });
  }
  void TearDown() override {
    store_.reset();
    writer_->stop();
    writer_.reset();
    readers_.reset();
    db_.reset();
    test::removeDatabase(path_);
  }

  std::string path_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<ConnectionPool> readers_;
  std::unique_ptr<ResponseStore> store_;
  std::atomic<int64_t> clock_{1'000'000};
};

TEST_F(ResponseStoreTest, KeepsResponseAndConversationForItsAccountOnly) {
  EXPECT_EQ(store_->putAndWait("resp_1", "acct_a", R"({"id":"resp_1"})", R"([{"role":"user","content":"hi"}])"),
            ResponseStore::PutOutcome::Stored);
  auto got = store_->get("resp_1", "acct_a");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->response, R"({"id":"resp_1"})");
  EXPECT_EQ(got->conversation, R"([{"role":"user","content":"hi"}])");
  EXPECT_EQ(got->createdAt, 1'000'000);
  EXPECT_EQ(got->expiresAt, 1'000'000 + 3'600'000);
  EXPECT_FALSE(store_->get("resp_1", "acct_b")) << "another account's response is absent";
  EXPECT_FALSE(store_->remove("resp_1", "acct_b")) << "and cannot be deleted by it";
  EXPECT_TRUE(store_->get("resp_1", "acct_a"));
}

TEST_F(ResponseStoreTest, AnIdIsNeverOverwritten) {
  ASSERT_EQ(store_->putAndWait("resp_1", "acct_a", "{\"v\":1}", "[]"), ResponseStore::PutOutcome::Stored);
  EXPECT_EQ(store_->putAndWait("resp_1", "acct_b", "{\"v\":2}", "[]"), ResponseStore::PutOutcome::Duplicate);
  EXPECT_EQ(store_->get("resp_1", "acct_a")->response, "{\"v\":1}");
  EXPECT_FALSE(store_->get("resp_1", "acct_b"));
}

TEST_F(ResponseStoreTest, ExpiredResponsesAreAbsentAndSweptInBatches) {
  ASSERT_EQ(store_->putAndWait("resp_old", "acct_a", "{}", "[]"), ResponseStore::PutOutcome::Stored);
  clock_ += 30 * 60'000;
  ASSERT_EQ(store_->putAndWait("resp_new", "acct_a", "{}", "[]"), ResponseStore::PutOutcome::Stored);
  clock_ += 31 * 60'000;  // resp_old is 61 minutes old, resp_new 31
  EXPECT_FALSE(store_->get("resp_old", "acct_a")) << "expired means absent, swept or not";
  EXPECT_TRUE(store_->get("resp_new", "acct_a"));
  EXPECT_EQ(store_->sweep(), 1);
  EXPECT_EQ(store_->sweep(), 0);
  EXPECT_EQ(test::sqlScalar(path_, "SELECT COUNT(*) FROM stored_responses"), 1);

  const int count = ResponseStore::kSweepBatch + 3;
  std::atomic<int> stored{0};
  std::promise<void> all;
  for (int i = 0; i < count; ++i)
    store_->put("resp_b" + std::to_string(i), "acct_a", "{}", "[]", [&, i](ResponseStore::PutOutcome o, std::exception_ptr e) {
      if (!e && o == ResponseStore::PutOutcome::Stored) ++stored;
      if (i == count - 1) all.set_value();  // the writer runs jobs in order
    });
  all.get_future().wait();
  ASSERT_EQ(stored.load(), count);
  clock_ += 2 * 3'600'000;
  EXPECT_EQ(store_->sweep(), ResponseStore::kSweepBatch) << "one sweep deletes a bounded batch";
  EXPECT_EQ(store_->sweep(), 4);
  EXPECT_EQ(test::sqlScalar(path_, "SELECT COUNT(*) FROM stored_responses"), 0);
}

TEST_F(ResponseStoreTest, RemoveDeletesTheOwnersResponse) {
  ASSERT_EQ(store_->putAndWait("resp_1", "acct_a", "{}", "[]"), ResponseStore::PutOutcome::Stored);
  EXPECT_TRUE(store_->remove("resp_1", "acct_a"));
  EXPECT_FALSE(store_->get("resp_1", "acct_a"));
  EXPECT_FALSE(store_->remove("resp_1", "acct_a"));
}

TEST_F(ResponseStoreTest, RefusesWhatExceedsTheCapBeforeQueueingAnything) {
  std::string big(2000, 'x');
  EXPECT_EQ(store_->putAndWait("resp_big", "acct_a", "{\"t\":\"" + big + "\"}", "[]"),
            ResponseStore::PutOutcome::TooLarge);
  std::promise<ResponseStore::PutOutcome> outcome;
  store_->put("resp_big2", "acct_a", "{}", "[\"" + big + "\"]",
              [&](ResponseStore::PutOutcome o, std::exception_ptr) { outcome.set_value(o); });
  EXPECT_EQ(outcome.get_future().get(), ResponseStore::PutOutcome::TooLarge);
  EXPECT_EQ(test::sqlScalar(path_, "SELECT COUNT(*) FROM stored_responses"), 0);
}

TEST_F(ResponseStoreTest, AsynchronousPutReportsAfterCommit) {
  std::promise<ResponseStore::PutOutcome> outcome;
  store_->put("resp_async", "acct_a", "{\"ok\":true}", "[]", [&](ResponseStore::PutOutcome o, std::exception_ptr e) {
    outcome.set_value(e ? ResponseStore::PutOutcome::Duplicate : o);
  });
  EXPECT_EQ(outcome.get_future().get(), ResponseStore::PutOutcome::Stored);
  EXPECT_EQ(store_->get("resp_async", "acct_a")->response, "{\"ok\":true}");
}

}  // namespace
}  // namespace turnpike::store
