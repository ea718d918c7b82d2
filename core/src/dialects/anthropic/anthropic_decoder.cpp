// Anthropic events (one data JSON each, as the anthropic provider plugin passes them) ->
// canonical chat chunks; Message -> chat.completion. Per event: one scan, literals spliced.
#include <turnpike/json_scan.hpp>
#include <vector>

#include "dialects/anthropic/anthropic_common.hpp"
#include "dialects/anthropic/anthropic_dialect.hpp"
#include "dialects/json_access.hpp"
#include "util/strings.hpp"

namespace turnpike::dialects::anthropic {
namespace {

namespace scan = sdk::json_scan;
using nlohmann::json;

struct Usage {
  uint64_t input = 0, output = 0, cacheRead = 0, cacheWrite = 0;

  // message_delta's counts overwrite message_start's where present (as the SDK does).
  void update(std::string_view usage) {
    static constexpr std::string_view kKeys[] = {"input_tokens", "output_tokens", "cache_read_input_tokens",
                                                 "cache_creation_input_tokens"};
    std::optional<scan::Member> found[4];
    scan::findEach(usage, kKeys, found);
    uint64_t* fields[] = {&input, &output, &cacheRead, &cacheWrite};
    for (size_t i = 0; i < 4; ++i)
      if (found[i])
        if (auto v = util::parseUint(found[i]->value)) *fields[i] = *v;
  }

  void appendCanonical(std::string& out) const {
    uint64_t prompt = input + cacheRead + cacheWrite;
    out += R"({"prompt_tokens":)";
    appendUint(out, prompt);
    out += R"(,"completion_tokens":)";
    appendUint(out, output);
    out += R"(,"total_tokens":)";
    appendUint(out, prompt + output);
    out += R"(,"prompt_tokens_details":{"cached_tokens":)";
    appendUint(out, cacheRead);
    out += R"(,"cache_write_tokens":)";
    appendUint(out, cacheWrite);
    out += "}}";
  }
};

class Decoder final : public ResponseDecoder {
 public:
  explicit Decoder(ResponseContext context) : context_(std::move(context)) {}

  void chunk(std::string_view event, EventSink& out) override {
    if (done_) return;
    static constexpr std::string_view kKeys[] = {"type", "index", "delta", "content_block", "message", "usage"};
    std::optional<scan::Member> found[6];
    scan::findEach(event, kKeys, found);
    if (!found[0]) return;
    std::string_view type = found[0]->value;
    if (type == R"("content_block_delta")") {
      if (found[2]) blockDelta(found[1] ? found[1]->value : std::string_view(), found[2]->value, out);
    } else if (type == R"("content_block_start")") {
      if (found[3]) blockStart(found[1] ? found[1]->value : std::string_view(), found[3]->value, out);
    } else if (type == R"("message_start")") {
      messageStart(found[4] ? found[4]->value : std::string_view(), out);
    } else if (type == R"("message_delta")") {
      if (found[5]) usage_.update(found[5]->value);
      std::string_view reason;
      if (found[2])
        if (auto r = scan::find(found[2]->value, "stop_reason")) reason = r->value;
      ensureStarted(out);
      chunkHead();
      buf_ += R"({},"finish_reason":)";
      util::appendJsonString(buf_, finishReasonOf(stringValue(reason)));
      buf_ += "}]}";
      out.event({}, buf_, 0);
    } else if (type == R"("message_stop")") {
      finish(out);
    }
    // ping, content_block_stop, error (the plugin reports it) and unknown types: nothing.
  }

  void finish(EventSink& out) override {
    if (done_ || !started_) return;
    done_ = true;
    buf_ = prefix_;
    buf_ += R"([],"usage":)";
    usage_.appendCanonical(buf_);
    buf_ += '}';
    out.event({}, buf_, TP_CHUNK_USAGE_ONLY);
  }

  std::string whole(std::string_view body) override;

 private:
  void messageStart(std::string_view message, EventSink& out) {
    if (started_) return;
    static constexpr std::string_view kKeys[] = {"id", "usage"};
    std::optional<scan::Member> found[2];
    scan::findEach(message, kKeys, found);
    if (found[1]) usage_.update(found[1]->value);
    start(found[0] ? stringValue(found[0]->value) : std::string());
    chunkHead();
    buf_ += R"({"role":"assistant","content":""},"finish_reason":null}]})";
    out.event({}, buf_, 0);
  }

  void ensureStarted(EventSink& out) {
    if (started_) return;
    messageStart({}, out);
  }

  void start(const std::string& messageId) {
    started_ = true;
    prefix_ = R"({"id":)";
    util::appendJsonString(prefix_, context_.id.empty() ? messageId : context_.id);
    prefix_ += R"(,"object":"chat.completion.chunk","created":)";
    appendUint(prefix_, static_cast<uint64_t>(std::max<int64_t>(context_.createdAt, 0)));
    prefix_ += R"(,"model":)";
    util::appendJsonString(prefix_, context_.model);
    prefix_ += R"(,"choices":)";
  }

  void chunkHead() {
    buf_ = prefix_;
    buf_ += R"([{"index":0,"delta":)";
  }

