#include "dialects/dialect.hpp"

#include <turnpike/json_scan.hpp>

namespace turnpike::dialects {

std::string_view dialectName(Dialect dialect) {
  switch (dialect) {
    case Dialect::OpenAIChat: return "openai_chat";
    case Dialect::AnthropicMessages: return "anthropic_messages";
    case Dialect::OpenAIResponses: return "openai_responses";
  }
  return "unknown";
}

Dialect providerDialect(Dialect client, uint32_t providerDialects) {
  if (providerDialects == 0) return Dialect::OpenAIChat;
  if ((providerDialects & static_cast<uint32_t>(client)) != 0) return client;
  if ((providerDialects & TP_DIALECT_OPENAI_CHAT) != 0) return Dialect::OpenAIChat;
  for (Dialect d : {Dialect::AnthropicMessages, Dialect::OpenAIResponses})
    if ((providerDialects & static_cast<uint32_t>(d)) != 0) return d;
  return Dialect::OpenAIChat;
}

bool terminalEvent(Dialect dialect, std::string_view type) {
  switch (dialect) {
    case Dialect::OpenAIChat: return false;
    case Dialect::AnthropicMessages: return type == "message_stop";
    case Dialect::OpenAIResponses:
      return type == "response.completed" || type == "response.incomplete" || type == "response.failed";
  }
  return false;
}

void appendEvent(std::string& out, Dialect dialect, std::string_view type, std::string_view json) {
  if (dialect != Dialect::OpenAIChat && !type.empty()) {
    out += "event: ";
    out += type;
    out += '\n';
  }
  out += "data: ";
  out += json;
  out += "\n\n";
}

std::string_view eventType(std::string_view json) {
  auto type = sdk::json_scan::find(json, "type");
  if (!type || type->value.size() < 2 || type->value.front() != '"') return {};
  return type->value.substr(1, type->value.size() - 2);
}

}  // namespace turnpike::dialects
