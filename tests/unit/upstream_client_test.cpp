// UpstreamClient on a real event loop against a local fake upstream: cancelling inside a
// callback, a handler that throws, a transfer its consumer never resumes.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>

#include "fake_upstream.hpp"
#include "http/event_loop.hpp"
#include "net/upstream_client.hpp"

namespace turnpike::net {
namespace {

using test::FakeUpstream;

// An event loop on its own thread with an UpstreamClient living on it.
class LoopThread {
 public:
  LoopThread() {
    thread_ = std::thread([this] { loop_.run(); });
    run([this] { client_ = std::make_unique<UpstreamClient>(loop_, UpstreamClient::Options{}); });
  }
  ~LoopThread() {
    run([this] { client_.reset(); });
    loop_.stop();
    thread_.join();
  }
  // Runs `fn` on the loop thread and waits for it.
  void run(std::function<void()> fn) {
    std::promise<void> done;
    loop_.post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }
  http::EventLoop& loop() { return loop_; }
  UpstreamClient& client() { return *client_; }

 private:
  http::EventLoop loop_;
  std::unique_ptr<UpstreamClient> client_;
  std::thread thread_;
};

// A handler whose reactions the test chooses; `completed` is set with onComplete's result.
struct ScriptedHandler : TransferHandler {
  std::function<void(std::string_view)> onData;
  std::promise<TransferResult> completed;
  std::atomic<int> dataCalls{0};
  void onResponseHead(int, const std::vector<std::pair<std::string, std::string>>&) override {}
  void onResponseData(std::string_view data) override {
    ++dataCalls;
    if (onData) onData(data);
  }
  void onComplete(const TransferResult& result) override { completed.set_value(result); }
};

UpstreamRequest requestTo(const FakeUpstream& up, std::chrono::milliseconds idle = std::chrono::seconds(30)) {
  UpstreamRequest r;
  r.url = up.baseUrl() + "/chat/completions";
  r.headers = {"Content-Type: application/json", "Authorization: Bearer sk-test"};
  r.body = "{}";
  r.idleTimeout = idle;
  return r;
}

TEST(UpstreamClient, CancelInsideTheLastDataCallbackFreesTheTransferOnce) {
  // The whole (small) body arrives in one read, so libcurl finishes the transfer in the same
  // socket_action that delivered the data the handler cancels it from.
  FakeUpstream up;
  LoopThread lt;
  for (int round = 0; round < 20; ++round) {
    ScriptedHandler handler;
    std::promise<void> cancelled;
    UpstreamClient::Transfer* transfer = nullptr;
    handler.onData = [&](std::string_view) {
      lt.client().cancel(transfer);
      cancelled.set_value();
    };
    lt.run([&] { transfer = lt.client().start(requestTo(up), &handler); });
    ASSERT_EQ(cancelled.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
    // No onComplete after cancel(), and the client goes on working.
    ScriptedHandler next;
    lt.run([&] { lt.client().start(requestTo(up), &next); });
    auto result = next.completed.get_future();
    ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(result.get().error, TransferError::None);
    EXPECT_EQ(handler.completed.get_future().wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
    size_t active = 99;
    lt.run([&] { active = lt.client().activeTransfers(); });
    EXPECT_EQ(active, 0u);
  }
}

TEST(UpstreamClient, AHandlerThatThrowsFailsItsTransferNotTheLoop) {
  FakeUpstream up;
  LoopThread lt;
  ScriptedHandler handler;
  handler.onData = [](std::string_view) { throw std::runtime_error("handler bug"); };
  lt.run([&] { lt.client().start(requestTo(up), &handler); });
  auto result = handler.completed.get_future();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(result.get().error, TransferError::Failed);
  EXPECT_EQ(lt.loop().failures(), 1u);
  // The loop and the client still serve.
  ScriptedHandler next;
  lt.run([&] { lt.client().start(requestTo(up), &next); });
  auto again = next.completed.get_future();
  ASSERT_EQ(again.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(again.get().error, TransferError::None);
}

TEST(UpstreamClient, APausedTransferEndsAtItsPauseTimeout) {
  // Paused before its first byte, by a consumer that never resumes it (a client that stopped
  // reading): the idle timeout does not apply, the pause timeout does.
  FakeUpstream up;
  LoopThread lt;
  ScriptedHandler handler;
  auto request = requestTo(up, std::chrono::seconds(60));
  request.pauseTimeout = std::chrono::milliseconds(300);
  lt.run([&] { lt.client().pause(lt.client().start(std::move(request), &handler)); });
  auto result = handler.completed.get_future();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready) << "paused forever";
  EXPECT_EQ(result.get().error, TransferError::Timeout);
  EXPECT_EQ(handler.dataCalls, 0);
  size_t active = 99;
  lt.run([&] { active = lt.client().activeTransfers(); });
  EXPECT_EQ(active, 0u);
}

}  // namespace
}  // namespace turnpike::net
