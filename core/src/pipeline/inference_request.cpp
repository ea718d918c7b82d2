#include "pipeline/inference_request.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include <turnpike/json_scan.hpp>

#include "util/strings.hpp"

namespace turnpike::pipeline {

std::string_view operationName(tp_operation op) {
  switch (op) {
    case TP_OP_CHAT: return "chat";
    case TP_OP_COMPLETION: return "completion";
    case TP_OP_EMBEDDING: return "embedding";
    case TP_OP_COUNT_TOKENS: return "count_tokens";
  }
  return "unknown";
}

InferenceRequest parseInferenceRequest(tp_operation operation, std::string body) {
  InferenceRequest r;
  r.operation = operation;
  r.summary = scanRequest(operation, body);
  r.rawBody = std::move(body);
  return r;
}

InferenceRequest translatedRequest(dialects::Dialect dialect, tp_operation operation, std::string rawBody,
                                   dialects::CanonicalRequest canonical) {
  InferenceRequest r;
  r.operation = operation;
  r.dialect = dialect;
  r.rawBody = std::move(rawBody);
  auto doc = nlohmann::json::parse(canonical.body);
  std::optional<uint64_t> limit;
  if (auto it = doc.find("max_tokens"); it != doc.end()) {
    if (it->is_number_unsigned()) limit = it->get<uint64_t>();
    doc.erase(it);
  }
  if (auto tools = doc.find("tools"); tools != doc.end() && tools->is_array())
    r.customTools = std::any_of(tools->begin(), tools->end(), [](const nlohmann::json& t) {
      return t.is_object() && t.value("type", nlohmann::json()) == "custom";
    });
  r.canonicalBody = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.summary = scanRequest(operation == TP_OP_COUNT_TOKENS ? TP_OP_CHAT : operation, r.canonicalBody);
  r.summary.maxTokens = limit;
  r.toolNames = std::move(canonical.toolNames);
  r.echo = std::move(canonical.echo);
  return r;
}

uint64_t outputCeiling(const InferenceRequest& request, const config::ModelConfig& model,
                       const config::BillingConfig& billing) {
  if (request.operation == TP_OP_EMBEDDING) return 0;
  if (request.summary.maxTokens) return *request.summary.maxTokens;
  if (model.maxOutputTokens > 0) return model.maxOutputTokens;
  return billing.defaultMaxOutputTokens;
}

std::string upstreamBody(const InferenceRequest& request, const config::ModelConfig& model, uint64_t ceiling) {
  const RequestSummary& s = request.summary;
  struct Edit {
    Span span;  // replaced bytes (empty: insertion at span.begin)
    std::string text;
  };
  std::vector<Edit> edits;
  // Insertions go before the closing brace, after the client's last member.
  bool membersBefore = s.hasMembers;
  auto addMember = [&](std::string_view name, std::string value) {
    std::string member = membersBefore ? "," : "";
    membersBefore = true;
    util::appendJsonString(member, name);
    member += ':';
    member += value;
    edits.push_back({Span{s.closingBrace, s.closingBrace}, std::move(member)});
  };
  if (model.upstreamId != s.model) edits.push_back({s.modelValue, nlohmann::json(model.upstreamId).dump()});
  if (s.stream && !s.clientWantsUsage) {
    if (!s.streamOptionsValue.present()) {
      addMember("stream_options", R"({"include_usage":true})");
    } else {
      // Rare: the client sent stream_options (or null) without include_usage; keep its other members.
      const auto& v = s.streamOptionsValue;
      auto options = nlohmann::json::parse(std::string_view(request.canonical()).substr(v.begin, v.end - v.begin));
      if (!options.is_object()) options = nlohmann::json::object();
      options["include_usage"] = true;
      edits.push_back({v, options.dump()});
    }
  }
  std::string_view limitParam = request.operation == TP_OP_CHAT         ? std::string_view(model.maxTokensParam)
                                : request.operation == TP_OP_COMPLETION ? std::string_view("max_tokens")
                                                                        : std::string_view();
  if (!limitParam.empty()) {
    const OutputLimit& member = limitParam == "max_tokens" ? s.maxTokensMember : s.maxCompletionTokensMember;
    if (!member.value) {
      if (member.span.present()) {
        edits.push_back({member.span, std::to_string(ceiling)});  // the client's null
      } else {
        addMember(limitParam, std::to_string(ceiling));
      }
    }
  }
  const std::string& body = request.canonical();
  if (edits.empty()) return body;
  // Stable: insertions at the closing brace keep their order.
  std::stable_sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.span.begin < b.span.begin; });
  std::string out;
  out.reserve(body.size() + 96);
  size_t at = 0;
  for (const auto& e : edits) {
    out.append(body, at, e.span.begin - at);
    out += e.text;
    at = std::max(at, e.span.end > e.span.begin ? e.span.end : e.span.begin);
  }
  out.append(body, at, std::string::npos);
  return out;
}

std::string nativeBody(const InferenceRequest& request, const config::ModelConfig& model) {
  const std::string& raw = request.rawBody;
  if (model.upstreamId == request.model()) return raw;
  if (auto member = sdk::json_scan::find(raw, "model"); member && !member->value.empty() && member->value.front() == '"') {
    std::string out = raw.substr(0, member->valueOffset);
    util::appendJsonString(out, model.upstreamId);
    out.append(raw, member->valueOffset + member->value.size(), std::string::npos);
    return out;
  }
  // "model" written with escapes: the scan cannot see it, the parser can.
  auto doc = nlohmann::json::parse(raw);
  doc["model"] = model.upstreamId;
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace turnpike::pipeline
