#include "fake_upstream.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <nlohmann/json.hpp>
#include <thread>

namespace turnpike::test {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

RecordedRequest readRequest(Poco::Net::HTTPServerRequest& request) {
  RecordedRequest r;
  r.method = request.getMethod();
  r.uri = request.getURI();
  for (const auto& [n, v] : request) {
    std::string lower = n;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[lower] = v;
  }
  Poco::StreamCopier::copyToString(request.stream(), r.body);
  return r;
}

class FakeUpstream::Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(FakeUpstream& owner) : owner_(owner) {}

  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(FakeUpstream& owner) : owner_(owner) {}
    void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
      RecordedRequest r = readRequest(request);
      owner_.record(r);
      FakeUpstream::Handler h;
      {
        std::lock_guard lock(owner_.mutex_);
        h = owner_.handler_;
      }
      try {
        if (h) {
          h(r, response);
        } else {
          FakeUpstream::sendJson(response, 200, chatCompletionJson("fake", "hello"));
        }
      } catch (const std::exception&) {
        owner_.writeFailed = true;
      }
    }

   private:
    FakeUpstream& owner_;
  };

  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override { return new Handler(owner_); }

 private:
  FakeUpstream& owner_;
};

FakeUpstream::FakeUpstream(Handler handler)
    : pool_(std::make_unique<Poco::ThreadPool>(2, kThreads)), handler_(std::move(handler)) {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(kThreads);
  params->setMaxQueued(256);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(100000);
  // Its own threads: Poco's default pool (16) is shared by every server in the process.
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), *pool_, socket, params);
  server_->start();
}

FakeUpstream::~FakeUpstream() { server_->stopAll(true); }

uint16_t FakeUpstream::port() const { return server_->port(); }

void FakeUpstream::setHandler(Handler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

void FakeUpstream::record(const RecordedRequest& r) {
  std::lock_guard lock(mutex_);
  requests_.push_back(r);
}

std::vector<RecordedRequest> FakeUpstream::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

RecordedRequest FakeUpstream::lastRequest() const {
  std::lock_guard lock(mutex_);
  return requests_.empty() ? RecordedRequest{} : requests_.back();
}

size_t FakeUpstream::requestCount() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

int FakeUpstream::connectionsAccepted() const { return server_->totalConnections(); }

void FakeUpstream::sendJson(HTTPServerResponse& response, int status, const std::string& body) {
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setContentType("application/json");
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send() << body;
}

void FakeUpstream::sendStream(HTTPServerResponse& response, const std::vector<std::string>& events,
                              const std::function<void(size_t)>& between) {
  response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
  response.setContentType("text/event-stream");
  response.setChunkedTransferEncoding(true);
  std::ostream& out = response.send();
  for (size_t i = 0; i < events.size(); ++i) {
    out << "data: " << events[i] << "\n\n";
    out.flush();
    if (!out.good()) throw std::runtime_error("client went away");
    if (between) between(i);
  }
  out << "data: [DONE]\n\n";
  out.flush();
}

void Gate::open() {
  {
    std::lock_guard lock(mutex_);
    open_ = true;
  }
  cv_.notify_all();
}

bool Gate::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [this] { return open_; });
}

std::string chatCompletionJson(const std::string& model, const std::string& content, int prompt, int completion) {
  nlohmann::json j{{"id", "chatcmpl-fake"},
                   {"object", "chat.completion"},
                   {"created", 1700000000},
                   {"model", model},
                   {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}, {"finish_reason", "stop"}}}},
                   {"usage", {{"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", prompt + completion}}}};
  return j.dump();
}

std::string chunkJson(const std::string& model, const std::string& content) {
  nlohmann::json j{{"id", "chatcmpl-fake"},
                   {"object", "chat.completion.chunk"},
                   {"created", 1700000000},
                   {"model", model},
                   {"choices", {{{"index", 0}, {"delta", {{"content", content}}}, {"finish_reason", nullptr}}}}};
  return j.dump();
}

std::string usageChunkJson(const std::string& model, int prompt, int completion) {
  nlohmann::json j{{"id", "chatcmpl-fake"},
                   {"object", "chat.completion.chunk"},
                   {"created", 1700000000},
                   {"model", model},
                   {"choices", nlohmann::json::array()},
                   {"usage", {{"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", prompt + completion}}}};
  return j.dump();
}

FakeUpstream::Handler slowStream(Gate& firstRead, std::function<std::string(int)> chunk, std::atomic<bool>* done) {
  return [&firstRead, chunk = std::move(chunk), done](const RecordedRequest&, Poco::Net::HTTPServerResponse& res) {
    res.setChunkedTransferEncoding(true);
    res.setContentType("text/event-stream");
    std::ostream& out = res.send();
    for (int i = 0; i < 200 && out.good(); ++i) {
      out << "data: " << chunk(i) << "\n\n";
      out.flush();
      if (i == 2) firstRead.wait();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (done != nullptr) *done = true;
  };
}

FakeUpstream::Handler slowTokenStream(Gate& firstRead, std::atomic<bool>* done) {
  return slowStream(firstRead, [](int) { return chunkJson("m", "abcd"); }, done);
}

std::string openAiUpstreamYaml(const std::string& url, const std::string& price, int maxOutputTokens) {
  return "providers:\n  - name: up\n    plugin: openai_compat\n    base_url: " + url +
         "\n    models:\n      - id: paid\n        price: " + price +
         "\n        max_output_tokens: " + std::to_string(maxOutputTokens) + "\n";
}

}  // namespace turnpike::test
