// mock: answers deterministically with no upstream and no secrets, and behaves like a model so
// clients can be tested against it: the reply echoes the last user message; tools get calls
// whose arguments satisfy their schemas, tool results get a text answer; response_format gets
// JSON valid against its schema; usage carries cached and reasoning tokens; embeddings are
// stable unit vectors (float or base64, as the official SDKs ask).
//
// Most answers are made in-process. Paced streams (chunk_delay_ms) and injected failures
// ("mock:fail=<mode>" prompts) go over the mock's own loopback server instead, so they reach
// the gateway through the same transport, timeouts and cancellation as a real upstream's.
#include <turnpike/plugin.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "mock/mock_reply.hpp"
#include "mock/wire_server.hpp"
#include "openai_wire.hpp"

namespace {

using namespace turnpike::sdk;
using namespace turnpike::mock;
using nlohmann::json;

constexpr const char* kSchema = R"json({
  "reply_prefix": {"type": "string", "default": "Mock reply",
                   "doc": "text the reply starts with, before the echoed user message"},
  "embedding_dimensions": {"type": "integer", "default": 8,
                           "doc": "length of embedding vectors unless the request sets dimensions"},
  "chunk_delay_ms": {"type": "integer", "default": 0,
                     "doc": "pause between the chunks of a stream (0..60000), so cancellation and backpressure can be seen"},
  "timeout_hold_ms": {"type": "integer", "default": 120000,
                      "doc": "longest a mock:fail=timeout request is held unanswered (1000..600000) when the gateway does not give up first"}
})json";

// Chunks sent before a mock:fail=stream-error or drop stream fails.
constexpr size_t kChunksBeforeFailure = 3;

std::string percentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

std::string percentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string errorJson(std::string_view message, std::string_view type, const json& code) {
  return json{{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}}.dump();
}

std::string head(int status, std::string_view reason, const std::vector<std::string>& headers) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  for (const auto& h : headers) out += h + "\r\n";
  return out + "Connection: close\r\n\r\n";
}

std::string chunked(std::string_view data) {
  char size[24];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size, static_cast<size_t>(n)) + std::string(data) + "\r\n";
}

bool sendJson(WireConnection& c, int status, std::string_view reason, std::vector<std::string> headers, const std::string& body) {
  headers.push_back("Content-Type: application/json");
  headers.push_back("Content-Length: " + std::to_string(body.size()));
  return c.send(head(status, reason, headers) + body);
}

class MockProvider final : public Provider {
 public:
  MockProvider(Host, std::string_view configJson) {
    json config = json::parse(configJson);
    options_.prefix = config.value("reply_prefix", "Mock reply");
    options_.dimensions = config.value("embedding_dimensions", 8);
    if (options_.dimensions < 1 || options_.dimensions > 8192) throw std::invalid_argument("embedding_dimensions must be 1..8192");
    chunkDelay_ = std::chrono::milliseconds(config.value("chunk_delay_ms", 0));
    if (chunkDelay_.count() < 0 || chunkDelay_.count() > 60000) throw std::invalid_argument("chunk_delay_ms must be 0..60000");
    timeoutHold_ = std::chrono::milliseconds(config.value("timeout_hold_ms", 120000));
    if (timeoutHold_.count() < 1000 || timeoutHold_.count() > 600000) throw std::invalid_argument("timeout_hold_ms must be 1000..600000");
  }

  Dispatch buildRequest(const Call& call, UpstreamRequest& request) override {
    if (call.operation == TP_OP_EMBEDDING) return Dispatch::Local;
    // A cheap look first: most requests ask for no failure, and they are parsed once.
    bool failing = call.body.find("mock:fail=") != std::string_view::npos &&
                   failureAsked(call.operation, json::parse(call.body)) != Failure::None;
    if (!failing && !(call.stream && chunkDelay_.count() > 0)) return Dispatch::Local;
    std::string path = call.operation == TP_OP_CHAT ? "/v1/chat/completions" : "/v1/completions";
    request.setMethod("POST");
    request.setUrl("http://127.0.0.1:" + std::to_string(server().port()) + path + "?model=" + percentEncode(call.model) +
                   (call.stream ? "&stream=1" : ""));
    request.addHeader("Content-Type", "application/json");
    request.setBody(call.body);
    return Dispatch::Http;
  }

