#include "test_client.hpp"

#include "gateway_process.hpp"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

namespace turnpike::test {

namespace {

std::map<std::string, std::string> lowerHeaders(const Poco::Net::HTTPResponse& response) {
  std::map<std::string, std::string> out;
  for (const auto& [n, v] : response) {
    std::string lower = n;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out[lower] = v;
  }
  return out;
}

Poco::Net::HTTPRequest makeRequest(const std::string& method, const std::string& path, const std::string& body,
                                   const Headers& headers) {
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  bool hasType = false;
  for (const auto& [n, v] : headers) {
    request.set(n, v);
    hasType = hasType || n == "Content-Type";
  }
  if (!body.empty() && !hasType) request.setContentType("application/json");
  // Always framed: Poco would otherwise send an empty POST body delimited by connection close.
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  return request;
}

}  // namespace

HttpResult httpRequest(uint16_t port, const std::string& method, const std::string& path, const std::string& body,
                       const Headers& headers) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(30, 0));
  auto request = makeRequest(method, path, body, headers);
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpResult result;
  result.status = response.getStatus();
  result.headers = lowerHeaders(response);
  Poco::StreamCopier::copyToString(in, result.body);
  return result;
}

SseClient::SseClient(uint16_t port, const std::string& path, const std::string& body, const Headers& headers)
    : session_(std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", port)) {
  session_->setTimeout(Poco::Timespan(30, 0));
  auto request = makeRequest("POST", path, body, headers);
  session_->sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  stream_ = &session_->receiveResponse(response);
  status_ = response.getStatus();
  headers_ = lowerHeaders(response);
}

std::optional<std::string> SseClient::next() {
  std::string line;
  std::string data;
  bool have = false;
  while (stream_ != nullptr && std::getline(*stream_, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (have) return data;
      continue;
    }
    if (line.rfind("data:", 0) == 0) {
      std::string value = line.substr(5);
      if (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (have) data += "\n";
      data += value;
      have = true;
    }
  }
  if (have) return data;
  return std::nullopt;
}

std::vector<std::string> SseClient::rest() {
  std::vector<std::string> out;
  while (auto e = next()) out.push_back(*e);
  return out;
}

void SseClient::abort() {
  session_->abort();
  stream_ = nullptr;
}

std::string rawExchange(uint16_t port, const std::string& bytes, int timeoutMs) {
  RawSocket socket(port);
  socket.send(bytes);
  return socket.receive(std::chrono::milliseconds(timeoutMs));
}

}  // namespace turnpike::test
