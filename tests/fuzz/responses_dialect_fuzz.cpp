// The OpenAI Responses translator (dialects/responses) on what clients and upstreams send. The
// first byte picks the mode ('0'..'3' in the seeds), the rest is its input:
//   0  a /v1/responses body with no history: parseRequestDocument, then toCanonical. Refusals
//      are ApiError 400 only; what it accepts is a canonical request scanRequest accepts.
//   1  three lines: an earlier request, the Response object it got, and the new request. The
//      history is conversationAfter(earlier, [], response), as the store keeps it (dumped
//      strictly), then the new request goes through toCanonical with it.
//   2  canonical chunks, one per line, into makeEncoder, then finish(): a Responses stream.
//   3  a whole chat.completion into whole(): a Response object; its output as history.
#include <turnpike/json_scan.hpp>

#include <map>

#include "dialect_fuzz.hpp"
#include "dialects/responses/responses_dialect.hpp"

namespace {

using nlohmann::json;
using turnpike::dialects::CanonicalRequest;
using turnpike::dialects::EventSink;
using turnpike::dialects::ResponseContext;
using turnpike::http::ApiError;
namespace responses = turnpike::dialects::responses;
namespace fuzz = turnpike::fuzz;
namespace scan = turnpike::sdk::json_scan;

// The context of a Codex-like request: a function tool, a custom tool (apply_patch, which
// upstreams may call as a function) and a 70-character tool name that is shortened.
const ResponseContext& context() {
  static const ResponseContext c = [] {
    std::string longName(70, 'm');
    json request = {{"model", "gpt-5-codex"},
                    {"instructions", "You are Codex."},
                    {"input", "fix the bug"},
                    {"tools",
                     {{{"type", "function"}, {"name", "shell"}, {"parameters", {{"type", "object"}}}},
                      {{"type", "custom"}, {"name", "apply_patch"}, {"format", {{"type", "text"}}}},
                      {{"type", "function"}, {"name", longName}}}}};
    CanonicalRequest canonical = responses::toCanonical(request, json::array());
    ResponseContext context;
    context.id = "resp_fuzz";
    context.model = "gpt-5-codex";
    context.createdAt = 1700000000;
    context.inputTokensEstimate = 20;
    context.toolNames = canonical.toolNames;
    context.echo = canonical.echo;
    return context;
  }();
  return c;
}

// toCanonical's verdict on `body` with `history`: nullopt when it refused (ApiError 400).
std::optional<CanonicalRequest> translate(std::string_view body, const json& history) {
  try {
    json doc = turnpike::pipeline::parseRequestDocument(body, responses::kReadMembers);
    return responses::toCanonical(doc, history);
  } catch (const ApiError& e) {
    FUZZ_CHECK(e.status() == 400);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "escaped: %s\n", e.what());
    FUZZ_CHECK(!"an exception other than ApiError escaped toCanonical");
  }
  return std::nullopt;
}

void request(std::string_view body, const json& history) {
  if (auto canonical = translate(body, history)) fuzz::checkCanonicalRequest(*canonical);
}

// The conversation the store keeps after `request` got `response`: as the handler does, dumped
// strictly (a throw there loses the stored response).
json conversation(std::string_view requestBody, std::string_view responseText) {
  json response = fuzz::parsed(responseText).value_or(json::object());
  json doc;
  try {
    doc = turnpike::pipeline::parseRequestDocument(requestBody, responses::kReadMembers);
  } catch (const ApiError&) {
    doc = json::object();
  }
  json history;
  try {
    history = responses::conversationAfter(doc, json::array(), response);
  } catch (const ApiError& e) {
    FUZZ_CHECK(e.status() == 400);
    return json::array();
  }
  FUZZ_CHECK(history.is_array());
  try {
    return json::parse(history.dump());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conversation: %s\n", e.what());
    FUZZ_CHECK(!"the conversation after a response cannot be stored");
  }
  return json::array();
}

void requestWithHistory(std::string_view input) {
  auto lines = fuzz::splitLines(input);
  if (lines.size() < 3) return request(input, json::array());
  size_t rest = lines[0].size() + lines[1].size() + 2;
  request(input.substr(rest), conversation(lines[0], lines[1]));
}

// An output item of the stream: what its deltas said, checked against its done events.
struct Item {
  std::string id;
  std::string type;
  bool done = false;
  std::string text;  // the deltas, decoded
};

// Checks the Responses stream the encoder writes, event by event.
class ResponsesStream final : public EventSink {
 public:
  explicit ResponsesStream(bool validInput) : validInput_(validInput) {}

