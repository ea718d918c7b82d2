// Canonical OpenAI chat request -> Messages request, for providers that speak Anthropic.
#include <algorithm>
#include <cstdlib>
#include <string>

#include "dialects/anthropic/anthropic_common.hpp"
#include "dialects/anthropic/anthropic_dialect.hpp"
#include "http/api_error.hpp"

namespace turnpike::dialects::anthropic {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultMaxTokens = 4096;  // LiteLLM's default when the client set none

std::string stringOr(const json& object, const char* key, std::string fallback = {}) {
  const json* v = member(object, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : fallback;
}

// Models from Claude 4.6 on take temperature 1.0 only and top_p >= 0.99 (PROTOCOLS: "post-Opus
// -4.6 models"): 4.6 itself included, since dropping a sampling hint costs less than a 400.
// The version follows the family in ids like claude-opus-4-6, claude-sonnet-4-5-20250929,
// anthropic.claude-opus-4-6-v1 or claude-opus-5; the older claude-3-7-sonnet form puts it first.
bool fixedSampling(std::string_view model) {
  size_t pos = model.find("claude-");
  if (pos == std::string_view::npos) return false;
  std::string_view rest = model.substr(pos + 7);
  size_t dash = rest.find('-');
  if (dash == std::string_view::npos || rest.empty() || (rest[0] >= '0' && rest[0] <= '9')) return false;
  rest = rest.substr(dash + 1);
  auto digits = [](std::string_view s, size_t& n) {
    n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    return n == 0 ? -1 : std::atoi(std::string(s.substr(0, n)).c_str());
  };
  size_t n = 0;
  int major = digits(rest, n);
  if (major < 0) return false;
  int minor = 0;
  if (n < rest.size() && rest[n] == '-') {
    size_t m = 0;
    int next = digits(rest.substr(n + 1), m);
    if (next >= 0 && m <= 2) minor = next;  // 8 digits is a date, not a minor version
  }
  return major > 4 || (major == 4 && minor >= 6);
}

// "data:<type>;base64,<data>" -> {media_type, data}; nullopt for other URLs.
bool splitDataUri(const std::string& url, std::string& mediaType, std::string& data) {
  if (url.rfind("data:", 0) != 0) return false;
  size_t semi = url.find(";base64,");
  if (semi == std::string::npos) return false;
  mediaType = url.substr(5, semi - 5);
  data = url.substr(semi + 8);
  return true;
}

json mediaBlock(const std::string& url, const std::string& param) {
  std::string mediaType, data;
  if (splitDataUri(url, mediaType, data)) {
    json source = {{"type", "base64"}, {"media_type", mediaType}, {"data", std::move(data)}};
    return {{"type", mediaType == "application/pdf" ? "document" : "image"}, {"source", std::move(source)}};
  }
  if (url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0)
    return {{"type", "image"}, {"source", {{"type", "url"}, {"url", url}}}};
  refuse("invalid_value", "image URLs must be data: URIs or http(s) URLs", param);
}

// OpenAI content (string or parts) -> Anthropic blocks; empty text is left out (Anthropic
// refuses empty text blocks).
json blocks(const json& content, const std::string& param) {
  json out = json::array();
  if (content.is_string()) {
    if (!content.get_ref<const std::string&>().empty()) out.push_back({{"type", "text"}, {"text", content}});
    return out;
  }
  if (!content.is_array()) return out;
  for (size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    std::string p = indexed(param, i);
    std::string type = part.is_object() ? stringOr(part, "type") : std::string();
    if (type == "text") {
      std::string text = stringOr(part, "text");
      if (!text.empty()) out.push_back({{"type", "text"}, {"text", std::move(text)}});
    } else if (type == "image_url") {
      const json* image = member(part, "image_url");
      std::string url = image == nullptr     ? std::string()
                        : image->is_string() ? image->get<std::string>()
                                             : stringOr(*image, "url");
      out.push_back(mediaBlock(url, p + ".image_url.url"));
    } else if (type == "file") {
      const json* file = member(part, "file");
      std::string data = file == nullptr ? std::string() : stringOr(*file, "file_data");
      std::string mediaType, base64;
      if (!splitDataUri(data, mediaType, base64) || mediaType != "application/pdf")
        refuse("invalid_value", "only PDF file parts with file_data can be sent to this model", p + ".file");
      json document = {{"type", "document"},
                       {"source", {{"type", "base64"}, {"media_type", mediaType}, {"data", std::move(base64)}}}};
      if (std::string name = stringOr(*file, "filename"); !name.empty()) document["title"] = name;
      out.push_back(std::move(document));
    } else if (type != "refusal") {
      refuse("invalid_value", "content part type '" + type + "' cannot be sent to this model", p + ".type");
    }
  }
  return out;
}

std::string textOf(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (!content.is_array()) return text;
  for (const auto& part : content) {
    if (!part.is_object() || stringOr(part, "type") != "text") continue;
    if (!text.empty()) text += '\n';
    text += stringOr(part, "text");
  }
  return text;
}

// Anthropic merges consecutive turns of one role; doing it here keeps tool results and the
// user's text of one turn in one message, tool results first.
void append(json& messages, const char* role, json content) {
  if (content.empty()) return;
  if (!messages.empty() && messages.back()["role"] == role) {
    for (auto& block : content) messages.back()["content"].push_back(std::move(block));
    return;
  }
  messages.push_back({{"role", role}, {"content", std::move(content)}});
}

json toolUse(const json& call, const std::string& param) {
  const json* function = member(call, "function");
  if (function == nullptr || !function->is_object())
    refuse("missing_required_parameter", "Field required", param + ".function");
  json input = json::parse(stringOr(*function, "arguments"), nullptr, false);
  if (!input.is_object()) input = json::object();
  return {{"type", "tool_use"},
          {"id", stringOr(call, "id")},
          {"name", stringOr(*function, "name")},
          {"input", std::move(input)}};
}

}  // namespace

std::string fromCanonical(std::string_view canonicalBody) {
  json in = json::parse(canonicalBody, nullptr, false);
  if (!in.is_object()) throw http::ApiError(400, "invalid_json", "request body must be a JSON object");
  json out = json::object();
  out["model"] = stringOr(in, "model");

  if (const json* n = member(in, "n"); n != nullptr && n->is_number() && n->get<double>() > 1)
    refuse("unsupported_value", "this model returns one choice per request", "n");

  json system = json::array();
  json messages = json::array();
  if (const json* list = member(in, "messages"); list != nullptr && list->is_array()) {
    for (size_t i = 0; i < list->size(); ++i) {
      const json& message = (*list)[i];
      std::string p = indexed("messages", i);
      if (!message.is_object()) refuse("invalid_type", "must be an object", p);
      std::string role = stringOr(message, "role");
      const json* content = member(message, "content");
      static const json kNone = json();
      const json& c = content == nullptr ? kNone : *content;
      if (role == "system" || role == "developer") {
        for (auto& block : blocks(c, p + ".content"))
          if (block["type"] == "text") system.push_back(std::move(block));
      } else if (role == "user") {
        append(messages, "user", blocks(c, p + ".content"));
      } else if (role == "assistant") {
        json turn = blocks(c, p + ".content");
        if (const json* calls = member(message, "tool_calls"); calls != nullptr && calls->is_array())
          for (size_t k = 0; k < calls->size(); ++k)
            turn.push_back(toolUse((*calls)[k], indexed(p + ".tool_calls", k)));
        append(messages, "assistant", std::move(turn));
      } else if (role == "tool") {
        json result = {
            {"type", "tool_result"}, {"tool_use_id", stringOr(message, "tool_call_id")}, {"content", textOf(c)}};
        append(messages, "user", json::array({std::move(result)}));
      } else {
        refuse("invalid_value", "role '" + role + "' cannot be sent to this model", p + ".role");
      }
    }
  }
  if (!system.empty()) out["system"] = std::move(system);
  out["messages"] = std::move(messages);

  const json* limit = member(in, "max_completion_tokens");
  if (limit == nullptr) limit = member(in, "max_tokens");
  out["max_tokens"] = limit != nullptr && limit->is_number_integer() ? limit->get<int64_t>() : kDefaultMaxTokens;

  if (const json* stop = member(in, "stop")) {
    if (stop->is_string() && !stop->get_ref<const std::string&>().empty()) out["stop_sequences"] = json::array({*stop});
    if (stop->is_array() && !stop->empty()) out["stop_sequences"] = *stop;
  }
  if (std::string user = stringOr(in, "user"); !user.empty()) out["metadata"] = {{"user_id", user}};

  json tools = json::array();
  if (const json* list = member(in, "tools"); list != nullptr && list->is_array()) {
    for (size_t i = 0; i < list->size(); ++i) {
      const json& tool = (*list)[i];
      const json* function = tool.is_object() ? member(tool, "function") : nullptr;
      if (stringOr(tool, "type") != "function" || function == nullptr)
        refuse("invalid_value", "only function tools can be sent to this model", indexed("tools", i) + ".type");
      json converted = {{"name", stringOr(*function, "name")}};
      if (std::string d = stringOr(*function, "description"); !d.empty()) converted["description"] = d;
      const json* schema = member(*function, "parameters");
      converted["input_schema"] =
          schema != nullptr && schema->is_object() ? *schema : json{{"type", "object"}, {"properties", json::object()}};
      tools.push_back(std::move(converted));
    }
  }
  json choice;
  if (const json* c = member(in, "tool_choice")) {
    if (c->is_string()) {
      const std::string& s = c->get_ref<const std::string&>();
      if (s == "auto") choice = {{"type", "auto"}};
      if (s == "required") choice = {{"type", "any"}};
      if (s == "none") choice = {{"type", "none"}};
    } else if (c->is_object()) {
      if (const json* f = member(*c, "function"); f != nullptr && f->is_object())
        choice = {{"type", "tool"}, {"name", stringOr(*f, "name")}};
    }
  }
  if (const json* p = member(in, "parallel_tool_calls"); p != nullptr && p->is_boolean() && !p->get<bool>()) {
    if (choice.is_null()) choice = {{"type", "auto"}};
    choice["disable_parallel_tool_use"] = true;
  }
  // Structured output as Anthropic's output_config.format rather than LiteLLM's forced tool: the
  // answer stays text in both directions (a forced tool would need every response, streamed
  // or whole, rewritten back from tool_use to text, and it conflicts with the client's own
  // tool_choice); models without structured outputs refuse it with a 400 the client sees.
  if (const json* format = member(in, "response_format"); format != nullptr && format->is_object()) {
    if (stringOr(*format, "type") == "json_schema") {
      const json* spec = member(*format, "json_schema");
      const json* schema = spec == nullptr ? nullptr : member(*spec, "schema");
      if (schema == nullptr || !schema->is_object())
        refuse("missing_required_parameter", "Field required", "response_format.json_schema.schema");
      out["output_config"] = {{"format", {{"type", "json_schema"}, {"schema", *schema}}}};
    }
  }
  if (!tools.empty()) {
    out["tools"] = std::move(tools);
    if (!choice.is_null()) out["tool_choice"] = std::move(choice);
  }

  bool fixed = fixedSampling(out["model"].get_ref<const std::string&>());
  if (const json* t = member(in, "temperature"); t != nullptr && t->is_number()) {
    double temperature = std::min(t->get<double>(), 1.0);
    if (!fixed || temperature == 1.0) out["temperature"] = temperature;
  }
  if (const json* t = member(in, "top_p"); t != nullptr && t->is_number()) {
    if (!fixed || t->get<double>() >= 0.99) out["top_p"] = *t;
  }
  if (const json* s = member(in, "stream"); s != nullptr && s->is_boolean() && s->get<bool>()) out["stream"] = true;
  return out.dump();
}

}  // namespace turnpike::dialects::anthropic
