// The Responses dialect on the request path: a streamed text chunk through the encoder (target:
// under 2 us a chunk, Release) and a Codex-like request through toCanonical.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "dialects/responses/responses_dialect.hpp"

namespace {

using namespace turnpike::dialects;
using nlohmann::json;

class CountingSink : public EventSink {
 public:
  void event(std::string_view, std::string_view data, uint32_t) override { bytes += data.size(); }
  size_t bytes = 0;
};

const char* kTextChunk =
    R"({"id":"chatcmpl-9x2","object":"chat.completion.chunk","created":1733200000,"model":"gpt-4o-mini",)"
    R"("system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":" the quick brown fox"},)"
    R"("logprobs":null,"finish_reason":null}]})";

ResponseContext context() {
  ResponseContext c;
  c.id = "resp_0123456789abcdef";
  c.model = "gpt-4o-mini";
  c.createdAt = 1733200000;
  c.echo = json{{"instructions", "You are a coding agent."}, {"tools", json::array()}, {"store", false}};
  return c;
}

void BM_ResponsesEncoderTextChunk(benchmark::State& state) {
  CountingSink sink;
  auto encoder = responses::makeEncoder(context());
  size_t chunks = 0;
  for (auto _ : state) {
    encoder->chunk(kTextChunk, 0, sink);
    // A long response's accumulated text is part of the cost; start over now and then so that
    // memory stays bounded.
    if (++chunks == 4096) {
      state.PauseTiming();
      encoder = responses::makeEncoder(context());
      chunks = 0;
      state.ResumeTiming();
    }
  }
  benchmark::DoNotOptimize(sink.bytes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ResponsesEncoderTextChunk);

// A Codex-like turn: instructions, a dozen tools (one custom), and a conversation of messages,
// calls and outputs.
json codexRequest() {
  json tools = json::array();
  for (int i = 0; i < 11; ++i)
    tools.push_back({{"type", "function"},
                     {"name", "tool_" + std::to_string(i)},
                     {"description", "Runs something useful for the agent, number " + std::to_string(i)},
                     {"strict", false},
                     {"parameters",
                      {{"type", "object"},
                       {"properties", {{"command", {{"type", "array"}, {"items", {{"type", "string"}}}}}, {"workdir", {{"type", "string"}}}}},
                       {"required", json::array({"command"})}}}});
  tools.push_back({{"type", "custom"}, {"name", "apply_patch"}, {"description", "Apply a patch"},
                   {"format", {{"type", "grammar"}, {"syntax", "lark"}, {"definition", "start: begin_patch hunk+ end_patch"}}}});
  json input = json::array();
  input.push_back({{"type", "message"}, {"role", "user"}, {"content", json::array({{{"type", "input_text"}, {"text", "Fix the failing test in src/parser.cpp please."}}})}});
  for (int i = 0; i < 6; ++i) {
    input.push_back({{"type", "reasoning"}, {"summary", json::array()}, {"encrypted_content", std::string(200, 'e')}});
    input.push_back({{"type", "function_call"}, {"call_id", "call_" + std::to_string(i)}, {"name", "tool_0"},
                     {"arguments", R"({"command":["bash","-lc","rg -n parse src"],"workdir":"/repo"})"}});
    input.push_back({{"type", "function_call_output"}, {"call_id", "call_" + std::to_string(i)}, {"output", std::string(600, 'o')}});
  }
  input.push_back({{"type", "message"}, {"role", "assistant"}, {"content", json::array({{{"type", "output_text"}, {"text", "I found it."}}})}});
  return {{"model", "gpt-5-codex"}, {"instructions", std::string(4000, 'i')}, {"input", input}, {"tools", tools},
          {"tool_choice", "auto"}, {"parallel_tool_calls", false}, {"reasoning", {{"effort", "medium"}, {"summary", "auto"}}},
          {"store", false}, {"stream", true}, {"include", json::array({"reasoning.encrypted_content"})}, {"prompt_cache_key", "abc"}};
}

void BM_ResponsesToCanonical(benchmark::State& state) {
  json request = codexRequest();
  json history = json::array();
  for (auto _ : state) {
    auto canonical = responses::toCanonical(request, history);
    benchmark::DoNotOptimize(canonical.body.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ResponsesToCanonical);

// For scale: parsing the same request once, as the handler does before toCanonical.
void BM_ResponsesRequestParse(benchmark::State& state) {
  std::string text = codexRequest().dump();
  for (auto _ : state) {
    json parsed = json::parse(text);
    benchmark::DoNotOptimize(parsed.size());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_ResponsesRequestParse);

}  // namespace
