// Canonical chat chunks -> Anthropic named events; chat.completion -> Message. The stream path
// scans each chunk (json_scan) and splices its string literals into the events as they are:
// no DOM per chunk.
#include <algorithm>
#include <turnpike/json_scan.hpp>
#include <vector>

#include "dialects/anthropic/anthropic_common.hpp"
#include "dialects/anthropic/anthropic_dialect.hpp"
#include "dialects/json_access.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"

namespace turnpike::dialects::anthropic {
namespace {

namespace scan = sdk::json_scan;
using nlohmann::json;

std::optional<uint64_t> uintOf(std::string_view raw) {
  if (raw.empty()) return std::nullopt;
  return util::parseUint(raw);
}

struct Usage {
  uint64_t prompt = 0, completion = 0, cached = 0, cacheWrite = 0;
};

Usage usageOf(std::string_view usage) {
  static constexpr std::string_view kKeys[] = {"prompt_tokens", "completion_tokens", "prompt_tokens_details"};
  std::optional<scan::Member> found[3];
  scan::findEach(usage, kKeys, found);
  Usage u;
  if (found[0]) u.prompt = uintOf(found[0]->value).value_or(0);
  if (found[1]) u.completion = uintOf(found[1]->value).value_or(0);
  if (found[2]) {
    u.cached = scan::findUint(found[2]->value, "cached_tokens").value_or(0);
    u.cacheWrite = scan::findUint(found[2]->value, "cache_write_tokens").value_or(0);
  }
  return u;
}

// Anthropic's input_tokens excludes the cache; canonical prompt_tokens includes it.
uint64_t uncachedInput(const Usage& u) {
  uint64_t cache = u.cached + u.cacheWrite;
  return u.prompt > cache ? u.prompt - cache : 0;
}

class Encoder final : public ResponseEncoder {
 public:
  explicit Encoder(ResponseContext context) : context_(std::move(context)) {}

  void chunk(std::string_view chunk, uint32_t flags, EventSink& out) override {
    if (done_) return;
    if (!started_) start(out);
    static constexpr std::string_view kKeys[] = {"choices", "usage"};
    std::optional<scan::Member> found[2];
    scan::findEach(chunk, kKeys, found);
    if (found[0]) {
      std::string_view choice;
      scan::forEachElement(found[0]->value, [&](std::string_view e) {
        choice = e;
        return false;
      });
      if (!choice.empty()) this->choice(choice, out);
    }
    if (found[1] && !found[1]->value.empty() && found[1]->value.front() == '{') {
      usage_ = usageOf(found[1]->value);
      haveUsage_ = true;
    }
    // message_delta carries the usage, so it waits for the usage-only chunk.
    if (!stopReason_.empty() && haveUsage_) close(out);
  }

  void finish(EventSink& out) override {
    if (done_) return;
    if (!started_) start(out);
    if (stopReason_.empty()) stopReason_ = "end_turn";
    close(out);
  }

  std::string whole(std::string_view body) override;

 private:
  enum class Block { None, Text, Thinking, Tool };

  void choice(std::string_view choice, EventSink& out) {
    static constexpr std::string_view kKeys[] = {"delta", "finish_reason"};
    std::optional<scan::Member> found[2];
    scan::findEach(choice, kKeys, found);
    if (found[0]) {
      static constexpr std::string_view kDelta[] = {"reasoning_content", "content", "tool_calls"};
      std::optional<scan::Member> delta[3];
      scan::findEach(found[0]->value, kDelta, delta);
      if (delta[0] && nonEmptyString(delta[0]->value)) {
        if (open_ != Block::Thinking)
          startBlock(Block::Thinking, R"({"type":"thinking","thinking":"","signature":""})", out);
        blockDelta(R"({"type":"thinking_delta","thinking":)", delta[0]->value, out);
      }
      if (delta[1] && nonEmptyString(delta[1]->value)) {
        if (open_ != Block::Text) startBlock(Block::Text, R"({"type":"text","text":""})", out);
        blockDelta(R"({"type":"text_delta","text":)", delta[1]->value, out);
      }
      if (delta[2])
        scan::forEachElement(delta[2]->value, [&](std::string_view call) {
          toolCall(call, out);
          return true;
        });
    }
    if (found[1] && found[1]->value.size() > 2 && found[1]->value.front() == '"') {
      std::string reason = stringValue(found[1]->value);
      stopReason_ = stopReasonOf(reason);
      closeBlock(out);  // the chunk's own delta went out first
    }
  }

