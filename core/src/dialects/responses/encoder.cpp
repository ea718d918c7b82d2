// Canonical chat responses -> the Response object and its event stream. A stream is scanned
// (turnpike/json_scan.hpp), never parsed: text deltas are spliced from the chunk as they are, still
// escaped, and kept that way for the done events and the final object.
#include <turnpike/json_scan.hpp>
#include <turnpike/plugin_abi.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "billing/pricing.hpp"
#include "dialects/custom_tools.hpp"
#include "dialects/json_access.hpp"
#include "dialects/responses/response_object.hpp"
#include "dialects/responses/responses_dialect.hpp"
#include "util/strings.hpp"

namespace turnpike::dialects::responses {

namespace json_scan = sdk::json_scan;
using nlohmann::json;

namespace {

// The contents of a JSON string literal (still escaped); empty for anything else.
std::string_view stringContents(std::string_view literal) {
  if (literal.size() < 2 || literal.front() != '"') return {};
  return literal.substr(1, literal.size() - 2);
}

// A literal's decoded text (names and ids: short, and escaped only in odd cases).
std::string decoded(std::string_view literal) {
  std::string_view inner = stringContents(literal);
  if (inner.find('\\') == std::string_view::npos) return std::string(inner);
  json parsed = json::parse(literal, nullptr, false);
  return parsed.is_string() ? parsed.get<std::string>() : std::string();
}

std::optional<size_t> indexOf(std::string_view raw) {
  if (raw.empty() || raw.size() > 6) return std::nullopt;
  size_t v = 0;
  for (char c : raw) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  return v;
}

// The status and incomplete reason a chat finish_reason gives.
std::pair<std::string_view, std::string_view> outcomeOf(std::string_view finishReason) {
  if (finishReason == "length") return {"incomplete", "max_output_tokens"};
  if (finishReason == "content_filter") return {"incomplete", "content_filter"};
  return {"completed", {}};
}

class Encoder final : public ResponseEncoder {
 public:
  explicit Encoder(ResponseContext context) : context_(std::move(context)), echo_(echoMembers(context_.echo)) {}

  void chunk(std::string_view chunkJson, uint32_t flags, EventSink& out) override {
    if (terminated_) return;
    start(out);
    static constexpr std::string_view kTop[] = {"choices", "usage"};
    std::optional<json_scan::Member> top[2];
    json_scan::findEach(chunkJson, kTop, top);
    if (top[0]) {
      json_scan::forEachElement(top[0]->value, [&](std::string_view choice) {
        onChoice(choice, out);
        return false;  // one choice: the Responses API has no n
      });
    }
    if (top[1] && !top[1]->value.empty() && top[1]->value.front() == '{') {
      json parsed = json::parse(top[1]->value, nullptr, false);
      if (parsed.is_object()) usage_ = tokenUsageOf(parsed);
    }
    if (finished_ && usage_) terminate(out);
  }

  void finish(EventSink& out) override {
    if (terminated_) return;
    start(out);
    closeAll(out);
    terminate(out);
  }

  std::string whole(std::string_view completion) override;

  std::string finalResponse() const override { return final_; }

  // response.failed with the error, as Codex reads it (error.code: rate_limit_exceeded ...).
  bool fail(std::string_view code, std::string_view message, EventSink& out) override {
    if (terminated_) return true;
    start(out);
    std::string error = "{\"code\":";
    util::appendJsonString(error, code);
    error += ",\"message\":";
    util::appendJsonString(error, message);
    error += '}';
    final_ = responseObject(context_, echo_, "failed", {}, {}, {}, error);
    std::string& e = begin("response.failed");
    e += ",\"response\":";
    e += final_;
    emit(out, "response.failed");
    terminated_ = true;
    return true;
  }

 private:
  enum class Kind { None, Message, Reasoning };

  struct ToolCall {
    bool opened = false;
    bool closed = false;
    bool custom = false;        // a custom_tool_call item
    bool viaFunction = false;   // ... that came back as a function call {"input": ...}
    size_t outputIndex = 0;
    std::string itemId;
    std::string callId;
    std::string name;           // the client's
    std::string text;           // arguments or input, escaped
  };

