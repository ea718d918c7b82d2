// A client for tests, built on Poco's HTTPClientSession: independent of the gateway's own code.
#pragma once

#include <Poco/Net/HTTPClientSession.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace turnpike::test {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpResult httpRequest(uint16_t port, const std::string& method, const std::string& path, const std::string& body = "",
                       const Headers& headers = {});
inline HttpResult postJson(uint16_t port, const std::string& path, const std::string& body, const Headers& headers = {}) {
  return httpRequest(port, "POST", path, body, headers);
}

// Reads a streamed response event by event.
class SseClient {
 public:
  SseClient(uint16_t port, const std::string& path, const std::string& body, const Headers& headers = {});
  int status() const { return status_; }
  const std::map<std::string, std::string>& headers() const { return headers_; }
  // The next event's data, or nullopt at the end of the stream.
  std::optional<std::string> next();
  // All remaining events.
  std::vector<std::string> rest();
  // Drops the connection without reading further.
  void abort();

 private:
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
  std::istream* stream_ = nullptr;
  int status_ = 0;
  std::map<std::string, std::string> headers_;
};

// One raw exchange over a fresh TCP connection: sends `bytes`, returns what the server sends
// until it closes or `timeoutMs` passes.
std::string rawExchange(uint16_t port, const std::string& bytes, int timeoutMs = 2000);

}  // namespace turnpike::test