  void toolCall(std::string_view call, EventSink& out) {
    static constexpr std::string_view kKeys[] = {"index", "id", "function"};
    std::optional<scan::Member> found[3];
    scan::findEach(call, kKeys, found);
    std::string_view name, arguments;
    if (found[2]) {
      static constexpr std::string_view kFunction[] = {"name", "arguments"};
      std::optional<scan::Member> function[2];
      scan::findEach(found[2]->value, kFunction, function);
      if (function[0]) name = function[0]->value;
      if (function[1]) arguments = function[1]->value;
    }
    int64_t index =
        found[0] ? static_cast<int64_t>(uintOf(found[0]->value).value_or(0)) : std::max<int64_t>(openTool_, 0);
    std::string id = found[1] ? stringValue(found[1]->value) : std::string();
    bool seen = std::find(toolIds_.begin(), toolIds_.end(), id) != toolIds_.end();
    bool sameCall = open_ == Block::Tool && (id.empty() || id == toolIds_.back()) && (index == openTool_ || seen);
    if (!sameCall) {
      // Some upstreams number every parallel call 0: a new id is a new call all the same. A block
      // once stopped cannot take more deltas: late fragments of an earlier call are lost.
      if (id.empty() ? index <= lastTool_ : seen) return;
      if (id.empty()) id = "toolu_" + util::randomBase62(24);
      std::string block = R"({"type":"tool_use","id":)";
      util::appendJsonString(block, id);
      block += R"(,"name":)";
      std::string canonical = stringValue(name);
      auto mapped = context_.toolNames.find(canonical);
      util::appendJsonString(block, mapped == context_.toolNames.end() ? canonical : mapped->second);
      block += R"(,"input":{}})";
      startBlock(Block::Tool, block, out);
      openTool_ = index;
      lastTool_ = std::max(lastTool_, index);
      toolIds_.push_back(std::move(id));
    }
    if (nonEmptyString(arguments)) blockDelta(R"({"type":"input_json_delta","partial_json":)", arguments, out);
  }

  void start(EventSink& out) {
    started_ = true;
    buf_ = R"({"type":"message_start","message":{"id":)";
    util::appendJsonString(buf_, context_.id);
    buf_ += R"(,"type":"message","role":"assistant","content":[],"model":)";
    util::appendJsonString(buf_, context_.model);
    // Claude Code's context meter reads this count: never 0 before the upstream's arrives.
    buf_ += R"(,"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":)";
    appendUint(buf_, std::max<uint64_t>(context_.inputTokensEstimate, 1));
    buf_ += R"(,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}})";
    out.event("message_start", buf_, 0);
  }

  void startBlock(Block kind, std::string_view contentBlock, EventSink& out) {
    closeBlock(out);
    blockIndex_ = nextIndex_++;
    buf_ = R"({"type":"content_block_start","index":)";
    appendUint(buf_, blockIndex_);
    buf_ += R"(,"content_block":)";
    buf_ += contentBlock;
    buf_ += '}';
    out.event("content_block_start", buf_, 0);
    open_ = kind;
  }

  void blockDelta(std::string_view head, std::string_view rawString, EventSink& out) {
    generatedBytes_ += rawString.size() - 2;
    buf_ = R"({"type":"content_block_delta","index":)";
    appendUint(buf_, blockIndex_);
    buf_ += R"(,"delta":)";
    buf_ += head;
    buf_ += rawString;
    buf_ += "}}";
    out.event("content_block_delta", buf_, 0);
  }

  void closeBlock(EventSink& out) {
    if (open_ == Block::None) return;
    buf_ = R"({"type":"content_block_stop","index":)";
    appendUint(buf_, blockIndex_);
    buf_ += '}';
    out.event("content_block_stop", buf_, 0);
    open_ = Block::None;
    openTool_ = -1;
  }