  // Event framing: begin() starts {"type","sequence_number"; the caller appends members; emit()
  // closes and sends it.
  std::string& begin(std::string_view type) {
    event_.clear();
    event_ += "{\"type\":\"";
    event_ += type;
    event_ += "\",\"sequence_number\":";
    appendUint(event_, sequence_++);
    return event_;
  }
  void emit(EventSink& out, std::string_view type) {
    event_ += '}';
    out.event(type, event_, 0);
  }
  void appendAddress(std::string& e, std::string_view itemId, size_t outputIndex) {
    e += ",\"item_id\":\"";
    e += itemId;
    e += "\",\"output_index\":";
    appendUint(e, outputIndex);
  }

  void start(EventSink& out) {
    if (started_) return;
    started_ = true;
    std::string inProgress = responseObject(context_, echo_, "in_progress", {}, {}, {});
    for (std::string_view type : {"response.created", "response.in_progress"}) {
      std::string& e = begin(type);
      e += ",\"response\":";
      e += inProgress;
      emit(out, type);
    }
  }

  void onChoice(std::string_view choice, EventSink& out) {
    static constexpr std::string_view kChoice[] = {"delta", "finish_reason"};
    std::optional<json_scan::Member> c[2];
    json_scan::findEach(choice, kChoice, c);
    if (c[0]) {
      static constexpr std::string_view kDelta[] = {"reasoning_content", "content", "tool_calls"};
      std::optional<json_scan::Member> d[3];
      json_scan::findEach(c[0]->value, kDelta, d);
      if (d[0]) reasoningDelta(stringContents(d[0]->value), out);
      if (d[1]) textDelta(stringContents(d[1]->value), out);
      if (d[2]) {
        json_scan::forEachElement(d[2]->value, [&](std::string_view call) {
          toolCallDelta(call, out);
          return true;
        });
      }
    }
    if (c[1] && c[1]->value.size() >= 2 && c[1]->value.front() == '"') {
      finishReason_ = std::string(stringContents(c[1]->value));
      finished_ = true;
      closeAll(out);
    }
  }

  void reasoningDelta(std::string_view text, EventSink& out) {
    if (text.empty()) return;
    if (current_ != Kind::Reasoning) {
      closeCurrent(out);
      closeTools(out);
      open(Kind::Reasoning, "rs", out);
    }
    std::string& e = begin("response.reasoning_summary_text.delta");
    appendAddress(e, currentId_, currentIndex_);
    e += ",\"summary_index\":0,\"delta\":\"";
    e += text;
    e += '"';
    emit(out, "response.reasoning_summary_text.delta");
    currentText_ += text;
    generatedBytes_ += text.size();
  }

  void textDelta(std::string_view text, EventSink& out) {
    if (text.empty()) return;
    if (current_ != Kind::Message) {
      closeCurrent(out);
      closeTools(out);
      open(Kind::Message, "msg", out);
    }
    std::string& e = begin("response.output_text.delta");
    appendAddress(e, currentId_, currentIndex_);
    e += ",\"content_index\":0,\"delta\":\"";
    e += text;
    e += "\",\"logprobs\":[]";
    emit(out, "response.output_text.delta");
    currentText_ += text;
    generatedBytes_ += text.size();
  }

  void open(Kind kind, std::string_view prefix, EventSink& out) {
    current_ = kind;
    currentIndex_ = nextIndex_++;
    currentId_ = itemId(prefix, context_.id, currentIndex_);
    currentText_.clear();
    std::string& e = begin("response.output_item.added");
    e += ",\"output_index\":";
    appendUint(e, currentIndex_);
    e += ",\"item\":";
    if (kind == Kind::Message) {
      appendMessageItem(e, currentId_, "in_progress", nullptr);
    } else {
      appendReasoningItem(e, currentId_, nullptr);
    }
    emit(out, "response.output_item.added");
    if (kind == Kind::Message) {
      std::string& p = begin("response.content_part.added");
      appendAddress(p, currentId_, currentIndex_);
      p += ",\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[],\"logprobs\":[]}";
      emit(out, "response.content_part.added");
    } else {
      std::string& p = begin("response.reasoning_summary_part.added");
      appendAddress(p, currentId_, currentIndex_);
      p += ",\"summary_index\":0,\"part\":{\"type\":\"summary_text\",\"text\":\"\"}";
      emit(out, "response.reasoning_summary_part.added");
    }
  }

