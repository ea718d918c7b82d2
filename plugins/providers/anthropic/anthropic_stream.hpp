// Anthropic Messages responses read back for the host, which speaks the same dialect: every
// event's data goes out unchanged (pings and types this code has never heard of included), and
// only the usage and errors are picked out, by a scan rather than a parse.
#pragma once

#include <turnpike/plugin.hpp>
#include <turnpike/sse_parser.hpp>

#include <optional>
#include <string_view>

namespace turnpike::sdk::anthropic {

// The status a client should see for an Anthropic error type met mid-stream, where no HTTP
// status came with it. overloaded_error (Anthropic's own 529) is 503: the standard "try again
// later", which the host passes on, where 529 would be an opaque bad gateway.
int statusForErrorType(std::string_view type);

// Token counts of a Message as they stand: message_start's, overwritten by each message_delta's.
struct MessageUsage {
  std::optional<uint64_t> input;
  std::optional<uint64_t> output;
  uint64_t cacheCreation = 0;
  uint64_t cacheRead = 0;

  // Overwrites the counts present in `usageJson` (a Messages "usage" object).
  void update(std::string_view usageJson);
  // Usage in the host's terms, when both counts are known (else the host counts the text).
  std::optional<Usage> toUsage() const;
};

class AnthropicStream final : public ResponseStream {
 public:
  // `stream`: the upstream answers with server-sent events. `billable`: the answer carries the
  // Message's usage (count_tokens answers carry none).
  AnthropicStream(bool stream, bool billable) : stream_(stream), billable_(billable) {}

  void onData(int status, std::string_view bytes, bool end, Emitter& emitter) override;

 private:
  void onEvent(const SseEvent& event, Emitter& emitter);
  void emitUsage(Emitter& emitter);

  bool stream_;
  bool billable_;
  SseParser parser_;
  MessageUsage usage_;
  bool sawDelta_ = false;
  bool usageSent_ = false;
  bool failed_ = false;
};

}  // namespace turnpike::sdk::anthropic
