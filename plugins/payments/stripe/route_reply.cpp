#include "stripe/route_reply.hpp"

namespace turnpike::payments::stripe {

using nlohmann::json;

std::string requestHeader(const json& request, std::string_view name) {
  auto headers = request.find("headers");
  if (headers == request.end() || !headers->is_object()) return {};
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (const auto& [key, value] : headers->items()) {
    if (key.size() != name.size() || !value.is_string()) continue;
    bool same = true;
    for (size_t i = 0; i < key.size() && same; ++i) same = lower(key[i]) == lower(name[i]);
    if (same) return value.get<std::string>();
  }
  return {};
}

std::string jsonReply(int status, const json& body, const json& headers) {
  json h = headers;
  h["content-type"] = "application/json";
  return json{{"status", status}, {"headers", h}, {"body", body.dump()}}.dump();
}

std::string errorReply(int status, std::string_view code, std::string_view message, const json& headers) {
  std::string type = status >= 500 ? "server_error" : "invalid_request_error";
  return jsonReply(status, json{{"error", {{"message", message}, {"type", type}, {"code", code}, {"param", nullptr}}}},
                   headers);
}

}  // namespace turnpike::payments::stripe