  std::string_view itemStatus() const { return outcomeOf(finishReason_).first == "incomplete" ? "incomplete" : "completed"; }

  void closeCurrent(EventSink& out) {
    if (current_ == Kind::None) return;
    std::string item;
    if (current_ == Kind::Message) {
      std::string& d = begin("response.output_text.done");
      appendAddress(d, currentId_, currentIndex_);
      d += ",\"content_index\":0,\"text\":\"";
      d += currentText_;
      d += "\",\"logprobs\":[]";
      emit(out, "response.output_text.done");
      std::string& p = begin("response.content_part.done");
      appendAddress(p, currentId_, currentIndex_);
      p += ",\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"";
      p += currentText_;
      p += "\",\"annotations\":[],\"logprobs\":[]}";
      emit(out, "response.content_part.done");
      appendMessageItem(item, currentId_, itemStatus(), &currentText_);
    } else {
      std::string& d = begin("response.reasoning_summary_text.done");
      appendAddress(d, currentId_, currentIndex_);
      d += ",\"summary_index\":0,\"text\":\"";
      d += currentText_;
      d += '"';
      emit(out, "response.reasoning_summary_text.done");
      std::string& p = begin("response.reasoning_summary_part.done");
      appendAddress(p, currentId_, currentIndex_);
      p += ",\"summary_index\":0,\"part\":{\"type\":\"summary_text\",\"text\":\"";
      p += currentText_;
      p += "\"}";
      emit(out, "response.reasoning_summary_part.done");
      appendReasoningItem(item, currentId_, &currentText_);
    }
    itemDone(currentIndex_, std::move(item), out);
    current_ = Kind::None;
  }

  void itemDone(size_t outputIndex, std::string item, EventSink& out) {
    std::string& e = begin("response.output_item.done");
    e += ",\"output_index\":";
    appendUint(e, outputIndex);
    e += ",\"item\":";
    e += item;
    emit(out, "response.output_item.done");
    if (items_.size() <= outputIndex) items_.resize(outputIndex + 1);
    items_[outputIndex] = std::move(item);
  }

  void toolCallDelta(std::string_view call, EventSink& out) {
    static constexpr std::string_view kCall[] = {"index", "id", "type", "function", "custom"};
    std::optional<json_scan::Member> m[5];
    json_scan::findEach(call, kCall, m);
    std::optional<size_t> index = m[0] ? indexOf(m[0]->value) : std::optional<size_t>(tools_.size());
    if (!index || *index > kMaxToolCalls) return;
    if (tools_.size() <= *index) tools_.resize(*index + 1);
    ToolCall& tool = tools_[*index];
    if (tool.closed) return;  // a call continued after other output: it was complete already
    bool custom = (m[2] && m[2]->value == "\"custom\"") || m[4];
    std::optional<json_scan::Member> body = custom ? m[4] : m[3];
    static constexpr std::string_view kFunction[] = {"name", "arguments"};
    static constexpr std::string_view kCustom[] = {"name", "input"};
    std::optional<json_scan::Member> f[2];
    if (body) json_scan::findEach(body->value, custom ? kCustom : kFunction, f);
    if (m[1] && tool.callId.empty()) tool.callId = decoded(m[1]->value);
    if (f[0] && tool.name.empty()) {
      tool.name = clientToolName(context_, decoded(f[0]->value));
      tool.custom = custom || isCustomTool(context_.echo, tool.name);
      tool.viaFunction = tool.custom && !custom;
    }
    if (!tool.opened && !tool.name.empty()) openTool(tool, out);
    std::string_view piece = f[1] ? stringContents(f[1]->value) : std::string_view();
    if (piece.empty()) return;
    tool.text += piece;
    generatedBytes_ += piece.size();
    if (!tool.opened || tool.viaFunction) return;  // sent once whole at the close
    std::string_view type = tool.custom ? "response.custom_tool_call_input.delta" : "response.function_call_arguments.delta";
    std::string& e = begin(type);
    appendAddress(e, tool.itemId, tool.outputIndex);
    e += ",\"delta\":\"";
    e += piece;
    e += '"';
    emit(out, type);
  }

