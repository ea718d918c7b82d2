#include "gemini/gemini_request.hpp"

#include <cctype>
#include <map>
#include <stdexcept>

#include "gemini/gemini_schema.hpp"
#include "gemini/tool_call_id.hpp"

namespace turnpike::gemini {

using nlohmann::json;

namespace {

[[noreturn]] void refuse(const std::string& message) { throw std::invalid_argument(message); }

std::string at(size_t i) { return "messages[" + std::to_string(i) + "]"; }

// Text of a content that may be a string or an array of text parts.
std::string textOf(const json& content, const std::string& where) {
  if (content.is_null()) return {};
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) refuse(where + ".content must be a string or an array of parts");
  std::string text;
  for (const auto& part : content) {
    std::string type = part.is_object() ? part.value("type", "") : "";
    if (type != "text" && type != "refusal") refuse(where + ".content holds a '" + type + "' part where only text is allowed");
    const char* member = type == "text" ? "text" : "refusal";
    if (!part.contains(member) || !part[member].is_string()) refuse(where + ".content part has no " + member);
    text += part[member].get<std::string>();
  }
  return text;
}

std::string mimeFromUrl(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::map<std::string, std::string> kTypes{
      {"png", "image/png"},   {"jpg", "image/jpeg"},  {"jpeg", "image/jpeg"},     {"gif", "image/gif"},
      {"webp", "image/webp"}, {"heic", "image/heic"}, {"heif", "image/heif"},     {"pdf", "application/pdf"},
      {"mp3", "audio/mp3"},   {"wav", "audio/wav"},   {"mp4", "video/mp4"},       {"txt", "text/plain"}};
  auto it = kTypes.find(ext);
  return it != kTypes.end() ? it->second : "image/jpeg";
}

// data:<mime>;base64,<data> -> inlineData; http(s) -> fileData.
json imagePart(const json& part, const std::string& where) {
  const json& image = part.contains("image_url") ? part["image_url"] : json();
  std::string url = image.is_string() ? image.get<std::string>()
                    : image.is_object() && image.contains("url") && image["url"].is_string() ? image["url"].get<std::string>()
                                                                                             : "";
  if (url.rfind("data:", 0) == 0) {
    auto comma = url.find(',');
    std::string header = url.substr(5, comma == std::string::npos ? 0 : comma - 5);
    const std::string marker = ";base64";
    if (comma == std::string::npos || header.size() < marker.size() ||
        header.compare(header.size() - marker.size(), marker.size(), marker) != 0)
      refuse(where + ": image data URIs must be base64 (data:<type>;base64,...)");
    std::string mime = header.substr(0, header.size() - marker.size());
    if (mime.empty()) mime = "image/png";
    return {{"inlineData", {{"mimeType", mime}, {"data", url.substr(comma + 1)}}}};
  }
  if (url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0)
    return {{"fileData", {{"mimeType", mimeFromUrl(url)}, {"fileUri", url}}}};
  refuse(where + ": image_url.url must be a data: URI or an http(s) URL");
}

json userParts(const json& content, const std::string& where) {
  json parts = json::array();
  if (content.is_string()) {
    parts.push_back({{"text", content}});
    return parts;
  }
  if (!content.is_array()) refuse(where + ".content must be a string or an array of parts");
  for (size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    std::string partWhere = where + ".content[" + std::to_string(i) + "]";
    std::string type = part.is_object() ? part.value("type", "") : "";
    if (type == "text") {
      if (!part.contains("text") || !part["text"].is_string()) refuse(partWhere + " has no text");
      parts.push_back({{"text", part["text"]}});
    } else if (type == "image_url") {
      parts.push_back(imagePart(part, partWhere));
    } else if (type == "input_audio") {
      const json& audio = part.value("input_audio", json::object());
      if (!audio.is_object() || !audio.contains("data") || !audio["data"].is_string())
        refuse(partWhere + " has no input_audio.data");
      parts.push_back({{"inlineData", {{"mimeType", "audio/" + audio.value("format", std::string("wav"))}, {"data", audio["data"]}}}});
    } else {
      refuse(partWhere + ": Gemini takes text, image_url and input_audio parts, not '" + type + "'");
    }
  }
  return parts;
}

json arguments(const json& call, const std::string& where) {
  const json& function = call.value("function", json::object());
  std::string text = function.is_object() ? function.value("arguments", "") : "";
  if (text.empty()) return json::object();
  json args = json::parse(text, nullptr, false);
  if (args.is_discarded() || !args.is_object()) refuse(where + ".function.arguments must be a JSON object");
  return args;
}

// What a tool returned, as Gemini's functionResponse.response (a JSON object).
json toolResponse(const json& content, const std::string& where) {
  std::string text = textOf(content, where);
  json parsed = json::parse(text, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_object()) return parsed;
  return {{"result", text}};
}

// Gemini 3 refuses a model turn whose function calls carry no thought signature (calls replayed
// from another model, or made up by the client); its documented escape hatch is this value.
constexpr const char* kSkipSignature = "skip_thought_signature_validator";

struct Translated {
  json contents = json::array();
  json system = json::array();
};

// Only the first call of a turn carries the signature (parallel calls share it).
void signFirstCall(json& parts) {
  json* first = nullptr;
  for (auto& part : parts) {
    if (!part.contains("functionCall")) continue;
    if (part.contains("thoughtSignature")) return;
    if (first == nullptr) first = &part;
  }
  if (first != nullptr) (*first)["thoughtSignature"] = kSkipSignature;
}

Translated translateMessages(const json& chat, const std::string& model) {
  bool needsSignatures = model.rfind("gemini-3", 0) == 0;
  if (!chat.contains("messages") || !chat["messages"].is_array() || chat["messages"].empty())
    refuse("messages must be a non-empty array");
  const json& messages = chat["messages"];
  Translated out;
  std::map<std::string, std::string> toolNames;  // tool_call_id -> function name
  bool lastWasTool = false;
  for (size_t i = 0; i < messages.size(); ++i) {
    const json& m = messages[i];
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) refuse(at(i) + " has no role");
    std::string role = m["role"];
    const json content = m.value("content", json());
    bool isTool = role == "tool";
    if (role == "system" || role == "developer") {
      std::string text = textOf(content, at(i));
      if (!text.empty()) out.system.push_back({{"text", text}});
    } else if (role == "user") {
      out.contents.push_back({{"role", "user"}, {"parts", userParts(content, at(i))}});
    } else if (role == "assistant") {
      json parts = json::array();
      std::string text = textOf(content, at(i));
      if (!text.empty()) parts.push_back({{"text", text}});
      if (m.contains("tool_calls") && m["tool_calls"].is_array()) {
        for (size_t j = 0; j < m["tool_calls"].size(); ++j) {
          const json& call = m["tool_calls"][j];
          std::string where = at(i) + ".tool_calls[" + std::to_string(j) + "]";
          const json& function = call.value("function", json::object());
          if (!function.is_object() || !function.contains("name") || !function["name"].is_string())
            refuse(where + " has no function.name");
          std::string id = call.value("id", "");
          toolNames[id] = function["name"];
          json part = {{"functionCall", {{"name", function["name"]}, {"args", arguments(call, where)}}}};
          auto decoded = decodeToolCallId(id);
          if (!decoded.signature.empty()) part["thoughtSignature"] = decoded.signature;
          parts.push_back(std::move(part));
        }
      }
      if (needsSignatures) signFirstCall(parts);
      // A turn with nothing in it (content "" and no calls) is refused by Gemini: leave it out.
      if (!parts.empty()) out.contents.push_back({{"role", "model"}, {"parts", parts}});
    } else if (isTool) {
      std::string id = m.value("tool_call_id", "");
      auto name = toolNames.find(id);
      if (name == toolNames.end()) refuse(at(i) + ": tool_call_id '" + id + "' answers no earlier assistant tool call");
      json part = {{"functionResponse", {{"name", name->second}, {"response", toolResponse(content, at(i))}}}};
      // Results of one turn's parallel calls travel together, as Gemini expects.
      if (lastWasTool) {
        out.contents.back()["parts"].push_back(std::move(part));
      } else {
        out.contents.push_back({{"role", "user"}, {"parts", json::array({std::move(part)})}});
      }
    } else {
      refuse(at(i) + " has unknown role '" + role + "'");
    }
    lastWasTool = isTool;
  }
  if (out.contents.empty()) refuse("messages hold no user or assistant content for Gemini");
  return out;
}

