// Inference request bodies through pipeline::scanRequest. What it accepts must be JSON that any
// upstream parser (here nlohmann) accepts too, and what it reads for billing and routing (model,
// stream, max_tokens, n, messages) must be what that parser reads: a difference is a request
// billed as one thing and run as another.
#include <fuzzer/FuzzedDataProvider.h>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "http/api_error.hpp"
#include "pipeline/request_scan.hpp"

namespace {

using nlohmann::json;
using turnpike::pipeline::RequestSummary;
using turnpike::pipeline::Span;

constexpr tp_operation kOperations[] = {TP_OP_CHAT, TP_OP_COMPLETION, TP_OP_EMBEDDING};

json parseSpan(std::string_view body, Span span) {
  FUZZ_CHECK(span.present() && span.end <= body.size());
  return json::parse(body.substr(span.begin, span.end - span.begin));
}

// The member's value, when present and not null.
const json* member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

void checkAgreesWithParser(tp_operation op, std::string_view body, const RequestSummary& s) {
  json j;
  try {
    j = json::parse(body);
  } catch (const json::out_of_range&) {
    return;  // a number beyond double's range: valid JSON, past a limit of nlohmann's own
  } catch (const json::parse_error& e) {
    std::fprintf(stderr, "nlohmann: %s\n", e.what());
    FUZZ_CHECK(!"scanRequest accepted what nlohmann refuses");
  }
  FUZZ_CHECK(j.is_object());

  const json* model = member(j, "model");
  FUZZ_CHECK(model != nullptr && model->is_string() && model->get<std::string>() == s.model);
  FUZZ_CHECK(parseSpan(body, s.modelValue) == *model);

  const json* stream = member(j, "stream");
  FUZZ_CHECK(stream == nullptr || stream->is_boolean());
  FUZZ_CHECK(s.stream == (stream != nullptr && stream->get<bool>()));
  if (const json* options = member(j, "stream_options")) {
    FUZZ_CHECK(parseSpan(body, s.streamOptionsValue) == *options);
    const json* usage = member(*options, "include_usage");
    FUZZ_CHECK(usage == nullptr || usage->is_boolean());
    FUZZ_CHECK(s.clientWantsUsage == (usage != nullptr && usage->get<bool>()));
  } else {
    FUZZ_CHECK(!s.clientWantsUsage);
  }

  const json* maxTokens = member(j, "max_completion_tokens");
  if (maxTokens == nullptr) maxTokens = member(j, "max_tokens");
  FUZZ_CHECK(s.maxTokens.has_value() == (maxTokens != nullptr));
  if (maxTokens != nullptr) FUZZ_CHECK(maxTokens->is_number_unsigned() && maxTokens->get<uint64_t>() == *s.maxTokens);
  const json* n = member(j, "n");
  if (n != nullptr) FUZZ_CHECK(n->is_number_unsigned());
  FUZZ_CHECK(s.n == (n != nullptr ? n->get<uint64_t>() : 1));

  if (op == TP_OP_CHAT) FUZZ_CHECK(s.messageCount == j.at("messages").size());
  FUZZ_CHECK(s.closingBrace < body.size() && body[s.closingBrace] == '}');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  tp_operation op = fdp.PickValueInArray(kOperations);
  std::string body = fdp.ConsumeRemainingBytesAsString();
  RequestSummary summary;
  try {
    summary = turnpike::pipeline::scanRequest(op, body);
  } catch (const turnpike::http::ApiError& e) {
    FUZZ_CHECK(e.status() == 400);
    return 0;
  }
  checkAgreesWithParser(op, body, summary);
  return 0;
}
