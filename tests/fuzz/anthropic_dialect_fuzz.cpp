// The Anthropic Messages translator (dialects/anthropic) on what clients and upstreams send. The
// first byte picks the mode ('0'..'4' in the seeds), the rest is its input:
//   0, 1  a /v1/messages (0) or /v1/messages/count_tokens (1) body: parseRequestDocument, then
//         toCanonical. Refusals are ApiError 400 only; what it accepts is a canonical request
//         scanRequest accepts, and fromCanonical writes it back as JSON (or refuses with 400).
//         The body read as a canonical request (an OpenAI chat client's, for an Anthropic
//         upstream) goes through fromCanonical too.
//   2     an upstream's stream, one event's data per line: makeDecoder, its canonical chunks
//         into makeEncoder, then finish() on both. The encoder's events form a Messages stream.
//   3     canonical chunks, one per line, straight into makeEncoder (OpenAI upstreams).
//   4     whole bodies: decoder whole() (a Message), encoder whole() (a chat.completion).
#include <turnpike/json_scan.hpp>

#include "dialect_fuzz.hpp"
#include "dialects/anthropic/anthropic_dialect.hpp"

namespace {

using nlohmann::json;
using turnpike::dialects::CanonicalRequest;
using turnpike::dialects::EventSink;
using turnpike::dialects::ResponseContext;
using turnpike::http::ApiError;
namespace anthropic = turnpike::dialects::anthropic;
namespace fuzz = turnpike::fuzz;
namespace scan = turnpike::sdk::json_scan;

ResponseContext context() {
  ResponseContext c;
  c.id = "msg_fuzz";
  c.model = "claude-sonnet-4-5";
  c.createdAt = 1700000000;
  c.inputTokensEstimate = 12;
  // A client's 70-character MCP tool name, shortened on the way in.
  std::string longName(70, 'm');
  c.toolNames[turnpike::dialects::canonicalToolName(longName)] = longName;
  return c;
}

void checkFromCanonical(std::string_view canonicalBody) {
  try {
    json out = fuzz::mustParse(anthropic::fromCanonical(canonicalBody), "fromCanonical");
    FUZZ_CHECK(out.is_object() && out.at("model").is_string() && out.at("messages").is_array());
    FUZZ_CHECK(out.at("max_tokens").is_number_integer());
  } catch (const ApiError& e) {
    FUZZ_CHECK(e.status() == 400);
  }
}

void request(std::string_view body, anthropic::RequestKind kind) {
  try {
    turnpike::pipeline::scanRequest(TP_OP_CHAT, body);
    checkFromCanonical(body);
  } catch (const ApiError& e) {
    FUZZ_CHECK(e.status() == 400);
  }
  CanonicalRequest canonical;
  try {
    json doc = turnpike::pipeline::parseRequestDocument(body, anthropic::kReadMembers);
    canonical = anthropic::toCanonical(doc, kind);
  } catch (const ApiError& e) {
    FUZZ_CHECK(e.status() == 400);
    return;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "escaped: %s\n", e.what());
    FUZZ_CHECK(!"an exception other than ApiError escaped toCanonical");
  }
  fuzz::checkCanonicalRequest(canonical);
  checkFromCanonical(canonical.body);
}

// Checks the Messages stream the encoder writes, event by event.
class MessagesStream final : public EventSink {
 public:
  explicit MessagesStream(bool validInput) : validInput_(validInput) {}

