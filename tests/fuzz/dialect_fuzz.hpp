// Shared by the dialect translator targets: inputs as JSON Lines (one stream event or chunk per
// line, as SSE data lines never hold a raw line end) and the checks every dialect request and
// response must pass.
#pragma once

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialects/dialect.hpp"
#include "dialects/tool_names.hpp"
#include "fuzz_check.hpp"
#include "http/api_error.hpp"
#include "pipeline/request_scan.hpp"

namespace turnpike::fuzz {

inline std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// The DOM of `text` when nlohmann reads it, else nullopt.
inline std::optional<nlohmann::json> parsed(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// Valid JSON in, valid JSON out: what a translator emits for valid input must parse. (Invalid
// input is passed on as the upstream sent it, as the untranslated path does: no check then.)
inline nlohmann::json mustParse(std::string_view text, const char* what) {
  auto j = parsed(text);
  if (!j) {
    std::fprintf(stderr, "%s is not JSON: %.*s\n", what, static_cast<int>(std::min<size_t>(text.size(), 2000)), text.data());
    FUZZ_CHECK(!"a translator wrote invalid JSON");
  }
  return *j;
}

// ^[a-zA-Z0-9_-]{1,64}$, what OpenAI upstreams take.
inline bool canonicalToolName(const nlohmann::json& name) {
  if (!name.is_string()) return false;
  const std::string& s = name.get_ref<const std::string&>();
  return s.size() <= dialects::kMaxCanonicalToolName && dialects::toolNameCharactersValid(s);
}

// A translated request, as pipeline::translatedRequest takes it: JSON, OpenAI chat members only,
// canonical tool names, and pipeline::scanRequest accepts it (the gateway routes and bills it by
// that scan; a refusal there would be a 400 for a request the dialect accepted).
inline void checkCanonicalRequest(const dialects::CanonicalRequest& canonical) {
  static const std::string_view kOpenAIMembers[] = {
      "model", "messages", "max_tokens", "tools", "tool_choice", "parallel_tool_calls", "stop", "user",
      "temperature", "top_p", "stream", "stream_options", "response_format", "reasoning_effort"};
  nlohmann::json body = mustParse(canonical.body, "canonical request");
  FUZZ_CHECK(body.is_object());
  for (auto it = body.begin(); it != body.end(); ++it)
    FUZZ_CHECK(std::find(std::begin(kOpenAIMembers), std::end(kOpenAIMembers), it.key()) != std::end(kOpenAIMembers));
  if (auto tools = body.find("tools"); tools != body.end()) {
    FUZZ_CHECK(tools->is_array() && !tools->empty());
    for (const auto& tool : *tools) {
      const std::string type = tool.at("type").get<std::string>();
      FUZZ_CHECK(canonicalToolName(tool.at(type).at("name")));
    }
  } else {
    FUZZ_CHECK(!body.contains("tool_choice") && !body.contains("parallel_tool_calls"));
  }
  for (const auto& message : body.at("messages")) {
    auto calls = message.find("tool_calls");
    if (calls == message.end()) continue;
    for (const auto& call : *calls) {
      const std::string type = call.at("type").get<std::string>();
      FUZZ_CHECK(call.at(type).at("name").is_string());
    }
  }
  // Every shortened name maps back to a client's name.
  for (const auto& [shortName, clientName] : canonical.toolNames)
    FUZZ_CHECK(canonicalToolName(shortName) && shortName != clientName);
  try {
    pipeline::scanRequest(TP_OP_CHAT, canonical.body);
  } catch (const http::ApiError& e) {
    std::fprintf(stderr, "scanRequest: %s\n%s\n", e.what(), canonical.body.c_str());
    FUZZ_CHECK(!"scanRequest refused a translated request");
  }
}

}  // namespace turnpike::fuzz
