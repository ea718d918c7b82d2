// JSON over HTTP to a Lightning node's REST API, through the host's HTTP client: base URL,
// authentication header, pinned TLS certificate and error messages that never carry the
// credential.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include <turnpike/plugin.hpp>

#include "common/result.hpp"
#include "lightning/plugin_config.hpp"

namespace turnpike::payments::lightning {

struct NodeReply {
  int status = 0;
  nlohmann::json body;  // discarded (is_discarded()) when the body is not JSON
};

class NodeClient {
 public:
  // `authHeader` is sent with node.credential as its value (X-Api-Key, Grpc-Metadata-macaroon, Rune).
  NodeClient(sdk::Host host, std::string backend, const NodeConfig& node, std::string authHeader,
             uint32_t timeoutMs = 15'000);

  // A failure only when the exchange itself failed (unreachable, TLS, timeout); any HTTP status
  // comes back as a reply.
  Result<NodeReply> call(std::string_view method, std::string_view path, const nlohmann::json* body = nullptr) const;

  // The request call() would send, for streaming exchanges.
  sdk::HttpRequest request(std::string_view method, std::string_view path) const;

  const sdk::Host& host() const { return host_; }
  const std::string& backend() const { return backend_; }

  // "<backend>: <method> <path> answered <status>: <node's message>".
  std::string refusal(std::string_view method, std::string_view path, const NodeReply& reply) const;

 private:
  sdk::Host host_;
  std::string backend_;
  std::string baseUrl_;
  std::string authHeader_;
  std::string credential_;
  std::string caCertPem_;
  uint32_t timeoutMs_;
};

// A JSON integer that nodes may send as a number or a decimal string (grpc-gateway int64s, CLN
// "1000msat"); nullopt when absent or malformed.
std::optional<uint64_t> jsonUint(const nlohmann::json& object, std::string_view key);
// A string member, or "" when absent or not a string.
std::string jsonString(const nlohmann::json& object, std::string_view key);

}  // namespace turnpike::payments::lightning
