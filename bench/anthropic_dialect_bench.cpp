// The Anthropic dialect's translators on a typical request, response and stream event.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "dialects/anthropic/anthropic_dialect.hpp"
#include "pipeline/inference_request.hpp"
#include "pipeline/request_scan.hpp"

namespace {

using namespace turnpike::dialects;

class NullSink : public EventSink {
 public:
  void event(std::string_view type, std::string_view json, uint32_t flags) override {
    benchmark::DoNotOptimize(json.data());
  }
};

ResponseContext context() {
  ResponseContext c;
  c.id = "msg_01XFDUDYJgAACzvnptvVoYEL";
  c.model = "claude-sonnet-4-5";
  c.createdAt = 1700000000;
  c.inputTokensEstimate = 1200;
  return c;
}

const std::string kTextChunk =
    R"({"id":"chatcmpl-9xYz","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini",)"
    R"("choices":[{"index":0,"delta":{"content":" the quick brown fox"},"finish_reason":null}]})";

const std::string kTextDelta =
    R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" the quick brown fox"}})";

// A Claude Code-like turn: system blocks, tools, a tool round trip, thinking and cache_control.
const nlohmann::json kRequest = nlohmann::json::parse(R"({
  "model":"claude-sonnet-4-5","max_tokens":32000,"stream":true,
  "system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1"},
            {"type":"text","text":"You are Claude Code, an interactive CLI tool.","cache_control":{"type":"ephemeral"}}],
  "tools":[{"name":"Read","description":"Reads a file","input_schema":{"type":"object","properties":{"file_path":{"type":"string"}},"required":["file_path"]}},
           {"name":"Bash","description":"Runs a command","input_schema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}],
  "thinking":{"type":"adaptive"},"context_management":{"edits":[]},"metadata":{"user_id":"user_abc"},
  "messages":[
    {"role":"user","content":[{"type":"text","text":"Read main.cpp and tell me what it does."}]},
    {"role":"assistant","content":[{"type":"thinking","thinking":"I should read it.","signature":"EqQB"},
      {"type":"text","text":"Reading the file."},
      {"type":"tool_use","id":"toolu_01","name":"Read","input":{"file_path":"/src/main.cpp"}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"int main() { return 0; }"},
      {"type":"text","text":"Go on.","cache_control":{"type":"ephemeral"}}]}]})");

const std::string kCompletion =
    R"({"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",)"
    R"("choices":[{"index":0,"message":{"role":"assistant","content":"The program returns zero and does nothing else.",)"
    R"("tool_calls":[{"id":"call_1","type":"function","function":{"name":"Bash","arguments":"{\"command\":\"ls\"}"}}]},)"
    R"("finish_reason":"tool_calls"}],"usage":{"prompt_tokens":1200,"completion_tokens":40,"total_tokens":1240,)"
    R"("prompt_tokens_details":{"cached_tokens":1000}}})";

void BM_AnthropicEncoderTextChunk(benchmark::State& state) {
  auto encoder = anthropic::makeEncoder(context());
  NullSink sink;
  encoder->chunk(kTextChunk, 0, sink);  // message_start and the block's start, once
  for (auto _ : state) encoder->chunk(kTextChunk, 0, sink);
}
BENCHMARK(BM_AnthropicEncoderTextChunk);

void BM_AnthropicDecoderTextDelta(benchmark::State& state) {
  auto decoder = anthropic::makeDecoder(context());
  NullSink sink;
  decoder->chunk(R"({"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":10,"output_tokens":1}}})",
                 sink);
  for (auto _ : state) decoder->chunk(kTextDelta, sink);
}
BENCHMARK(BM_AnthropicDecoderTextDelta);

void BM_AnthropicToCanonical(benchmark::State& state) {
  for (auto _ : state) {
    auto c = anthropic::toCanonical(kRequest);
    benchmark::DoNotOptimize(c.body.data());
  }
}
BENCHMARK(BM_AnthropicToCanonical);

// What POST /v1/messages does to every request before routing, passthrough included
// (messages_handler.cpp's readRequest): the strict parse, the canonical chat form, and the summary
// routing and pricing read from it; on bench/messages.lua's body. BM_ParseInferenceRequest is the
// chat route's counterpart on chat.lua's.
void BM_AnthropicMessagesRequest(benchmark::State& state) {
  // The members messages_handler.cpp watches for duplicates.
  constexpr std::string_view kWatched[] = {"model",       "max_tokens", "messages", "system",         "stream",
                                           "tools",       "tool_choice", "metadata", "stop_sequences", "thinking",
                                           "temperature", "top_p",      "top_k"};
  const std::string body =
      R"({"model":"bench-claude","max_tokens":256,"temperature":0.2,"system":"You are a helpful assistant.",)"
      R"("messages":[{"role":"user","content":"Explain in two sentences why an AI gateway should add little latency."}],)"
      R"("stream":true})";
  for (auto _ : state) {
    auto doc = turnpike::pipeline::parseRequestDocument(body, kWatched);
    auto r = turnpike::pipeline::translatedRequest(Dialect::AnthropicMessages, TP_OP_CHAT, body,
                                                   anthropic::toCanonical(doc));
    benchmark::DoNotOptimize(r.model().data());
  }
}
BENCHMARK(BM_AnthropicMessagesRequest);

void BM_AnthropicEncoderWhole(benchmark::State& state) {
  auto encoder = anthropic::makeEncoder(context());
  for (auto _ : state) {
    auto m = encoder->whole(kCompletion);
    benchmark::DoNotOptimize(m.data());
  }
}
BENCHMARK(BM_AnthropicEncoderWhole);

const std::string kMessage =
    R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5",)"
    R"("content":[{"type":"text","text":"The program returns zero and does nothing else."},)"
    R"({"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls"}}],"stop_reason":"tool_use",)"
    R"("stop_sequence":null,"usage":{"input_tokens":200,"output_tokens":40,"cache_read_input_tokens":1000,)"
    R"("cache_creation_input_tokens":0}})";

void BM_AnthropicDecoderWhole(benchmark::State& state) {
  auto decoder = anthropic::makeDecoder(context());
  for (auto _ : state) {
    auto c = decoder->whole(kMessage);
    benchmark::DoNotOptimize(c.data());
  }
}
BENCHMARK(BM_AnthropicDecoderWhole);

void BM_AnthropicFromCanonical(benchmark::State& state) {
  std::string body = anthropic::toCanonical(kRequest).body;
  for (auto _ : state) {
    auto m = anthropic::fromCanonical(body);
    benchmark::DoNotOptimize(m.data());
  }
}
BENCHMARK(BM_AnthropicFromCanonical);

}  // namespace