  void openTool(ToolCall& tool, EventSink& out) {
    closeCurrent(out);
    tool.opened = true;
    tool.outputIndex = nextIndex_++;
    tool.itemId = itemId(tool.custom ? "ctc" : "fc", context_.id, tool.outputIndex);
    if (tool.callId.empty()) tool.callId = itemId("call", context_.id, tool.outputIndex);
    std::string& e = begin("response.output_item.added");
    e += ",\"output_index\":";
    appendUint(e, tool.outputIndex);
    e += ",\"item\":";
    if (tool.custom) {
      appendCustomCallItem(e, tool.itemId, "in_progress", tool.callId, tool.name, {});
    } else {
      appendFunctionCallItem(e, tool.itemId, "in_progress", tool.callId, tool.name, {});
    }
    emit(out, "response.output_item.added");
    if (!tool.text.empty() && !tool.viaFunction) {
      std::string_view type = tool.custom ? "response.custom_tool_call_input.delta" : "response.function_call_arguments.delta";
      std::string& d = begin(type);
      appendAddress(d, tool.itemId, tool.outputIndex);
      d += ",\"delta\":\"";
      d += tool.text;
      d += '"';
      emit(out, type);
    }
  }

  void closeTool(ToolCall& tool, EventSink& out) {
    if (tool.viaFunction) {
      // The arguments {"input": ...} as a whole -> the custom tool's input, sent as one delta.
      json arguments = json::parse("\"" + tool.text + "\"", nullptr, false);
      std::string text = arguments.is_string() ? arguments.get<std::string>() : std::string();
      tool.text = escaped(customInputFromArguments(text).value_or(text));
      std::string& d = begin("response.custom_tool_call_input.delta");
      appendAddress(d, tool.itemId, tool.outputIndex);
      d += ",\"delta\":\"";
      d += tool.text;
      d += '"';
      emit(out, "response.custom_tool_call_input.delta");
    }
    std::string item;
    if (tool.custom) {
      std::string& d = begin("response.custom_tool_call_input.done");
      appendAddress(d, tool.itemId, tool.outputIndex);
      d += ",\"input\":\"";
      d += tool.text;
      d += '"';
      emit(out, "response.custom_tool_call_input.done");
      appendCustomCallItem(item, tool.itemId, itemStatus(), tool.callId, tool.name, tool.text);
    } else {
      std::string& d = begin("response.function_call_arguments.done");
      appendAddress(d, tool.itemId, tool.outputIndex);
      d += ",\"name\":";
      util::appendJsonString(d, tool.name);
      d += ",\"arguments\":\"";
      d += tool.text;
      d += '"';
      emit(out, "response.function_call_arguments.done");
      appendFunctionCallItem(item, tool.itemId, itemStatus(), tool.callId, tool.name, tool.text);
    }
    tool.closed = true;
    itemDone(tool.outputIndex, std::move(item), out);
  }

  // Open calls close in their output order.
  void closeTools(EventSink& out) {
    std::vector<ToolCall*> open;
    for (ToolCall& tool : tools_) {
      if (tool.closed) continue;
      if (!tool.opened && !tool.text.empty()) openTool(tool, out);  // a call whose name never came
      if (tool.opened) open.push_back(&tool);
    }
    std::sort(open.begin(), open.end(), [](auto* a, auto* b) { return a->outputIndex < b->outputIndex; });
    for (ToolCall* tool : open) closeTool(*tool, out);
  }

  void closeAll(EventSink& out) {
    closeCurrent(out);
    closeTools(out);
  }

  void terminate(EventSink& out) {
    terminated_ = true;
    if (!usage_) {
      TokenUsage estimate;
      estimate.input = context_.inputTokensEstimate;
      estimate.output = billing::estimateDeliveredTokens(generatedBytes_);
      estimate.total = estimate.input + estimate.output;
      usage_ = estimate;
    }
    auto [status, reason] = outcomeOf(finishReason_);
    std::string items;
    for (const std::string& item : items_) {
      if (item.empty()) continue;
      if (!items.empty()) items += ',';
      items += item;
    }
    std::string usage;
    appendUsage(usage, *usage_);
    final_ = responseObject(context_, echo_, status, items, usage, reason);
    std::string_view type = status == "completed" ? "response.completed" : "response.incomplete";
    std::string& e = begin(type);
    e += ",\"response\":";
    e += final_;
    emit(out, type);
  }

