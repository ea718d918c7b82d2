// The store's single writer: group commit, with a failure confined to the job that caused it.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "gateway_fixture.hpp"
#include "store/database.hpp"
#include "store/store_error.hpp"
#include "store/writer.hpp"

namespace turnpike::store {
namespace {

using namespace Poco::Data::Keywords;

TEST(Writer, ACommitThatFailsFailsOnlyTheJobThatCannotCommit) {
  std::string path = test::temporaryDatabasePath();
  auto db = Database::open("sqlite://" + path);
  {
    auto c = db->connect();
    // A deferred foreign key is checked at COMMIT: the one way a single job can fail a commit.
    c->session() << "CREATE TABLE parents (id INTEGER PRIMARY KEY)", now;
    c->session() << "CREATE TABLE children (parent INTEGER REFERENCES parents(id) DEFERRABLE INITIALLY DEFERRED)", now;
    c->session() << "INSERT INTO parents VALUES (1)", now;
  }
  Writer writer(*db);
  // Hold the writer so the next jobs queue up and run as one batch.
  std::promise<void> go;
  auto held = go.get_future().share();
  writer.submit(Writer::Job{[held](Connection&) { held.wait(); }, {}});
  std::vector<std::promise<bool>> results(5);
  for (int i = 0; i < 5; ++i) {
    int parent = i == 2 ? 99 : 1;  // job 2 refers to a parent that does not exist
    writer.submit(Writer::Job{
        [parent](Connection& c) { c.session() << "INSERT INTO children VALUES (" + std::to_string(parent) + ")", now; },
        [&results, i](std::exception_ptr error) { results[i].set_value(error == nullptr); }});
  }
  go.set_value();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(results[i].get_future().get(), i != 2) << "job " << i;
  writer.stop();
  auto c = db->connect();
  int64_t rows = 0;
  c->session() << "SELECT COUNT(*) FROM children", into(rows), now;
  EXPECT_EQ(rows, 4);
  c.reset();
  db.reset();
  test::removeDatabase(path);
}

}  // namespace
}  // namespace turnpike::store
