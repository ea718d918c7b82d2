// /v1/responses requests -> canonical OpenAI chat requests.
#include <string>

#include "dialects/json_access.hpp"
#include "dialects/responses/responses_dialect.hpp"
#include "dialects/tool_names.hpp"
#include "http/api_error.hpp"

namespace turnpike::dialects::responses {

using nlohmann::json;

namespace {

[[noreturn]] void invalid(const std::string& message, const std::string& param,
                          std::string_view code = "invalid_request_error") {
  throw http::ApiError(400, code, message, param);
}

std::string at(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

const json* member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// `path` empty: a top-level member.
std::string requireString(const json& object, const char* key, const std::string& path) {
  std::string param = path.empty() ? std::string(key) : path + "." + key;
  const json* v = member(object, key);
  if (v == nullptr) invalid("Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
  if (!v->is_string()) invalid("Invalid type for '" + param + "': expected a string.", param, "invalid_type");
  return v->get<std::string>();
}

struct Translation {
  json messages = json::array();
  std::map<std::string, std::string> toolNames;
  // Images of function_call_output items: chat tool messages take text only, so they follow the
  // turn's tool messages as one user message.
  json pendingImages = json::array();

  void flushImages() {
    if (pendingImages.empty()) return;
    messages.push_back({{"role", "user"}, {"content", std::move(pendingImages)}});
    pendingImages = json::array();
  }

  // The assistant message that function_call items join: the last one when it is the last
  // message (its text and the calls are one turn), else a new one.
  json& assistantForCalls() {
    flushImages();
    if (messages.empty() || stringOf(messages.back(), "role") != "assistant") {
      messages.push_back({{"role", "assistant"}, {"content", nullptr}});
    }
    json& last = messages.back();
    if (!last.contains("tool_calls")) last["tool_calls"] = json::array();
    return last;
  }

  std::string toolName(const std::string& name, const std::string& param) {
    if (!toolNameCharactersValid(name))
      invalid("Invalid '" + param + "': a tool name must match ^[a-zA-Z0-9_-]+$.", param, "invalid_value");
    return canonicalToolName(name, toolNames);
  }
};

// input_image -> chat image_url part.
json imagePart(const json& part, const std::string& path) {
  const json* url = member(part, "image_url");
  if (url == nullptr) {
    if (member(part, "file_id") != nullptr)
      invalid("'" + path + ".file_id' is not supported: send the image as image_url (a URL or a data: URL).",
              path + ".file_id", "unsupported_parameter");
    invalid("Missing required parameter: '" + path + ".image_url'.", path + ".image_url", "missing_required_parameter");
  }
  if (!url->is_string()) invalid("Invalid type for '" + path + ".image_url': expected a string.", path + ".image_url",
                                 "invalid_type");
  json image = {{"url", *url}};
  if (const json* detail = member(part, "detail"); detail != nullptr && detail->is_string()) image["detail"] = *detail;
  return {{"type", "image_url"}, {"image_url", std::move(image)}};
}

// input_file -> chat file part (inline data only: no upstream here can read OpenAI file ids).
json filePart(const json& part, const std::string& path) {
  const json* data = member(part, "file_data");
  if (data == nullptr || !data->is_string()) {
    std::string which = member(part, "file_id") != nullptr ? "file_id" : member(part, "file_url") != nullptr ? "file_url" : "";
    if (!which.empty())
      invalid("'" + path + "." + which + "' is not supported: send the file inline as file_data.", path + "." + which,
              "unsupported_parameter");
    invalid("Missing required parameter: '" + path + ".file_data'.", path + ".file_data", "missing_required_parameter");
  }
  json file = {{"file_data", *data}};
  if (const json* name = member(part, "filename"); name != nullptr && name->is_string()) file["filename"] = *name;
  return {{"type", "file"}, {"file", std::move(file)}};
}

// A content list -> chat content: a string when it is all text (joined by `joiner`), else parts.
json contentOf(const json& content, const std::string& path, bool allowMedia, std::string_view joiner) {
  if (content.is_string()) return content;
  if (!content.is_array()) invalid("Invalid type for '" + path + "': expected a string or an array.", path, "invalid_type");
  json parts = json::array();
  bool allText = true;
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    std::string partPath = at(path, i);
    if (!part.is_object()) invalid("Invalid type for '" + partPath + "': expected an object.", partPath, "invalid_type");
    std::string type = stringOf(part, "type");
    if (type == "input_text" || type == "output_text" || type == "text" || type == "summary_text" ||
        type == "reasoning_text") {
      std::string t = requireString(part, "text", partPath);
      if (!parts.empty()) text += joiner;
      text += t;
      parts.push_back({{"type", "text"}, {"text", std::move(t)}});
    } else if (type == "refusal") {
      std::string t = requireString(part, "refusal", partPath);
      if (!parts.empty()) text += joiner;
      text += t;
      parts.push_back({{"type", "text"}, {"text", std::move(t)}});
    } else if (allowMedia && type == "input_image") {
      allText = false;
      parts.push_back(imagePart(part, partPath));
    } else if (allowMedia && type == "input_file") {
      allText = false;
      parts.push_back(filePart(part, partPath));
    } else {
      invalid("Invalid value for '" + partPath + ".type': '" + type + "' is not supported here.", partPath + ".type",
              "invalid_value");
    }
  }
  if (allText) return text;
  return parts;
}

// function_call_output / custom_tool_call_output `output` -> the tool message's text; images go
// to pendingImages.
std::string toolOutputText(const json& output, const std::string& path, Translation& t) {
  if (output.is_string()) return output.get<std::string>();
  if (!output.is_array()) invalid("Invalid type for '" + path + "': expected a string or an array.", path, "invalid_type");
  std::string text;
  for (size_t i = 0; i < output.size(); ++i) {
    const json& part = output[i];
    std::string partPath = at(path, i);
    std::string type = part.is_object() ? stringOf(part, "type") : "";
    if (type == "input_text" || type == "output_text" || type == "text") {
      if (!text.empty()) text += "\n";
      text += requireString(part, "text", partPath);
    } else if (type == "input_image") {
      t.pendingImages.push_back(imagePart(part, partPath));
    } else if (type == "input_file") {
      t.pendingImages.push_back(filePart(part, partPath));
    } else {
      invalid("Invalid value for '" + partPath + ".type': '" + type + "' is not supported here.", partPath + ".type",
              "invalid_value");
    }
  }
  return text;
}

void messageItem(const json& item, const std::string& path, Translation& t) {
  std::string role = requireString(item, "role", path);
  const json* content = member(item, "content");
  if (content == nullptr) invalid("Missing required parameter: '" + path + ".content'.", path + ".content",
                                  "missing_required_parameter");
  if (role == "developer") role = "system";  // the same meaning; more OpenAI-compatible upstreams take "system"
  if (role != "user" && role != "assistant" && role != "system")
    invalid("Invalid value for '" + path + ".role': expected user, assistant, system or developer.", path + ".role",
            "invalid_value");
  t.flushImages();
  json converted = contentOf(*content, path + ".content", role == "user", role == "assistant" ? "" : "\n");
  t.messages.push_back({{"role", role}, {"content", std::move(converted)}});
}

void functionCallItem(const json& item, const std::string& path, Translation& t) {
  std::string callId = requireString(item, "call_id", path);
  std::string name = t.toolName(requireString(item, "name", path), path + ".name");
  std::string arguments = requireString(item, "arguments", path);
  t.assistantForCalls()["tool_calls"].push_back(
      {{"id", callId}, {"type", "function"}, {"function", {{"name", name}, {"arguments", arguments}}}});
}

void customCallItem(const json& item, const std::string& path, Translation& t) {
  std::string callId = requireString(item, "call_id", path);
  std::string name = t.toolName(requireString(item, "name", path), path + ".name");
  std::string input = requireString(item, "input", path);
  t.assistantForCalls()["tool_calls"].push_back(
      {{"id", callId}, {"type", "custom"}, {"custom", {{"name", name}, {"input", input}}}});
}

void callOutputItem(const json& item, const std::string& path, Translation& t) {
  std::string callId = requireString(item, "call_id", path);
  const json* output = member(item, "output");
  if (output == nullptr) invalid("Missing required parameter: '" + path + ".output'.", path + ".output",
                                 "missing_required_parameter");
  std::string text = toolOutputText(*output, path + ".output", t);
  t.messages.push_back({{"role", "tool"}, {"tool_call_id", callId}, {"content", std::move(text)}});
}

void inputItems(const json& input, Translation& t) {
  if (input.is_string()) {
    t.messages.push_back({{"role", "user"}, {"content", input}});
    return;
  }
  if (!input.is_array()) invalid("Invalid type for 'input': expected a string or an array of items.", "input", "invalid_type");
  for (size_t i = 0; i < input.size(); ++i) {
    const json& item = input[i];
    std::string path = at("input", i);
    if (!item.is_object()) invalid("Invalid type for '" + path + "': expected an object.", path, "invalid_type");
    // An easy input message ({role, content}) has no type.
    std::string type = item.contains("type") ? stringOf(item, "type") : item.contains("role") ? "message" : "";
    if (type == "message") {
      messageItem(item, path, t);
    } else if (type == "function_call") {
      functionCallItem(item, path, t);
    } else if (type == "custom_tool_call") {
      customCallItem(item, path, t);
    } else if (type == "function_call_output" || type == "custom_tool_call_output") {
      callOutputItem(item, path, t);
    } else if (type == "reasoning") {
      continue;  // not canonical: no upstream here takes another model's reasoning back
    } else {
      invalid("Invalid value for '" + path + ".type': input items of type '" + type + "' are not supported.",
              path + ".type", "invalid_value");
    }
  }
  t.flushImages();
}

json functionTool(const json& tool, const std::string& path, Translation& t) {
  json function = {{"name", t.toolName(requireString(tool, "name", path), path + ".name")}};
  for (const char* key : {"description", "parameters", "strict"})
    if (const json* v = member(tool, key)) function[key] = *v;
  return {{"type", "function"}, {"function", std::move(function)}};
}

json customTool(const json& tool, const std::string& path, Translation& t) {
  json custom = {{"name", t.toolName(requireString(tool, "name", path), path + ".name")}};
  for (const char* key : {"description", "format"})
    if (const json* v = member(tool, key)) custom[key] = *v;
  return {{"type", "custom"}, {"custom", std::move(custom)}};
}

json toolsOf(const json& tools, Translation& t) {
  if (!tools.is_array()) invalid("Invalid type for 'tools': expected an array.", "tools", "invalid_type");
  json out = json::array();
  for (size_t i = 0; i < tools.size(); ++i) {
    const json& tool = tools[i];
    std::string path = at("tools", i);
    if (!tool.is_object()) invalid("Invalid type for '" + path + "': expected an object.", path, "invalid_type");
    std::string type = stringOf(tool, "type");
    if (type == "function") {
      out.push_back(functionTool(tool, path, t));
    } else if (type == "custom") {
      out.push_back(customTool(tool, path, t));
    } else {
      // Built-in tools (web_search, file_search, computer_use_preview, code_interpreter, mcp ...)
      // run at OpenAI; no upstream of this gateway runs them.
      invalid("The tool type '" + type + "' is not supported by this gateway; only function and custom tools are.",
              path + ".type", "unsupported_parameter");
    }
  }
  return out;
}

json toolChoiceOf(const json& choice, Translation& t) {
  if (choice.is_string()) {
    std::string s = choice.get<std::string>();
    if (s != "none" && s != "auto" && s != "required")
      invalid("Invalid value for 'tool_choice': expected none, auto, required or a tool.", "tool_choice", "invalid_value");
    return choice;
  }
  if (!choice.is_object()) invalid("Invalid type for 'tool_choice'.", "tool_choice", "invalid_type");
  std::string type = stringOf(choice, "type");
  if (type == "function" || type == "custom") {
    std::string name = t.toolName(requireString(choice, "name", "tool_choice"), "tool_choice.name");
    return {{"type", type}, {type, {{"name", name}}}};
  }
  invalid("Invalid value for 'tool_choice.type': '" + type + "' is not supported by this gateway.", "tool_choice.type",
          "unsupported_parameter");
}

json responseFormatOf(const json& text) {
  const json* format = text.is_object() ? member(text, "format") : nullptr;
  if (format == nullptr) return nullptr;
  std::string type = format->is_object() ? stringOf(*format, "type") : "";
  if (type == "text") return nullptr;
  if (type == "json_object") return {{"type", "json_object"}};
  if (type == "json_schema") {
    json schema = {{"name", requireString(*format, "name", "text.format")}};
    for (const char* key : {"schema", "description", "strict"})
      if (const json* v = member(*format, key)) schema[key] = *v;
    return {{"type", "json_schema"}, {"json_schema", std::move(schema)}};
  }
  invalid("Invalid value for 'text.format.type': expected text, json_object or json_schema.", "text.format.type",
          "invalid_value");
}

void copyNumber(const json& request, const char* key, json& body) {
  const json* v = member(request, key);
  if (v == nullptr) return;
  if (!v->is_number()) invalid(std::string("Invalid type for '") + key + "': expected a number.", key, "invalid_type");
  body[key] = *v;
}

// What the Response object echoes, with the API's defaults for what the request left out.
json echoOf(const json& request) {
  auto get = [&](const char* key, json fallback) {
    const json* v = member(request, key);
    return v != nullptr ? *v : fallback;
  };
  return json{{"instructions", get("instructions", nullptr)},
              {"tools", get("tools", json::array())},
              {"tool_choice", get("tool_choice", "auto")},
              {"temperature", get("temperature", 1.0)},
              {"top_p", get("top_p", 1.0)},
              {"max_output_tokens", get("max_output_tokens", nullptr)},
              {"parallel_tool_calls", get("parallel_tool_calls", true)},
              {"text", get("text", json{{"format", {{"type", "text"}}}})},
              {"reasoning", get("reasoning", json{{"effort", nullptr}, {"summary", nullptr}})},
              {"metadata", get("metadata", json::object())},
              {"store", get("store", true)},
              {"previous_response_id", get("previous_response_id", nullptr)},
              {"truncation", get("truncation", "disabled")},
              {"user", get("user", nullptr)}};
}

// Instructions (when `withInstructions`), then the history, then the input.
void conversation(const json& request, const json& history, bool withInstructions, Translation& t) {
  if (const json* instructions = member(request, "instructions")) {
    if (!instructions->is_string()) invalid("Invalid type for 'instructions': expected a string.", "instructions", "invalid_type");
    if (withInstructions && !instructions->get_ref<const std::string&>().empty())
      t.messages.push_back({{"role", "system"}, {"content", *instructions}});
  }
  if (history.is_array())
    for (const json& m : history) t.messages.push_back(m);
  if (const json* input = member(request, "input")) inputItems(*input, t);
}

}  // namespace

json conversationAfter(const json& request, const json& history, const json& response) {
  Translation t;
  if (request.is_object()) conversation(request, history, false, t);
  for (json& m : outputMessages(response)) t.messages.push_back(std::move(m));
  return std::move(t.messages);
}

CanonicalRequest toCanonical(const json& request, const json& history) {
  if (!request.is_object()) invalid("The request body must be a JSON object.", "");
  for (const char* refused : {"background", "conversation", "prompt"}) {
    const json* v = member(request, refused);
    if (v != nullptr && !(v->is_boolean() && !v->get<bool>()))
      invalid(std::string("'") + refused + "' is not supported by this gateway.", refused, "unsupported_parameter");
  }
  Translation t;
  json body = json::object();
  std::string model = requireString(request, "model", "");
  if (model.empty()) invalid("Invalid 'model': empty string.", "model", "invalid_value");
  body["model"] = std::move(model);
  conversation(request, history, true, t);
  if (t.messages.empty()) invalid("Missing required parameter: 'input'.", "input", "missing_required_parameter");

  if (const json* tools = member(request, "tools")) {
    json converted = toolsOf(*tools, t);
    if (!converted.empty()) {
      body["tools"] = std::move(converted);
      if (const json* parallel = member(request, "parallel_tool_calls"); parallel != nullptr && parallel->is_boolean())
        body["parallel_tool_calls"] = *parallel;
    }
  }
  if (const json* choice = member(request, "tool_choice")) {
    json converted = toolChoiceOf(*choice, t);
    // Chat upstreams refuse a tool_choice without tools; without tools it means nothing.
    if (body.contains("tools")) body["tool_choice"] = std::move(converted);
  }
  if (const json* max = member(request, "max_output_tokens")) {
    if (!max->is_number_integer() || max->get<int64_t>() < 1)
      invalid("Invalid 'max_output_tokens': expected an integer of at least 1.", "max_output_tokens", "invalid_value");
    body["max_tokens"] = *max;
  }
  copyNumber(request, "temperature", body);
  copyNumber(request, "top_p", body);
  if (const json* stream = member(request, "stream")) {
    if (!stream->is_boolean()) invalid("Invalid type for 'stream': expected a boolean.", "stream", "invalid_type");
    if (stream->get<bool>()) {
      body["stream"] = true;
      body["stream_options"] = {{"include_usage", true}};  // the usage that completes the Response
    }
  }
  if (const json* text = member(request, "text")) {
    json format = responseFormatOf(*text);
    if (!format.is_null()) body["response_format"] = std::move(format);
  }
  if (const json* reasoning = member(request, "reasoning"); reasoning != nullptr && reasoning->is_object()) {
    if (const json* effort = member(*reasoning, "effort")) {
      if (!effort->is_string()) invalid("Invalid type for 'reasoning.effort': expected a string.", "reasoning.effort", "invalid_type");
      body["reasoning_effort"] = *effort;
    }
  }
  if (const json* user = member(request, "user"); user != nullptr && user->is_string()) body["user"] = *user;
  // store, previous_response_id: the caller's (it keeps and looks up responses); metadata,
  // truncation, include, service_tier, prompt_cache_key ...: meaningful at OpenAI only, echoed
  // where the Response object carries them.
  body["messages"] = std::move(t.messages);

  CanonicalRequest out;
  out.body = body.dump();
  out.toolNames = std::move(t.toolNames);
  out.echo = echoOf(request);
  return out;
}

}  // namespace turnpike::dialects::responses
