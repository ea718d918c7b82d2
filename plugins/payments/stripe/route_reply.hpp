// The pieces of on_http shared by the plugin's routes: reading the host's request JSON and
// writing its reply ({"status", "headers", "body"}) with OpenAI-style error bodies.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace turnpike::payments::stripe {

// A request header by name, any case ("" when absent).
std::string requestHeader(const nlohmann::json& request, std::string_view name);

std::string jsonReply(int status, const nlohmann::json& body, const nlohmann::json& headers = nlohmann::json::object());

// {"error": {"message", "type", "code", "param": null}}.
std::string errorReply(int status, std::string_view code, std::string_view message,
                       const nlohmann::json& headers = nlohmann::json::object());

}  // namespace turnpike::payments::stripe