  void event(std::string_view type, std::string_view data, uint32_t flags) override {
    FUZZ_CHECK(flags == 0);
    FUZZ_CHECK(!terminated_);  // nothing after the terminal event
    FUZZ_CHECK(turnpike::dialects::eventType(data) == type);
    auto sequence = scan::findUint(data, "sequence_number");
    FUZZ_CHECK(sequence && (count_ == 0 || *sequence > lastSequence_));
    lastSequence_ = *sequence;
    if (count_ == 0) FUZZ_CHECK(type == "response.created");
    if (count_ == 1) FUZZ_CHECK(type == "response.in_progress");
    ++count_;
    bytes_ += data.size();
    if (type == "response.completed" || type == "response.incomplete" || type == "response.failed") {
      terminated_ = true;
      for (const Item& item : items_) FUZZ_CHECK(item.done);  // every item done before the end
      if (validInput_) terminal_ = fuzz::mustParse(data, "terminal event").at("response");
      return;
    }
    if (!validInput_) return;
    json e = fuzz::mustParse(data, "Responses event");
    FUZZ_CHECK(e.at("type") == type);
    if (type == "response.created" || type == "response.in_progress") {
      FUZZ_CHECK(e.at("response").at("status") == "in_progress");
      return;
    }
    size_t index = e.at("output_index").get<size_t>();
    if (type == "response.output_item.added") {
      FUZZ_CHECK(index == items_.size());  // output indices 0, 1, 2 ...
      const json& item = e.at("item");
      items_.push_back({item.at("id").get<std::string>(), item.at("type").get<std::string>(), false, {}});
      FUZZ_CHECK(items_.back().type == "message" || items_.back().type == "reasoning" ||
                 items_.back().type == "function_call" || items_.back().type == "custom_tool_call");
      return;
    }
    FUZZ_CHECK(index < items_.size());
    Item& item = items_[index];
    FUZZ_CHECK(!item.done);  // nothing for an item after its output_item.done
    if (type == "response.output_item.done") {
      item.done = true;
      const json& done = e.at("item");
      FUZZ_CHECK(done.at("id") == item.id && done.at("type") == item.type);
      if (item.type == "function_call") FUZZ_CHECK(done.at("arguments") == item.text);
      if (item.type == "custom_tool_call") FUZZ_CHECK(done.at("input") == item.text);
      if (item.type == "message") FUZZ_CHECK(done.at("content").at(0).at("text") == item.text);
      if (item.type == "reasoning") FUZZ_CHECK(done.at("summary").at(0).at("text") == item.text);
      doneItems_.push_back(done);
      return;
    }
    FUZZ_CHECK(e.at("item_id") == item.id);
    if (type.size() > 6 && type.substr(type.size() - 6) == ".delta") {
      FUZZ_CHECK((type == "response.output_text.delta" && item.type == "message") ||
                 (type == "response.reasoning_summary_text.delta" && item.type == "reasoning") ||
                 (type == "response.function_call_arguments.delta" && item.type == "function_call") ||
                 (type == "response.custom_tool_call_input.delta" && item.type == "custom_tool_call"));
      item.text += e.at("delta").get<std::string>();
    } else if (type == "response.output_text.done" || type == "response.reasoning_summary_text.done") {
      FUZZ_CHECK(e.at("text") == item.text);
    } else if (type == "response.function_call_arguments.done") {
      FUZZ_CHECK(e.at("arguments") == item.text);
    } else if (type == "response.custom_tool_call_input.done") {
      FUZZ_CHECK(e.at("input") == item.text);
    }
  }

  // After finish(): exactly one terminal event, last; the final object has every item, in order.
  void checkComplete(const std::string& finalResponse) const {
    FUZZ_CHECK(terminated_);
    if (!validInput_) return;
    FUZZ_CHECK(fuzz::mustParse(finalResponse, "finalResponse()") == terminal_);
    const json& output = terminal_.at("output");
    FUZZ_CHECK(output.size() == doneItems_.size());
    for (size_t i = 0; i < output.size(); ++i) FUZZ_CHECK(output[i] == doneItems_[i]);
    FUZZ_CHECK(terminal_.at("status") == "completed" || terminal_.at("status") == "incomplete");
  }
  size_t bytes() const { return bytes_; }

 private:
  bool validInput_;
  size_t count_ = 0;
  uint64_t lastSequence_ = 0;
  bool terminated_ = false;
  std::vector<Item> items_;
  std::vector<json> doneItems_;
  json terminal_;
  size_t bytes_ = 0;
};

void canonicalStream(std::string_view input) {
  auto lines = fuzz::splitLines(input);
  bool valid = true;
  for (std::string_view line : lines) valid = valid && fuzz::parsed(line).has_value();
  auto encoder = responses::makeEncoder(context());
  ResponsesStream out(valid);
  for (std::string_view line : lines) {
    uint32_t flags = scan::isEmptyArray(scan::find(line, "choices").value_or(scan::Member{}).value) ? TP_CHUNK_USAGE_ONLY : 0;
    encoder->chunk(line, flags, out);
  }
  encoder->finish(out);
  out.checkComplete(encoder->finalResponse());
  // Each event repeats at most the text of the ones before it a bounded number of times.
  FUZZ_CHECK(out.bytes() <= 64 * input.size() + 16384);
}

void whole(std::string_view input) {
  auto encoder = responses::makeEncoder(context());
  std::string text;
  try {
    text = encoder->whole(input);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "whole(): %s\n", e.what());
    FUZZ_CHECK(!"whole() threw");
  }
  json response = fuzz::mustParse(text, "whole()");
  FUZZ_CHECK(text == encoder->finalResponse());
  FUZZ_CHECK(response.at("object") == "response" && response.at("output").is_array());
  FUZZ_CHECK(response.at("status") == "completed" || response.at("status") == "incomplete" ||
             response.at("status") == "failed");
  // The conversation the store keeps after it, then a follow-up request with it.
  json history = responses::conversationAfter(json{{"model", "m"}, {"input", "hi"}}, json::array(), response);
  FUZZ_CHECK(history.is_array());
  try {
    history = json::parse(history.dump());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conversation: %s\n", e.what());
    FUZZ_CHECK(!"the conversation after a response cannot be stored");
  }
  request(R"({"model":"m","input":"and then?"})", history);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] & 3) {
    case 0: request(input, json::array()); break;
    case 1: requestWithHistory(input); break;
    case 2: canonicalStream(input); break;
    default: whole(input); break;
  }
  return 0;
}