  std::unique_ptr<ResponseStream> openStream(const Call& call) override {
    return std::make_unique<openai_wire::OpenAiStream>(call.stream, call.operation != TP_OP_EMBEDDING);
  }

  void respondLocal(const Call& call, Emitter& emitter) override {
    Reply r = reply(options_, call.operation, call.model, call.stream, json::parse(call.body));
    emitter.usage(r.usage);
    for (const auto& f : r.frames) emitter.chunk(f.json, f.flags);
  }

 private:
  WireServer& server() {
    std::lock_guard lock(mutex_);
    if (!server_) server_ = std::make_unique<WireServer>([this](const WireRequest& r, WireConnection& c) { answer(r, c); });
    return *server_;
  }

  // One request over the loopback server: the reply, paced, or the failure it asks for.
  void answer(const WireRequest& wire, WireConnection& c) const {
    size_t query = wire.target.find('?');
    std::string path = wire.target.substr(0, query);
    std::string params = query == std::string::npos ? "" : wire.target.substr(query + 1);
    tp_operation operation = path == "/v1/chat/completions" ? TP_OP_CHAT : TP_OP_COMPLETION;
    bool stream = params.find("&stream=1") != std::string::npos;
    size_t modelAt = params.find("model=");
    std::string model = modelAt == std::string::npos ? "" : percentDecode(params.substr(modelAt + 6, params.find('&', modelAt) - modelAt - 6));
    json request = json::parse(wire.body);
    Failure failure = failureAsked(operation, request);
    switch (failure) {
      case Failure::RateLimit:
        sendJson(c, 429, "Too Many Requests",
                 {"Retry-After: 1", "x-ratelimit-limit-requests: 60", "x-ratelimit-remaining-requests: 0",
                  "x-ratelimit-reset-requests: 1s"},
                 errorJson("Rate limit reached for requests (mock:fail=429). Please try again in 1s.", "requests",
                           "rate_limit_exceeded"));
        return;
      case Failure::ServerError:
        sendJson(c, 500, "Internal Server Error", {},
                 errorJson("The server had an error while processing your request (mock:fail=500).", "server_error", nullptr));
        return;
      case Failure::StreamError:
        if (!stream) {
          sendJson(c, 500, "Internal Server Error", {},
                   errorJson("The server had an error while processing your request (mock:fail=stream-error).", "server_error", nullptr));
          return;
        }
        break;
      case Failure::Timeout:
        c.awaitClose(timeoutHold_);
        return;
      case Failure::Drop:
        if (!stream) return;  // closed with no answer at all
        break;
      case Failure::None: break;
    }
    Reply r = reply(options_, operation, model, stream, request);
    if (!stream) {
      sendJson(c, 200, "OK", {}, r.frames.front().json);
      return;
    }
    if (!c.send(head(200, "OK", {"Content-Type: text/event-stream", "Cache-Control: no-cache", "Transfer-Encoding: chunked"})))
      return;
    bool failing = failure == Failure::StreamError || failure == Failure::Drop;
    size_t count = failing ? std::min(kChunksBeforeFailure, r.frames.size() - 1) : r.frames.size();
    for (size_t i = 0; i < count; ++i) {
      if (i > 0 && chunkDelay_.count() > 0 && !c.pause(chunkDelay_)) return;
      if (!c.send(chunked("data: " + r.frames[i].json + "\n\n"))) return;
    }
    if (failure == Failure::Drop) return;  // closed in the middle of the chunked body
    std::string last = failure == Failure::StreamError
                           ? errorJson("The server had an error while processing your request (mock:fail=stream-error).",
                                       "server_error", nullptr)
                           : "[DONE]";
    c.send(chunked("data: " + last + "\n\n") + "0\r\n\r\n");
  }

  ReplyOptions options_;
  std::chrono::milliseconds chunkDelay_{0};
  std::chrono::milliseconds timeoutHold_{120000};
  std::mutex mutex_;
  std::unique_ptr<WireServer> server_;
};

}  // namespace

TURNPIKE_PROVIDER_PLUGIN(MockProvider, "mock", "1.0.0", kSchema)