json toolsOf(const json& chat) {
  if (!chat.contains("tools") || !chat["tools"].is_array() || chat["tools"].empty()) return nullptr;
  json declarations = json::array();
  for (size_t i = 0; i < chat["tools"].size(); ++i) {
    const json& tool = chat["tools"][i];
    std::string where = "tools[" + std::to_string(i) + "]";
    if (!tool.is_object() || tool.value("type", "function") != "function")
      refuse(where + ": Gemini takes function tools only");
    const json& function = tool.value("function", json::object());
    if (!function.is_object() || !function.contains("name") || !function["name"].is_string())
      refuse(where + " has no function.name");
    json declaration = {{"name", function["name"]}};
    if (function.contains("description") && function["description"].is_string())
      declaration["description"] = function["description"];
    if (function.contains("parameters") && function["parameters"].is_object()) {
      json parameters = sanitizeSchema(function["parameters"]);
      // An object without properties is refused ("should be non-empty for OBJECT type"): a
      // function without parameters simply declares none.
      bool empty = parameters.value("type", "") == "object" &&
                   (!parameters.contains("properties") || parameters["properties"].empty());
      if (!empty) declaration["parameters"] = parameters;
    }
    declarations.push_back(std::move(declaration));
  }
  return json::array({{{"functionDeclarations", declarations}}});
}

