#include "dialects/translators.hpp"

#include "dialects/anthropic/anthropic_dialect.hpp"
#include "dialects/responses/responses_dialect.hpp"
#include "http/api_error.hpp"
#include "pipeline/response_edit.hpp"
#include "util/strings.hpp"

namespace turnpike::dialects {

std::unique_ptr<ResponseEncoder> makeEncoder(Dialect client, ResponseContext context) {
  switch (client) {
    case Dialect::AnthropicMessages: return anthropic::makeEncoder(std::move(context));
    case Dialect::OpenAIResponses: return responses::makeEncoder(std::move(context));
    case Dialect::OpenAIChat: break;
  }
  return nullptr;
}

std::unique_ptr<ResponseDecoder> makeDecoder(Dialect provider, ResponseContext context) {
  if (provider == Dialect::AnthropicMessages) return anthropic::makeDecoder(std::move(context));
  return nullptr;
}

std::string requestFromCanonical(Dialect provider, std::string_view canonicalBody) {
  switch (provider) {
    case Dialect::AnthropicMessages: return anthropic::fromCanonical(canonicalBody);
    case Dialect::OpenAIChat: return std::string(canonicalBody);
    case Dialect::OpenAIResponses: break;
  }
  throw http::ApiError(400, "unsupported_request", "the provider speaks only the Responses API, which Turnpike does not write");
}

uint64_t generatedTextBytes(Dialect dialect, std::string_view json) {
  switch (dialect) {
    case Dialect::AnthropicMessages: return anthropic::generatedTextBytes(json);
    case Dialect::OpenAIResponses: return responses::generatedTextBytes(json);
    case Dialect::OpenAIChat: break;
  }
  return pipeline::generatedTextBytes(json);
}

std::string streamErrorEvent(Dialect client, int status, std::string_view code, std::string_view message) {
  std::string out;
  switch (client) {
    case Dialect::AnthropicMessages:
      appendEvent(out, client, "error", anthropic::errorBody(status, message));
      break;
    case Dialect::OpenAIResponses: {
      // The Responses stream's own error event: code and message at the top level.
      std::string data = "{\"type\":\"error\",\"code\":";
      util::appendJsonString(data, code.empty() ? http::errorType(status) : code);
      data += ",\"message\":";
      util::appendJsonString(data, message);
      data += ",\"param\":null}";
      appendEvent(out, client, "error", data);
      break;
    }
    case Dialect::OpenAIChat:
      appendEvent(out, client, {}, http::errorBody(status, code, message));
      break;
  }
  return out;
}

}  // namespace turnpike::dialects