  void event(std::string_view type, std::string_view data, uint32_t flags) override {
    FUZZ_CHECK(flags == 0);
    FUZZ_CHECK(!stopped_);  // nothing after message_stop
    FUZZ_CHECK(started_ == (type != "message_start"));  // message_start first, and once
    started_ = true;
    if (validInput_) {
      json e = fuzz::mustParse(data, "Messages event");
      FUZZ_CHECK(e.is_object() && e.value("type", "") == type);
    } else {
      FUZZ_CHECK(turnpike::dialects::eventType(data) == type);
    }
    auto index = scan::findUint(data, "index");
    if (type == "content_block_start") {
      FUZZ_CHECK(!open_ && !delta_);
      FUZZ_CHECK(index == nextIndex_);  // 0, 1, 2 ...
      ++nextIndex_;
      open_ = true;
      auto block = scan::find(data, "content_block");
      FUZZ_CHECK(block);
      blockType_ = std::string(turnpike::dialects::eventType(block->value));
      FUZZ_CHECK(blockType_ == "text" || blockType_ == "thinking" || blockType_ == "tool_use");
      if (validInput_ && blockType_ == "tool_use") {
        json b = json::parse(block->value);
        FUZZ_CHECK(b.at("id").is_string() && !b["id"].get<std::string>().empty());
        FUZZ_CHECK(b.at("name").is_string() && b.at("input") == json::object());
      }
    } else if (type == "content_block_delta") {
      FUZZ_CHECK(open_ && index == nextIndex_ - 1);  // only the open block takes deltas
      auto delta = scan::find(data, "delta");
      FUZZ_CHECK(delta);
      std::string_view deltaType = turnpike::dialects::eventType(delta->value);
      FUZZ_CHECK((blockType_ == "text" && deltaType == "text_delta") ||
                 (blockType_ == "thinking" && deltaType == "thinking_delta") ||
                 (blockType_ == "tool_use" && deltaType == "input_json_delta"));
    } else if (type == "content_block_stop") {
      FUZZ_CHECK(open_ && index == nextIndex_ - 1);
      open_ = false;
    } else if (type == "message_delta") {
      FUZZ_CHECK(!open_ && !delta_);
      delta_ = true;
      if (validInput_) {
        json e = json::parse(data);
        FUZZ_CHECK(e.at("delta").at("stop_reason").is_string());
        for (const char* key : {"input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"})
          FUZZ_CHECK(e.at("usage").at(key).is_number_unsigned());
      }
    } else if (type == "message_stop") {
      FUZZ_CHECK(delta_);
      stopped_ = true;
    } else {
      FUZZ_CHECK(type == "message_start");
    }
    bytes_ += data.size();
  }

  // After finish(): the stream is complete.
  void checkComplete() const { FUZZ_CHECK(started_ && stopped_); }
  size_t bytes() const { return bytes_; }

 private:
  bool validInput_;
  bool started_ = false;
  bool open_ = false;
  bool delta_ = false;
  bool stopped_ = false;
  uint64_t nextIndex_ = 0;
  std::string blockType_;
  size_t bytes_ = 0;
};

// The decoder's canonical chunks, checked and passed on to the encoder.
class CanonicalChunks final : public EventSink {
 public:
  CanonicalChunks(bool validInput, turnpike::dialects::ResponseEncoder& encoder, MessagesStream& out)
      : validInput_(validInput), encoder_(encoder), out_(out) {}

  void event(std::string_view type, std::string_view data, uint32_t flags) override {
    FUZZ_CHECK(type.empty());
    FUZZ_CHECK(!usageSent_);  // the usage-only chunk is the last
    if (validInput_) {
      json chunk = fuzz::mustParse(data, "canonical chunk");
      FUZZ_CHECK(chunk.value("object", "") == "chat.completion.chunk" && chunk.at("choices").is_array());
      bool usageOnly = (flags & TP_CHUNK_USAGE_ONLY) != 0;
      FUZZ_CHECK(usageOnly == chunk["choices"].empty());
      if (usageOnly) {
        const json& usage = chunk.at("usage");
        FUZZ_CHECK(usage.at("prompt_tokens").get<uint64_t>() >= usage.at("prompt_tokens_details").at("cached_tokens").get<uint64_t>());
        FUZZ_CHECK(usage.at("total_tokens").get<uint64_t>() ==
                   usage["prompt_tokens"].get<uint64_t>() + usage.at("completion_tokens").get<uint64_t>());
      } else {
        const json& choice = chunk["choices"].at(0);
        FUZZ_CHECK(choice.at("index") == 0 && choice.at("delta").is_object());
        const json& reason = choice.at("finish_reason");
        FUZZ_CHECK(reason.is_null() || reason == "stop" || reason == "length" || reason == "tool_calls" ||
                   reason == "content_filter");
      }
    }
    usageSent_ = (flags & TP_CHUNK_USAGE_ONLY) != 0;
    bytes_ += data.size();
    encoder_.chunk(data, flags, out_);
  }

