// Messages request -> canonical OpenAI chat request.
#include <string>

#include "dialects/anthropic/anthropic_common.hpp"
#include "dialects/anthropic/anthropic_dialect.hpp"
#include "dialects/tool_names.hpp"
#include "http/api_error.hpp"

namespace turnpike::dialects::anthropic {
namespace {

using nlohmann::json;

const std::string& stringMember(const json& object, const char* key, const std::string& param) {
  const json* v = member(object, key);
  std::string path = param.empty() ? std::string(key) : param + "." + key;
  if (v == nullptr) refuse("missing_required_parameter", "Field required", path);
  if (!v->is_string()) refuse("invalid_type", "must be a string", path);
  return v->get_ref<const std::string&>();
}

bool validToolName(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

json imagePart(const json& block, const std::string& param);

// Each block of a content array, checked to be an object with a type, with its param path.
template <class Visit>
void forEachBlock(const json& content, const std::string& param, Visit visit) {
  for (size_t i = 0; i < content.size(); ++i) {
    const json& block = content[i];
    std::string p = indexed(param, i);
    if (!block.is_object()) refuse("invalid_type", "must be an object", p);
    visit(block, p, stringMember(block, "type", p));
  }
}

// The text of a string or an array of text blocks (system prompts, tool results, system
// messages); images in tool results go to `images` when given.
std::string textOf(const json& content, const std::string& param, const char* separator, json* images = nullptr) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) refuse("invalid_type", "must be a string or an array of content blocks", param);
  std::string text;
  bool first = true;
  forEachBlock(content, param, [&](const json& block, const std::string& p, const std::string& type) {
    if (type == "image" && images != nullptr) {
      images->push_back(imagePart(block, p));
      return;
    }
    if (type != "text") refuse("invalid_value", "content block type '" + type + "' is not allowed here", p + ".type");
    if (!first) text += separator;
    text += stringMember(block, "text", p);
    first = false;
  });
  return text;
}

// image block -> OpenAI image_url part (data: URI for base64 sources).
json imagePart(const json& block, const std::string& param) {
  const json* source = member(block, "source");
  if (source == nullptr || !source->is_object())
    refuse("missing_required_parameter", "Field required", param + ".source");
  const std::string& type = stringMember(*source, "type", param + ".source");
  std::string url;
  if (type == "base64") {
    url = "data:" + stringMember(*source, "media_type", param + ".source") + ";base64," +
          stringMember(*source, "data", param + ".source");
  } else if (type == "url") {
    url = stringMember(*source, "url", param + ".source");
  } else {
    refuse("invalid_value", "image source type '" + type + "' is not supported here (base64 and url are)",
           param + ".source.type");
  }
  return {{"type", "image_url"}, {"image_url", {{"url", std::move(url)}}}};
}

// document block -> a file part (PDF) or text (plain-text and content sources).
json documentPart(const json& block, const std::string& param) {
  const json* source = member(block, "source");
  if (source == nullptr || !source->is_object())
    refuse("missing_required_parameter", "Field required", param + ".source");
  std::string sp = param + ".source";
  const std::string& type = stringMember(*source, "type", sp);
  if (type == "base64") {
    const std::string& mediaType = stringMember(*source, "media_type", sp);
    if (mediaType != "application/pdf")
      refuse("invalid_value", "document media_type '" + mediaType + "' is not supported (application/pdf is)",
             sp + ".media_type");
    json file = {{"file_data", "data:application/pdf;base64," + stringMember(*source, "data", sp)}};
    const json* title = member(block, "title");
    file["filename"] = title != nullptr && title->is_string() ? title->get<std::string>() : std::string("document.pdf");
    return {{"type", "file"}, {"file", std::move(file)}};
  }
  if (type == "text") return {{"type", "text"}, {"text", stringMember(*source, "data", sp)}};
  if (type == "content") {
    const json* content = member(*source, "content");
    if (content == nullptr) refuse("missing_required_parameter", "Field required", sp + ".content");
    return {{"type", "text"}, {"text", textOf(*content, sp + ".content", "\n")}};
  }
  refuse("invalid_value", "document source type '" + type + "' is not supported here (base64, text and content are)",
         sp + ".type");
}

// One tool_result block -> a role:"tool" message. OpenAI has no is_error: the text says it.
json toolMessage(const json& block, const std::string& param, json& images) {
  json message = {{"role", "tool"}, {"tool_call_id", stringMember(block, "tool_use_id", param)}};
  const json* content = member(block, "content");
  std::string text = content == nullptr ? std::string() : textOf(*content, param + ".content", "\n", &images);
  const json* isError = member(block, "is_error");
  if (isError != nullptr && isError->is_boolean() && isError->get<bool>())
    text = text.empty() ? "Error" : "Error: " + text;
  message["content"] = std::move(text);
  return message;
}

void userMessage(const json& content, const std::string& param, json& messages) {
  if (content.is_string()) {
    messages.push_back({{"role", "user"}, {"content", content}});
    return;
  }
  json parts = json::array();
  json toolImages = json::array();
  forEachBlock(content, param, [&](const json& block, const std::string& p, const std::string& type) {
    if (type == "text") {
      parts.push_back({{"type", "text"}, {"text", stringMember(block, "text", p)}});
    } else if (type == "image") {
      parts.push_back(imagePart(block, p));
    } else if (type == "document") {
      parts.push_back(documentPart(block, p));
    } else if (type == "tool_result") {
      // Tool messages answer the assistant's calls, so they come before this turn's text.
      messages.push_back(toolMessage(block, p, toolImages));
    } else if (type == "thinking" || type == "redacted_thinking" || type == "tool_use") {
      refuse("invalid_value", "'" + type + "' blocks are only allowed in assistant messages", p + ".type");
    } else {
      refuse("invalid_value", "unknown content block type '" + type + "'", p + ".type");
    }
  });
  // OpenAI tool messages carry text only: images a tool returned follow as the user's.
  parts.insert(parts.begin(), toolImages.begin(), toolImages.end());
  if (parts.empty()) return;
  if (parts.size() == 1 && parts[0]["type"] == "text") {
    messages.push_back({{"role", "user"}, {"content", parts[0]["text"]}});
  } else {
    messages.push_back({{"role", "user"}, {"content", std::move(parts)}});
  }
}

void assistantMessage(const json& content, const std::string& param, json& messages) {
  if (content.is_string()) {
    messages.push_back({{"role", "assistant"}, {"content", content}});
    return;
  }
  std::string text;
  json toolCalls = json::array();
  forEachBlock(content, param, [&](const json& block, const std::string& p, const std::string& type) {
    if (type == "text") {
      if (!text.empty()) text += '\n';
      text += stringMember(block, "text", p);
    } else if (type == "tool_use") {
      const json* input = member(block, "input");
      toolCalls.push_back({{"id", stringMember(block, "id", p)},
                           {"type", "function"},
                           {"function",
                            {{"name", canonicalToolName(stringMember(block, "name", p))},
                             {"arguments", input == nullptr ? std::string("{}") : input->dump()}}}});
    } else if (type == "thinking" || type == "redacted_thinking") {
      return;  // reasoning is not canonical in requests; signatures only mean something to Anthropic
    } else if (type == "image" || type == "document" || type == "tool_result") {
      refuse("invalid_value", "'" + type + "' blocks are only allowed in user messages", p + ".type");
    } else {
      refuse("invalid_value", "unknown content block type '" + type + "'", p + ".type");
    }
  });
  if (text.empty() && toolCalls.empty()) return;  // only thinking: nothing canonical left
  json message = {{"role", "assistant"}, {"content", text.empty() ? json() : json(text)}};
  if (!toolCalls.empty()) message["tool_calls"] = std::move(toolCalls);
  messages.push_back(std::move(message));
}

json tools(const json& list, std::map<std::string, std::string>& toolNames) {
  if (!list.is_array()) refuse("invalid_type", "must be an array", "tools");
  json out = json::array();
  for (size_t i = 0; i < list.size(); ++i) {
    const json& tool = list[i];
    std::string p = indexed("tools", i);
    if (!tool.is_object()) refuse("invalid_type", "must be an object", p);
    const json* type = member(tool, "type");
    if (type != nullptr && !(type->is_string() && *type == "custom")) {
      std::string name = type->is_string() ? type->get<std::string>() : type->dump();
      refuse("unsupported_tool",
             "the Anthropic server tool '" + name + "' is not supported: no upstream of this gateway runs it",
             p + ".type");
    }
    const std::string& name = stringMember(tool, "name", p);
    if (!validToolName(name)) refuse("invalid_value", "must match ^[a-zA-Z0-9_-]{1,128}$", p + ".name");
    const json* schema = member(tool, "input_schema");
    if (schema == nullptr) refuse("missing_required_parameter", "Field required", p + ".input_schema");
    if (!schema->is_object()) refuse("invalid_type", "must be an object", p + ".input_schema");
    std::string canonical = canonicalToolName(name);
    if (canonical != name) toolNames[canonical] = name;
    json function = {{"name", std::move(canonical)}, {"parameters", *schema}};
    const json* description = member(tool, "description");
    if (description != nullptr && description->is_string()) function["description"] = *description;
    out.push_back({{"type", "function"}, {"function", std::move(function)}});
  }
  return out;
}

void toolChoice(const json& choice, json& out) {
  if (!choice.is_object()) refuse("invalid_type", "must be an object", "tool_choice");
  const std::string& type = stringMember(choice, "type", "tool_choice");
  if (type == "auto") {
    out["tool_choice"] = "auto";
  } else if (type == "any") {
    out["tool_choice"] = "required";
  } else if (type == "none") {
    out["tool_choice"] = "none";
  } else if (type == "tool") {
    out["tool_choice"] = {{"type", "function"},
                          {"function", {{"name", canonicalToolName(stringMember(choice, "name", "tool_choice"))}}}};
  } else {
    refuse("invalid_value", "unknown tool_choice type '" + type + "'", "tool_choice.type");
  }
  const json* noParallel = member(choice, "disable_parallel_tool_use");
  if (noParallel != nullptr && noParallel->is_boolean() && noParallel->get<bool>()) out["parallel_tool_calls"] = false;
}

void number(const json& request, const char* key, json& out) {
  const json* v = member(request, key);
  if (v == nullptr) return;
  if (!v->is_number()) refuse("invalid_type", "must be a number", key);
  out[key] = *v;
}

}  // namespace

