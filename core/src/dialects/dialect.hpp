// The client dialects Turnpike speaks and the contract of their translators. The canonical form
// is OpenAI chat (requests and chat.completion / chat.completion.chunk responses, pure OpenAI:
// nothing another OpenAI-compatible upstream would refuse, except `reasoning_content` in
// responses, as DeepSeek and vLLM write it). Each other dialect has one translator, in its own
// folder here, both ways: a client's request to canonical, canonical to a provider that speaks
// the dialect, and responses to and from canonical. A request whose client and provider speak
// the same dialect is not translated at all (ProxyCall passes it through).
#pragma once

#include <turnpike/plugin_abi.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace turnpike::dialects {

enum class Dialect : uint32_t {
  OpenAIChat = TP_DIALECT_OPENAI_CHAT,
  AnthropicMessages = TP_DIALECT_ANTHROPIC_MESSAGES,
  OpenAIResponses = TP_DIALECT_OPENAI_RESPONSES,
};

std::string_view dialectName(Dialect dialect);

// The dialect a provider is called in for a client speaking `client`, given the provider's
// TP_DIALECT_* bits: the client's own when the provider speaks it, else OpenAI chat when it
// does, else the provider's first.
Dialect providerDialect(Dialect client, uint32_t providerDialects);

// Receives a response in some dialect, one event at a time. `type` names the event (the data's
// "type" member in Anthropic and Responses streams; empty for OpenAI chat, whose stream events
// are data only). `flags`: TP_CHUNK_* (TP_CHUNK_USAGE_ONLY marks the usage-only chat chunk).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void event(std::string_view type, std::string_view json, uint32_t flags) = 0;
};

// What a response translator needs to know about its request.
struct ResponseContext {
  std::string id;     // the response's id in the client's dialect ("msg_…", "resp_…")
  std::string model;  // the model the client asked for, reported back to it
  int64_t createdAt = 0;           // unix seconds
  uint64_t inputTokensEstimate = 0;  // for events that must carry a count before the upstream's
  // Tool names changed on the way to canonical (canonical name -> the client's), e.g. names
  // longer than OpenAI's 64 characters.
  std::map<std::string, std::string> toolNames;
  // Request members a dialect echoes in its response object (Responses: instructions, tools,
  // tool_choice, temperature, ...). Null when none.
  nlohmann::json echo;
};

// A client request translated to canonical.
struct CanonicalRequest {
  std::string body;  // OpenAI chat request JSON
  std::map<std::string, std::string> toolNames;  // as ResponseContext::toolNames
  nlohmann::json echo;                           // as ResponseContext::echo
};

// Canonical responses -> a client dialect. One per response: streams keep their state here and
// nowhere else, so concurrent streams never mix.
class ResponseEncoder {
 public:
  virtual ~ResponseEncoder() = default;
  // One chat.completion.chunk (the usage-only chunk included): writes zero or more events.
  virtual void chunk(std::string_view json, uint32_t flags, EventSink& out) = 0;
  // The stream ended as the upstream meant it to: the closing events.
  virtual void finish(EventSink& out) = 0;
  // A whole chat.completion -> the dialect's response object.
  virtual std::string whole(std::string_view json) = 0;
  // The dialect's complete response object once finish() or whole() ran, for dialects that keep
  // responses (Responses, store: true); empty otherwise.
  virtual std::string finalResponse() const { return {}; }
  // The stream failed after it began: writes the dialect's own failure event and returns true,
  // or returns false for dialects whose failures are a plain error event (the caller writes it).
  virtual bool fail(std::string_view /*code*/, std::string_view /*message*/, EventSink& /*out*/) { return false; }
};

// A provider's responses in a dialect -> canonical chat chunks (with TP_CHUNK_USAGE_ONLY on the
// final usage chunk) or a chat.completion.
class ResponseDecoder {
 public:
  virtual ~ResponseDecoder() = default;
  // One stream event of the dialect (its data JSON).
  virtual void chunk(std::string_view json, EventSink& out) = 0;
  virtual void finish(EventSink& out) = 0;
  virtual std::string whole(std::string_view json) = 0;
};

// The event after which a stream in `dialect` is complete (message_stop, response.completed,
// ...): held back until the request is settled, so that a client that saw it was charged.
bool terminalEvent(Dialect dialect, std::string_view type);

// Appends one SSE event in the framing `dialect` uses: "data: …" for OpenAI chat, "event: <type>"
// then "data: …" for the others.
void appendEvent(std::string& out, Dialect dialect, std::string_view type, std::string_view json);

// The "type" member of an event's JSON (empty when absent), without a parse.
std::string_view eventType(std::string_view json);

}  // namespace turnpike::dialects
