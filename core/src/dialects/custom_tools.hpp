// OpenAI `custom` tools (free-form text input, e.g. Codex's apply_patch) for upstreams that only
// take function tools (Anthropic, Gemini). Canonical requests keep them as OpenAI chat custom
// tools ({"type":"custom","custom":{name,description,format}}, calls {"type":"custom",
// "custom":{name,input}}); a translator whose upstream cannot take them converts with these
// helpers, and converts the calls back, so that a client never loses them (a 200 without the
// tool call otherwise).
//
// The conversion: a function tool of the same name whose only parameter is the string `input`
// (required), its description the custom tool's plus, when the tool has a grammar or text
// format, that format's definition; a call's arguments are {"input": <the text>}.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace turnpike::dialects {

// Canonical custom tool {"type":"custom","custom":{...}} -> canonical function tool.
nlohmann::json customToolAsFunction(const nlohmann::json& customTool);

// A call of such a function -> the custom tool's input: the `input` string of `arguments`
// (JSON text); nullopt when the arguments are not an object with a string `input`.
std::optional<std::string> customInputFromArguments(std::string_view arguments);

// The inverse, for calls in a conversation's history: the custom tool's input -> the function
// call's arguments (JSON text).
std::string argumentsFromCustomInput(std::string_view input);

// Canonical assistant tool call {"type":"custom","custom":{name,input}} -> {"type":"function",
// "function":{name,arguments}} (ids kept); other tool calls unchanged.
nlohmann::json customCallAsFunction(const nlohmann::json& toolCall);

}  // namespace turnpike::dialects