  size_t bytes() const { return bytes_; }

 private:
  bool validInput_;
  turnpike::dialects::ResponseEncoder& encoder_;
  MessagesStream& out_;
  bool usageSent_ = false;
  size_t bytes_ = 0;
};

bool allParse(const std::vector<std::string_view>& lines) {
  for (std::string_view line : lines)
    if (!fuzz::parsed(line)) return false;
  return true;
}

// Output grows with the input, never faster than a bounded amount per byte.
void checkBounded(size_t outBytes, size_t inBytes) { FUZZ_CHECK(outBytes <= 64 * inBytes + 4096); }

void upstreamStream(std::string_view input) {
  auto lines = fuzz::splitLines(input);
  bool valid = allParse(lines);
  auto encoder = anthropic::makeEncoder(context());
  auto decoder = anthropic::makeDecoder(context());
  MessagesStream out(valid);
  CanonicalChunks canonical(valid, *encoder, out);
  for (std::string_view line : lines) decoder->chunk(line, canonical);
  decoder->finish(canonical);
  encoder->finish(out);
  out.checkComplete();
  checkBounded(canonical.bytes(), input.size());
  checkBounded(out.bytes(), input.size());
}

void canonicalStream(std::string_view input) {
  auto lines = fuzz::splitLines(input);
  auto encoder = anthropic::makeEncoder(context());
  MessagesStream out(allParse(lines));
  for (std::string_view line : lines) {
    uint32_t flags = scan::isEmptyArray(scan::find(line, "choices").value_or(scan::Member{}).value) ? TP_CHUNK_USAGE_ONLY : 0;
    encoder->chunk(line, flags, out);
  }
  encoder->finish(out);
  out.checkComplete();
  checkBounded(out.bytes(), input.size());
}

// whole() reads what it can of any body: nlohmann's no-throw parse, members of unexpected types
// skipped. Its caller (ProxyCall::completeBuffered) turns an exception into a 502, but a body
// that parses must translate.
void whole(std::string_view input) {
  std::string completion;
  try {
    completion = anthropic::makeDecoder(context())->whole(input);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "decoder whole(): %s\n", e.what());
    FUZZ_CHECK(!"decoder whole() threw");
  }
  json c = fuzz::mustParse(completion, "decoder whole()");
  FUZZ_CHECK(c.value("object", "") == "chat.completion");
  const json& message = c.at("choices").at(0).at("message");
  FUZZ_CHECK(message.at("content").is_string() || (message["content"].is_null() && message.contains("tool_calls")));
  for (const std::string_view body : {input, std::string_view(completion)}) {
    std::string messageText;
    try {
      messageText = anthropic::makeEncoder(context())->whole(body);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "encoder whole(): %s\n", e.what());
      FUZZ_CHECK(!"encoder whole() threw");
    }
    json m = fuzz::mustParse(messageText, "encoder whole()");
    FUZZ_CHECK(m.value("type", "") == "message" && m.at("content").is_array());
    for (const json& block : m["content"]) FUZZ_CHECK(block.at("type").is_string());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] & 7) {
    case 0: request(input, anthropic::RequestKind::Messages); break;
    case 1: request(input, anthropic::RequestKind::CountTokens); break;
    case 2: upstreamStream(input); break;
    case 3: canonicalStream(input); break;
    default: whole(input); break;
  }
  return 0;
}
