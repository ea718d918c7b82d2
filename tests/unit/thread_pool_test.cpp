// The worker pools' bounded queue: work that does not fit is refused at once, not queued behind
// work that may take seconds.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "util/thread_pool.hpp"

namespace turnpike::util {
namespace {

TEST(ThreadPool, RefusesWorkBeyondItsQueue) {
  std::promise<void> started, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> ran{0};
  ThreadPool pool(1, "test", /*maxQueued=*/2);
  ASSERT_TRUE(pool.submit([&] {
    started.set_value();
    released.wait();
    ++ran;
  }));
  started.get_future().wait();
  // The thread is busy: two tasks wait, the third does not fit.
  EXPECT_TRUE(pool.submit([&] { ++ran; }));
  EXPECT_TRUE(pool.submit([&] { ++ran; }));
  EXPECT_FALSE(pool.submit([&] { ++ran; }));
  release.set_value();
  pool.stop();
  EXPECT_EQ(ran.load(), 3);
}

TEST(ThreadPool, TasksForIdleThreadsDoNotCountAsWaiting) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> started{0};
  auto blocker = [&] {
    ++started;
    released.wait();
  };
  ThreadPool pool(2, "test", /*maxQueued=*/1);
  // Two threads to take them, whether or not they have woken up yet: nothing waits.
  EXPECT_TRUE(pool.submit(blocker));
  EXPECT_TRUE(pool.submit(blocker));
  while (started.load() < 2) std::this_thread::yield();
  EXPECT_TRUE(pool.submit([] {}));
  EXPECT_FALSE(pool.submit([] {}));
  release.set_value();
}

TEST(ThreadPool, WithoutABoundEverythingIsQueued) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(1, "test");
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(pool.submit([&] { ++ran; }));
  }
  EXPECT_EQ(ran.load(), 1000);
}

}  // namespace
}  // namespace turnpike::util
