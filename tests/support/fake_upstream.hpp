// A fake OpenAI-compatible upstream on port 0 (Poco HTTPServer, as in Poco's own
// HTTPServerTest). Each test scripts the answer with a handler; every request is recorded.
#pragma once

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/ThreadPool.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace turnpike::test {

struct RecordedRequest {
  std::string method;
  std::string uri;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Reads one request of a Poco test server whole: method, URI, lower-case headers, body.
RecordedRequest readRequest(Poco::Net::HTTPServerRequest& request);

class FakeUpstream {
 public:
  using Handler = std::function<void(const RecordedRequest&, Poco::Net::HTTPServerResponse&)>;

  explicit FakeUpstream(Handler handler = {});
  ~FakeUpstream();

  uint16_t port() const;
  std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port()) + "/v1"; }
  void setHandler(Handler handler);

  std::vector<RecordedRequest> requests() const;
  RecordedRequest lastRequest() const;
  size_t requestCount() const;
  // TCP connections accepted so far.
  int connectionsAccepted() const;

  // Helpers for handlers.
  static void sendJson(Poco::Net::HTTPServerResponse& response, int status, const std::string& body);
  // Sends `events` as SSE data lines, calling `between(i)` after event i was flushed.
  static void sendStream(Poco::Net::HTTPServerResponse& response, const std::vector<std::string>& events,
                         const std::function<void(size_t)>& between = {});

  // Set when a streaming write failed because the client went away.
  std::atomic<bool> writeFailed{false};

 private:
  void record(const RecordedRequest& r);

  class Factory;
  static constexpr int kThreads = 128;
  std::unique_ptr<Poco::ThreadPool> pool_;  // declared first: the server stops before its threads go
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  mutable std::mutex mutex_;
  Handler handler_;
  std::vector<RecordedRequest> requests_;
};

// A one-shot gate: wait() blocks until open() (or a deadline).
class Gate {
 public:
  void open();
  bool wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

// An OpenAI chat.completion body with the given content and usage.
std::string chatCompletionJson(const std::string& model, const std::string& content, int prompt = 10, int completion = 5);
// A chat.completion.chunk event (without "data: ").
std::string chunkJson(const std::string& model, const std::string& content);
std::string usageChunkJson(const std::string& model, int prompt, int completion);

// A handler streaming up to 200 chunks 5 ms apart, `chunk(i)` each (without "data: "), that waits
// after the third for `firstRead` to open: a test cuts its client there and knows what was sent.
// `done`, when given, is set once the upstream stopped writing.
FakeUpstream::Handler slowStream(Gate& firstRead, std::function<std::string(int)> chunk,
                                 std::atomic<bool>* done = nullptr);
// The same of chunkJson("m", "abcd") chunks: one token each.
FakeUpstream::Handler slowTokenStream(Gate& firstRead, std::atomic<bool>* done = nullptr);

// `providers:` with one openai_compat provider "up" at `url` serving model "paid" at `price`.
std::string openAiUpstreamYaml(const std::string& url, const std::string& price, int maxOutputTokens);

}  // namespace turnpike::test
