#include "lightning/node_client.hpp"

namespace turnpike::payments::lightning {

using nlohmann::json;

namespace {

// A short, printable excerpt of what the node said.
std::string excerpt(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 200)) out.push_back(c >= 0x20 && c < 0x7f ? c : ' ');
  return out;
}

std::string nodeMessage(const json& body) {
  if (!body.is_object()) return {};
  for (const char* key : {"message", "detail", "error"}) {
    auto it = body.find(key);
    if (it == body.end()) continue;
    if (it->is_string()) return excerpt(it->get<std::string>());
    if (it->is_object()) {
      std::string nested = nodeMessage(*it);
      if (!nested.empty()) return nested;
    }
  }
  return {};
}

}  // namespace

NodeClient::NodeClient(sdk::Host host, std::string backend, const NodeConfig& node, std::string authHeader,
                       uint32_t timeoutMs)
    : host_(host),
      backend_(std::move(backend)),
      baseUrl_(node.url),
      authHeader_(std::move(authHeader)),
      credential_(node.credential),
      caCertPem_(node.tlsCertPem),
      timeoutMs_(timeoutMs) {}

sdk::HttpRequest NodeClient::request(std::string_view method, std::string_view path) const {
  sdk::HttpRequest r;
  r.method = std::string(method);
  r.url = baseUrl_ + std::string(path);
  r.headers.emplace_back(authHeader_, credential_);
  r.headers.emplace_back("Accept", "application/json");
  r.timeoutMs = timeoutMs_;
  r.caCertPem = caCertPem_;
  return r;
}

Result<NodeReply> NodeClient::call(std::string_view method, std::string_view path, const json* body) const {
  sdk::HttpRequest r = request(method, path);
  if (body != nullptr) {
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = body->dump();
  }
  sdk::HttpResponse response = host_.http(r);
  if (response.status < 0) {
    // The host's message names the transport problem (refused, TLS, timeout) and is already
    // scrubbed of configured secrets.
    return fail(backend_ + ": " + std::string(method) + " " + std::string(path) + " failed: " + response.error);
  }
  NodeReply reply;
  reply.status = response.status;
  reply.body = json::parse(response.body, nullptr, false);
  return reply;
}

std::string NodeClient::refusal(std::string_view method, std::string_view path, const NodeReply& reply) const {
  std::string out = backend_ + ": " + std::string(method) + " " + std::string(path) + " answered " +
                    std::to_string(reply.status);
  std::string message = nodeMessage(reply.body);
  if (!message.empty()) out += ": " + message;
  return out;
}

std::optional<uint64_t> jsonUint(const json& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer()) {
    int64_t v = it->get<int64_t>();
    return v < 0 ? std::nullopt : std::optional<uint64_t>(static_cast<uint64_t>(v));
  }
  if (!it->is_string()) return std::nullopt;
  std::string_view s = it->get_ref<const std::string&>();
  if (s.size() > 4 && s.substr(s.size() - 4) == "msat") s.remove_suffix(4);
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

std::string jsonString(const json& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace turnpike::payments::lightning
