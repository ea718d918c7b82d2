#include "pipeline/inference_request.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

namespace turnpike::pipeline {

std::string_view operationName(tp_operation op) {
  switch (op) {
    case TP_OP_CHAT: return "chat";
    case TP_OP_COMPLETION: return "completion";
    case TP_OP_EMBEDDING: return "embedding";
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

std::string upstreamBody(const InferenceRequest& request, const std::string& upstreamModel) {
  const RequestSummary& s = request.summary;
  bool renameModel = upstreamModel != s.model;
  bool forceUsage = s.stream && !s.clientWantsUsage;
  if (!renameModel && !forceUsage) return request.rawBody;

  struct Edit {
    Span span;  // replaced bytes (empty: insertion at span.begin)
    std::string text;
  };
  std::vector<Edit> edits;
  if (renameModel) edits.push_back({s.modelValue, nlohmann::json(upstreamModel).dump()});
  if (forceUsage) {
    if (!s.streamOptionsValue.present()) {
      std::string member = std::string(s.hasMembers ? "," : "") + R"("stream_options":{"include_usage":true})";
      edits.push_back({Span{s.closingBrace, s.closingBrace}, std::move(member)});
    } else {
      // Rare: the client sent stream_options without include_usage; keep its other members.
      const auto& v = s.streamOptionsValue;
      auto options = nlohmann::json::parse(std::string_view(request.rawBody).substr(v.begin, v.end - v.begin));
      if (!options.is_object()) options = nlohmann::json::object();
      options["include_usage"] = true;
      edits.push_back({v, options.dump()});
    }
  }
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.span.begin < b.span.begin; });
  std::string out;
  out.reserve(request.rawBody.size() + 64);
  size_t at = 0;
  for (const auto& e : edits) {
    out.append(request.rawBody, at, e.span.begin - at);
    out += e.text;
    at = e.span.end > e.span.begin ? e.span.end : e.span.begin;
  }
  out.append(request.rawBody, at, std::string::npos);
  return out;
}

}  // namespace turnpike::pipeline