  static constexpr size_t kMaxToolCalls = 1024;

  ResponseContext context_;
  std::string echo_;
  std::string event_;
  uint64_t sequence_ = 0;
  bool started_ = false;
  bool finished_ = false;
  bool terminated_ = false;
  std::string finishReason_;
  std::optional<TokenUsage> usage_;
  uint64_t generatedBytes_ = 0;
  size_t nextIndex_ = 0;
  Kind current_ = Kind::None;
  size_t currentIndex_ = 0;
  std::string currentId_;
  std::string currentText_;
  std::vector<ToolCall> tools_;
  std::vector<std::string> items_;  // finished items by output index
  std::string final_;
};

std::string Encoder::whole(std::string_view completion) {
  json parsed = json::parse(completion, nullptr, false);
  const json* choice = nullptr;
  if (parsed.is_object() && parsed.contains("choices") && parsed["choices"].is_array() && !parsed["choices"].empty() &&
      parsed["choices"][0].is_object())
    choice = &parsed["choices"][0];
  if (choice == nullptr) {
    final_ = responseObject(context_, echo_, "failed", {}, {}, {},
                            R"({"code":"server_error","message":"The upstream's response could not be read."})");
    return final_;
  }
  static const json kEmpty = json::object();
  const json& message = choice->contains("message") && (*choice)["message"].is_object() ? (*choice)["message"] : kEmpty;
  finishReason_ = stringOf(*choice, "finish_reason");
  std::string status(itemStatus());
  std::string items;
  size_t index = 0;
  auto next = [&]() -> std::string& {
    if (!items.empty()) items += ',';
    return items;
  };
  std::string reasoning = stringOf(message, "reasoning_content");
  if (!reasoning.empty()) {
    std::string text = escaped(reasoning);
    appendReasoningItem(next(), itemId("rs", context_.id, index++), &text);
    generatedBytes_ += reasoning.size();
  }
  std::string content = stringOf(message, "content");
  if (!content.empty()) {
    std::string text = escaped(content);
    appendMessageItem(next(), itemId("msg", context_.id, index), status, &text);
    ++index;
    generatedBytes_ += content.size();
  }
  if (message.contains("tool_calls") && message["tool_calls"].is_array()) {
    for (const json& call : message["tool_calls"]) {
      if (!call.is_object()) continue;
      bool custom = stringOf(call, "type") == "custom";
      const json& body = call.contains(custom ? "custom" : "function") && call[custom ? "custom" : "function"].is_object()
                             ? call[custom ? "custom" : "function"]
                             : kEmpty;
      std::string name = clientToolName(context_, stringOf(body, "name"));
      std::string callId = stringOf(call, "id");
      if (callId.empty()) callId = itemId("call", context_.id, index);
      if (custom || isCustomTool(context_.echo, name)) {
        std::string input = custom ? stringOf(body, "input") : stringOf(body, "arguments");
        if (!custom) input = customInputFromArguments(input).value_or(input);
        appendCustomCallItem(next(), itemId("ctc", context_.id, index), status, callId, name, escaped(input));
        generatedBytes_ += input.size();
      } else {
        std::string arguments = stringOf(body, "arguments");
        appendFunctionCallItem(next(), itemId("fc", context_.id, index), status, callId, name, escaped(arguments));
        generatedBytes_ += arguments.size();
      }
      ++index;
    }
  }
  TokenUsage usage;
  if (parsed.contains("usage") && parsed["usage"].is_object()) {
    usage = tokenUsageOf(parsed["usage"]);
  } else {
    usage.input = context_.inputTokensEstimate;
    usage.output = billing::estimateDeliveredTokens(generatedBytes_);
    usage.total = usage.input + usage.output;
  }
  std::string usageText;
  appendUsage(usageText, usage);
  auto [responseStatus, reason] = outcomeOf(finishReason_);
  final_ = responseObject(context_, echo_, responseStatus, items, usageText, reason);
  terminated_ = true;
  return final_;
}

}  // namespace

std::unique_ptr<ResponseEncoder> makeEncoder(ResponseContext context) {
  return std::make_unique<Encoder>(std::move(context));
}

}  // namespace turnpike::dialects::responses