CanonicalRequest toCanonical(const json& request, RequestKind kind) {
  if (!request.is_object()) throw http::ApiError(400, "invalid_json", "request body must be a JSON object");
  CanonicalRequest result;
  json out = json::object();
  const std::string& model = stringMember(request, "model", {});
  if (model.empty()) refuse("invalid_value", "must not be empty", "model");
  out["model"] = model;

  if (const json* maxTokens = member(request, "max_tokens")) {
    if (!maxTokens->is_number_integer() || maxTokens->get<int64_t>() <= 0)
      refuse("invalid_value", "must be a positive integer", "max_tokens");
    out["max_tokens"] = *maxTokens;
  } else if (kind == RequestKind::Messages) {
    refuse("missing_required_parameter", "Field required", "max_tokens");
  }

  json messages = json::array();
  if (const json* system = member(request, "system")) {
    std::string text = textOf(*system, "system", "\n\n");
    if (!text.empty()) messages.push_back({{"role", "system"}, {"content", std::move(text)}});
  }
  const json* list = member(request, "messages");
  if (list == nullptr) refuse("missing_required_parameter", "Field required", "messages");
  if (!list->is_array()) refuse("invalid_type", "must be an array", "messages");
  if (list->empty()) refuse("invalid_value", "at least one message is required", "messages");
  for (size_t i = 0; i < list->size(); ++i) {
    const json& message = (*list)[i];
    std::string p = indexed("messages", i);
    if (!message.is_object()) refuse("invalid_type", "must be an object", p);
    const std::string& role = stringMember(message, "role", p);
    const json* content = member(message, "content");
    if (content == nullptr) refuse("missing_required_parameter", "Field required", p + ".content");
    if (!content->is_string() && !content->is_array())
      refuse("invalid_type", "must be a string or an array of content blocks", p + ".content");
    if (role == "user") {
      userMessage(*content, p + ".content", messages);
    } else if (role == "assistant") {
      assistantMessage(*content, p + ".content", messages);
    } else if (role == "system") {
      std::string text = textOf(*content, p + ".content", "\n\n");
      if (!text.empty()) messages.push_back({{"role", "system"}, {"content", std::move(text)}});
    } else {
      refuse("invalid_value", "role must be 'user', 'assistant' or 'system'", p + ".role");
    }
  }
  out["messages"] = std::move(messages);

  // OpenAI refuses tool_choice and parallel_tool_calls without tools.
  if (const json* list = member(request, "tools")) {
    json converted = tools(*list, result.toolNames);
    if (!converted.empty()) {
      out["tools"] = std::move(converted);
      if (const json* choice = member(request, "tool_choice")) toolChoice(*choice, out);
    }
  }

  if (const json* stop = member(request, "stop_sequences")) {
    if (!stop->is_array()) refuse("invalid_type", "must be an array of strings", "stop_sequences");
    for (const auto& s : *stop)
      if (!s.is_string()) refuse("invalid_type", "must be an array of strings", "stop_sequences");
    if (!stop->empty()) out["stop"] = *stop;
  }
  if (const json* metadata = member(request, "metadata"); metadata != nullptr && metadata->is_object()) {
    if (const json* user = member(*metadata, "user_id"); user != nullptr && user->is_string()) out["user"] = *user;
  }
  number(request, "temperature", out);
  number(request, "top_p", out);
  if (const json* stream = member(request, "stream")) {
    if (!stream->is_boolean()) refuse("invalid_type", "must be a boolean", "stream");
    if (stream->get<bool>()) {
      out["stream"] = true;
      out["stream_options"] = {{"include_usage", true}};
    }
  }
  // top_k, thinking, cache_control, context_management, output_config, service_tier and members
  // this gateway does not know: no OpenAI upstream takes them, so they stop here.
  result.body = out.dump();
  return result;
}

}  // namespace turnpike::dialects::anthropic