  void blockStart(std::string_view index, std::string_view block, EventSink& out) {
    static constexpr std::string_view kKeys[] = {"type", "id", "name", "input", "tool_use", "text"};
    std::optional<scan::Member> found[6];
    scan::findEach(block, kKeys, found);
    if (!found[0]) return;
    ensureStarted(out);
    if (found[0]->value == R"("text")") {
      if (found[5] && nonEmptyString(found[5]->value)) emitText(R"({"content":)", found[5]->value, out);
      return;
    }
    if (found[0]->value != R"("tool_use")") return;
    // Some gateways nest the call one level down: content_block{type:tool_use,tool_use{…}}.
    if (found[4] && !found[1]) scan::findEach(found[4]->value, kKeys, found);
    uint64_t ordinal = tools_;
    ++tools_;
    if (auto i = util::parseUint(index)) toolOrdinals_.push_back({*i, ordinal});
    std::string name = found[2] ? stringValue(found[2]->value) : std::string();
    auto mapped = context_.toolNames.find(name);
    chunkHead();
    buf_ += R"({"tool_calls":[{"index":)";
    appendUint(buf_, ordinal);
    buf_ += R"(,"id":)";
    buf_ += found[1] ? found[1]->value : std::string_view(R"("")");
    buf_ += R"(,"type":"function","function":{"name":)";
    util::appendJsonString(buf_, mapped == context_.toolNames.end() ? name : mapped->second);
    buf_ += R"(,"arguments":)";
    // input is {} when arguments stream as input_json_delta; a complete input comes as it is.
    std::string_view input = found[3] ? found[3]->value : std::string_view();
    bool complete = false;
    scan::forEachMember(input, [&](std::string_view, const scan::Member&) { return !(complete = true); });
    if (complete) {
      util::appendJsonString(buf_, input);
    } else {
      buf_ += R"("")";
    }
    buf_ += R"(}}]},"finish_reason":null}]})";
    out.event({}, buf_, 0);
  }

  void blockDelta(std::string_view index, std::string_view delta, EventSink& out) {
    static constexpr std::string_view kKeys[] = {"type", "text", "partial_json", "thinking"};
    std::optional<scan::Member> found[4];
    scan::findEach(delta, kKeys, found);
    if (!found[0]) return;
    std::string_view type = found[0]->value;
    ensureStarted(out);
    if (type == R"("text_delta")" && found[1]) {
      emitText(R"({"content":)", found[1]->value, out);
    } else if (type == R"("thinking_delta")" && found[3]) {
      emitText(R"({"reasoning_content":)", found[3]->value, out);
    } else if (type == R"("input_json_delta")" && found[2] && nonEmptyString(found[2]->value)) {
      auto i = util::parseUint(index);
      uint64_t ordinal = tools_ == 0 ? 0 : tools_ - 1;
      for (const auto& [block, tool] : toolOrdinals_)
        if (i && block == *i) ordinal = tool;
      chunkHead();
      buf_ += R"({"tool_calls":[{"index":)";
      appendUint(buf_, ordinal);
      buf_ += R"(,"function":{"arguments":)";
      buf_ += found[2]->value;
      buf_ += R"(}}]},"finish_reason":null}]})";
      out.event({}, buf_, 0);
    }
    // signature_delta and citations_delta have no canonical form.
  }

  void emitText(std::string_view head, std::string_view rawString, EventSink& out) {
    chunkHead();
    buf_ += head;
    buf_ += rawString;
    buf_ += R"(},"finish_reason":null}]})";
    out.event({}, buf_, 0);
  }

  ResponseContext context_;
  std::string prefix_;  // {"id":…,"object":…,"created":…,"model":…,"choices":
  std::string buf_;
  bool started_ = false;
  bool done_ = false;
  uint64_t tools_ = 0;
  std::vector<std::pair<uint64_t, uint64_t>> toolOrdinals_;  // block index -> tool ordinal
  Usage usage_;
};

std::string Decoder::whole(std::string_view body) {
  json in = json::parse(body, nullptr, false);
  if (!in.is_object()) in = json::object();
  std::string text, thinking;
  json toolCalls = json::array();
  if (auto content = in.find("content"); content != in.end() && content->is_array()) {
    for (const auto& block : *content) {
      if (!block.is_object()) continue;
      std::string type = stringOf(block, "type");
      if (type == "text") {
        text += stringOf(block, "text");
      } else if (type == "thinking") {
        thinking += stringOf(block, "thinking");
      } else if (type == "tool_use") {
        std::string name = stringOf(block, "name");
        if (auto mapped = context_.toolNames.find(name); mapped != context_.toolNames.end()) name = mapped->second;
        toolCalls.push_back(
            {{"id", stringOf(block, "id")},
             {"type", "function"},
             {"function", {{"name", name}, {"arguments", block.value("input", json::object()).dump()}}}});
      }
    }
  }
  json message = {{"role", "assistant"}, {"content", text.empty() && !toolCalls.empty() ? json() : json(text)}};
  if (!thinking.empty()) message["reasoning_content"] = thinking;
  if (!toolCalls.empty()) message["tool_calls"] = std::move(toolCalls);
  std::string stopReason =
      in.contains("stop_reason") && in["stop_reason"].is_string() ? in["stop_reason"].get<std::string>() : "";
  Usage usage;
  if (auto u = scan::find(body, "usage"); u && !u->value.empty() && u->value.front() == '{') usage.update(u->value);
  uint64_t prompt = usage.input + usage.cacheRead + usage.cacheWrite;
  json out = {
      {"id", context_.id.empty() ? stringOf(in, "id") : context_.id},
      {"object", "chat.completion"},
      {"created", context_.createdAt},
      {"model", context_.model},
      {"choices",
       json::array({{{"index", 0}, {"message", std::move(message)}, {"finish_reason", finishReasonOf(stopReason)}}})},
      {"usage",
       {{"prompt_tokens", prompt},
        {"completion_tokens", usage.output},
        {"total_tokens", prompt + usage.output},
        {"prompt_tokens_details", {{"cached_tokens", usage.cacheRead}, {"cache_write_tokens", usage.cacheWrite}}}}}};
  return out.dump();
}

}  // namespace

std::unique_ptr<ResponseDecoder> makeDecoder(ResponseContext context) {
  return std::make_unique<Decoder>(std::move(context));
}

}  // namespace turnpike::dialects::anthropic
