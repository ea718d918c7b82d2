// What the mock answers: the whole OpenAI-shaped response (one object, or the stream's chunks)
// computed from the request alone, so answering in-process and over the loopback server give
// the same bytes.
#pragma once

#include <turnpike/plugin.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace turnpike::mock {

struct Frame {
  std::string json;
  uint32_t flags = 0;  // TP_CHUNK_USAGE_ONLY for a stream's usage chunk
};

struct Reply {
  std::vector<Frame> frames;  // a non-stream response is one frame
  sdk::Usage usage;
};

// Failure injection: the last user message (or a completion prompt) starting "mock:fail=<mode>".
enum class Failure { None, RateLimit, ServerError, StreamError, Timeout, Drop };
Failure failureAsked(tp_operation operation, const nlohmann::json& request);

struct ReplyOptions {
  std::string prefix;
  int dimensions = 8;
};

// `model` is the routed model id the reply names.
Reply reply(const ReplyOptions& options, tp_operation operation, std::string_view model, bool stream,
            const nlohmann::json& request);

}  // namespace turnpike::mock