json toolConfigOf(const json& chat) {
  if (!chat.contains("tool_choice") || chat["tool_choice"].is_null()) return nullptr;
  const json& choice = chat["tool_choice"];
  json config;
  if (choice == "auto") {
    config = {{"mode", "AUTO"}};
  } else if (choice == "none") {
    config = {{"mode", "NONE"}};
  } else if (choice == "required") {
    config = {{"mode", "ANY"}};
  } else if (choice.is_object() && choice.contains("function") && choice["function"].is_object() &&
             choice["function"].contains("name") && choice["function"]["name"].is_string()) {
    config = {{"mode", "ANY"}, {"allowedFunctionNames", json::array({choice["function"]["name"]})}};
  } else {
    refuse("tool_choice must be \"auto\", \"none\", \"required\" or {\"type\":\"function\",\"function\":{\"name\":...}}");
  }
  return {{"functionCallingConfig", config}};
}

json thinkingOf(const std::string& effort) {
  if (effort == "none") return {{"thinkingBudget", 0}};
  int budget = 0;
  if (effort == "minimal" || effort == "low") {
    budget = 1024;
  } else if (effort == "medium") {
    budget = 8192;
  } else if (effort == "high") {
    budget = 24576;
  } else {
    refuse("reasoning_effort must be none, minimal, low, medium or high");
  }
  return {{"thinkingBudget", budget}, {"includeThoughts", true}};
}

json generationConfigOf(const json& chat) {
  json config = json::object();
  auto number = [&](const char* from, const char* to) {
    if (chat.contains(from) && chat[from].is_number()) config[to] = chat[from];
  };
  number("temperature", "temperature");
  number("top_p", "topP");
  number("presence_penalty", "presencePenalty");
  number("frequency_penalty", "frequencyPenalty");
  number("seed", "seed");
  number("n", "candidateCount");
  number("max_tokens", "maxOutputTokens");
  number("max_completion_tokens", "maxOutputTokens");
  if (chat.contains("stop")) {
    const json& stop = chat["stop"];
    if (stop.is_string()) config["stopSequences"] = json::array({stop});
    if (stop.is_array() && !stop.empty()) config["stopSequences"] = stop;
  }
  if (chat.contains("response_format") && chat["response_format"].is_object()) {
    const json& format = chat["response_format"];
    std::string type = format.value("type", "");
    if (type == "json_object" || type == "json_schema") config["responseMimeType"] = "application/json";
    if (type == "json_schema") {
      const json& spec = format.value("json_schema", json::object());
      if (spec.is_object() && spec.contains("schema") && spec["schema"].is_object())
        config["responseSchema"] = sanitizeSchema(spec["schema"]);
    }
  }
  if (chat.contains("reasoning_effort") && chat["reasoning_effort"].is_string())
    config["thinkingConfig"] = thinkingOf(chat["reasoning_effort"]);
  return config;
}

}  // namespace

json generateContentBody(const json& chat, const std::string& model, const json& safetySettings) {
  if (!chat.is_object()) refuse("the request body must be a JSON object");
  Translated t = translateMessages(chat, model);
  json body = {{"contents", std::move(t.contents)}};
  if (!t.system.empty()) body["systemInstruction"] = {{"parts", std::move(t.system)}};
  if (json tools = toolsOf(chat); !tools.is_null()) body["tools"] = std::move(tools);
  if (json toolConfig = toolConfigOf(chat); !toolConfig.is_null()) body["toolConfig"] = std::move(toolConfig);
  if (json config = generationConfigOf(chat); !config.empty()) body["generationConfig"] = std::move(config);
  if (safetySettings.is_array() && !safetySettings.empty()) body["safetySettings"] = safetySettings;
  return body;
}

json countTokensBody(const json& chat, const std::string& model) {
  if (!chat.is_object()) refuse("the request body must be a JSON object");
  Translated t = translateMessages(chat, model);
  json request = {{"model", "models/" + model}, {"contents", std::move(t.contents)}};
  if (!t.system.empty()) request["systemInstruction"] = {{"parts", std::move(t.system)}};
  if (json tools = toolsOf(chat); !tools.is_null()) request["tools"] = std::move(tools);
  return {{"generateContentRequest", std::move(request)}};
}

json batchEmbedBody(const json& embeddings, const std::string& model) {
  if (!embeddings.is_object() || !embeddings.contains("input")) refuse("input is required");
  const json& input = embeddings["input"];
  json texts = input.is_string() ? json::array({input}) : input;
  if (!texts.is_array() || texts.empty()) refuse("input must be a string or a non-empty array of strings");
  json requests = json::array();
  for (const auto& text : texts) {
    if (!text.is_string()) refuse("Gemini embeds text: input must be a string or an array of strings, not tokens");
    json request = {{"model", "models/" + model}, {"content", {{"parts", json::array({{{"text", text}}})}}}};
    if (embeddings.contains("dimensions") && embeddings["dimensions"].is_number_integer())
      request["outputDimensionality"] = embeddings["dimensions"];
    requests.push_back(std::move(request));
  }
  return {{"requests", std::move(requests)}};
}

}  // namespace turnpike::gemini