  void close(EventSink& out) {
    closeBlock(out);
    Usage u = usage_;
    if (!haveUsage_) {  // the upstream never said: what was counted here
      u.prompt = std::max<uint64_t>(context_.inputTokensEstimate, 1);
      u.completion = (generatedBytes_ + 3) / 4;
    }
    buf_ = R"({"type":"message_delta","delta":{"stop_reason":)";
    util::appendJsonString(buf_, stopReason_);
    buf_ += R"(,"stop_sequence":null},"usage":{"input_tokens":)";
    appendUint(buf_, uncachedInput(u));
    buf_ += R"(,"output_tokens":)";
    appendUint(buf_, u.completion);
    buf_ += R"(,"cache_read_input_tokens":)";
    appendUint(buf_, u.cached);
    buf_ += R"(,"cache_creation_input_tokens":)";
    appendUint(buf_, u.cacheWrite);
    buf_ += "}}";
    out.event("message_delta", buf_, 0);
    out.event("message_stop", R"({"type":"message_stop"})", 0);
    done_ = true;
  }

  ResponseContext context_;
  std::string buf_;
  bool started_ = false;
  bool done_ = false;
  Block open_ = Block::None;
  uint64_t nextIndex_ = 0;
  uint64_t blockIndex_ = 0;
  int64_t openTool_ = -1;             // canonical index of the tool call whose block is open
  int64_t lastTool_ = -1;             // highest canonical tool index given a block
  std::vector<std::string> toolIds_;  // of the calls given a block, in order
  std::string_view stopReason_;       // held until the usage comes
  Usage usage_;
  bool haveUsage_ = false;
  uint64_t generatedBytes_ = 0;
};

std::string Encoder::whole(std::string_view body) {
  json in = json::parse(body, nullptr, false);
  json content = json::array();
  std::string_view stopReason = "end_turn";
  if (in.is_object() && in.contains("choices") && in["choices"].is_array() && !in["choices"].empty()) {
    const json& choice = in["choices"][0];
    if (choice.contains("finish_reason") && choice["finish_reason"].is_string())
      stopReason = stopReasonOf(choice["finish_reason"].get_ref<const std::string&>());
    static const json kEmpty = json::object();
    auto object = [](const json& parent, const char* key) -> const json& {
      auto it = parent.find(key);
      return it != parent.end() && it->is_object() ? *it : kEmpty;
    };
    const json& message = object(choice, "message");
    auto text = [&](const char* key) {
      auto it = message.find(key);
      return it != message.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (std::string thinking = text("reasoning_content"); !thinking.empty())
      content.push_back({{"type", "thinking"}, {"thinking", thinking}, {"signature", ""}});
    if (std::string t = text("content"); !t.empty()) content.push_back({{"type", "text"}, {"text", t}});
    if (std::string refusal = text("refusal"); !refusal.empty()) {
      content.push_back({{"type", "text"}, {"text", refusal}});
      stopReason = "refusal";
    }
    if (auto calls = message.find("tool_calls"); calls != message.end() && calls->is_array()) {
      for (const auto& call : *calls) {
        const json& function = object(call, "function");
        std::string name = stringOf(function, "name");
        if (auto mapped = context_.toolNames.find(name); mapped != context_.toolNames.end()) name = mapped->second;
        json input = json::parse(stringOf(function, "arguments"), nullptr, false);
        if (!input.is_object()) input = json::object();
        content.push_back(
            {{"type", "tool_use"}, {"id", stringOf(call, "id")}, {"name", name}, {"input", std::move(input)}});
      }
    }
  }
  Usage u;
  if (auto usage = scan::find(body, "usage"); usage && !usage->value.empty() && usage->value.front() == '{')
    u = usageOf(usage->value);
  json message = {{"id", context_.id},
                  {"type", "message"},
                  {"role", "assistant"},
                  {"model", context_.model},
                  {"content", std::move(content)},
                  {"stop_reason", stopReason},
                  {"stop_sequence", nullptr},
                  {"usage",
                   {{"input_tokens", uncachedInput(u)},
                    {"output_tokens", u.completion},
                    {"cache_creation_input_tokens", u.cacheWrite},
                    {"cache_read_input_tokens", u.cached}}}};
  return message.dump();
}

}  // namespace

std::unique_ptr<ResponseEncoder> makeEncoder(ResponseContext context) {
  return std::make_unique<Encoder>(std::move(context));
}

}  // namespace turnpike::dialects::anthropic
