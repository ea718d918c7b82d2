#include "dialects/custom_tools.hpp"

#include "dialects/json_access.hpp"
#include "util/strings.hpp"

namespace turnpike::dialects {

using nlohmann::json;

json customToolAsFunction(const json& customTool) {
  const json& custom = customTool.contains("custom") ? customTool["custom"] : customTool;
  std::string description = stringOf(custom, "description");
  if (auto format = custom.find("format"); format != custom.end() && format->is_object()) {
    // The grammar is what tells the model the input's syntax (apply_patch's Lark grammar).
    if (stringOf(*format, "type") == "grammar") {
      std::string definition = stringOf(*format, "definition");
      if (!definition.empty()) {
        if (!description.empty()) description += "\n\n";
        std::string syntax = stringOf(*format, "syntax");
        description += "The input must follow this " + (syntax.empty() ? std::string() : syntax + " ") +
                       "grammar:\n" + definition;
      }
    }
  }
  json input = {{"type", "string"}, {"description", "The tool's free-form text input."}};
  json function = {{"name", stringOf(custom, "name")},
                   {"parameters",
                    {{"type", "object"}, {"properties", {{"input", input}}}, {"required", json::array({"input"})}}}};
  if (!description.empty()) function["description"] = description;
  return json{{"type", "function"}, {"function", std::move(function)}};
}

std::optional<std::string> customInputFromArguments(std::string_view arguments) {
  json parsed = json::parse(arguments, nullptr, false);
  if (!parsed.is_object()) return std::nullopt;
  auto input = parsed.find("input");
  if (input == parsed.end() || !input->is_string()) return std::nullopt;
  return input->get<std::string>();
}

std::string argumentsFromCustomInput(std::string_view input) {
  std::string out = "{\"input\":";
  util::appendJsonString(out, input);
  out += '}';
  return out;
}

json customCallAsFunction(const json& toolCall) {
  if (!toolCall.is_object() || stringOf(toolCall, "type") != "custom" || !toolCall.contains("custom"))
    return toolCall;
  const json& custom = toolCall["custom"];
  json out = {{"type", "function"},
              {"function",
               {{"name", stringOf(custom, "name")}, {"arguments", argumentsFromCustomInput(stringOf(custom, "input"))}}}};
  if (toolCall.contains("id")) out["id"] = toolCall["id"];
  return out;
}

}  // namespace turnpike::dialects
