#include "pipeline/inference_request.hpp"

#include "http/api_error.hpp"

namespace turnpike::pipeline {

using http::ApiError;
using nlohmann::json;

namespace {

[[noreturn]] void invalid(std::string param, std::string message, std::string code = "invalid_value") {
  throw ApiError(400, std::move(code), std::move(message), std::move(param));
}

void requireType(const char* key, bool ok, const char* expected) {
  if (!ok) invalid(key, std::string("'") + key + "' must be " + expected, "invalid_type");
}

std::optional<uint64_t> optionalCount(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || it->get<int64_t>() < 0)
    invalid(key, std::string("'") + key + "' must be a non-negative integer", "invalid_type");
  return it->get<uint64_t>();
}

}  // namespace

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
  try {
    r.body = json::parse(body);
  } catch (const json::parse_error& e) {
    throw ApiError(400, "invalid_json", std::string("request body is not valid JSON: ") + e.what());
  }
  if (!r.body.is_object()) throw ApiError(400, "invalid_json", "request body must be a JSON object");
  r.rawBody = std::move(body);
  const json& b = r.body;

  auto model = b.find("model");
  if (model == b.end() || model->is_null()) invalid("model", "you must provide a model parameter", "missing_required_parameter");
  if (!model->is_string() || model->get_ref<const std::string&>().empty())
    invalid("model", "'model' must be a non-empty string", "invalid_type");
  r.model = model->get<std::string>();

  if (auto s = b.find("stream"); s != b.end() && !s->is_null()) {
    requireType("stream", s->is_boolean(), "a boolean");
    r.stream = s->get<bool>();
  }
  if (auto so = b.find("stream_options"); so != b.end() && !so->is_null()) {
    requireType("stream_options", so->is_object(), "an object");
    if (auto iu = so->find("include_usage"); iu != so->end() && !iu->is_null()) {
      if (!iu->is_boolean()) invalid("stream_options.include_usage", "'stream_options.include_usage' must be a boolean", "invalid_type");
      r.clientWantsUsage = iu->get<bool>();
    }
  }
  r.maxTokens = optionalCount(b, "max_completion_tokens");
  if (!r.maxTokens) r.maxTokens = optionalCount(b, "max_tokens");
  if (auto n = optionalCount(b, "n"); n && *n == 0) invalid("n", "'n' must be at least 1");

  switch (operation) {
    case TP_OP_CHAT: {
      auto m = b.find("messages");
      if (m == b.end() || m->is_null()) invalid("messages", "you must provide a messages parameter", "missing_required_parameter");
      if (!m->is_array() || m->empty()) invalid("messages", "'messages' must be a non-empty array", "invalid_type");
      for (size_t i = 0; i < m->size(); ++i) {
        const json& msg = (*m)[i];
        std::string param = "messages[" + std::to_string(i) + "]";
        if (!msg.is_object()) invalid(param, "'" + param + "' must be an object", "invalid_type");
        auto role = msg.find("role");
        if (role == msg.end() || !role->is_string())
          invalid(param + ".role", "'" + param + ".role' must be a string", "invalid_type");
      }
      if (auto t = b.find("tools"); t != b.end() && !t->is_null()) requireType("tools", t->is_array(), "an array");
      break;
    }
    case TP_OP_COMPLETION: {
      auto p = b.find("prompt");
      if (p == b.end() || p->is_null()) invalid("prompt", "you must provide a prompt parameter", "missing_required_parameter");
      requireType("prompt", p->is_string() || p->is_array(), "a string or an array");
      break;
    }
    case TP_OP_EMBEDDING: {
      auto in = b.find("input");
      if (in == b.end() || in->is_null()) invalid("input", "you must provide an input parameter", "missing_required_parameter");
      requireType("input", in->is_string() || (in->is_array() && !in->empty()), "a string or a non-empty array");
      if (r.stream) invalid("stream", "embeddings cannot be streamed");
      break;
    }
  }
  return r;
}

std::string upstreamBody(const InferenceRequest& request, const std::string& upstreamModel) {
  bool needsUsage = request.stream && !request.clientWantsUsage;
  if (upstreamModel == request.model && !needsUsage) return request.rawBody;
  json body = request.body;
  body["model"] = upstreamModel;
  if (request.stream) body["stream_options"]["include_usage"] = true;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace turnpike::pipeline
