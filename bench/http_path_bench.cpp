// Per-request work on the proxy path that does not involve the network.
#include <benchmark/benchmark.h>

#include <turnpike/json_scan.hpp>
#include <turnpike/sse_parser.hpp>

#include "http/request_parser.hpp"
#include "pipeline/inference_request.hpp"

namespace {

const std::string kBody =
    R"({"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful assistant."},)"
    R"({"role":"user","content":"Explain in two sentences why an AI gateway should add little latency."}],)"
    R"("temperature":0.2,"max_tokens":256})";

const std::string kRequest = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n"
                             "Content-Type: application/json\r\nAuthorization: Bearer sk-mock-key\r\nContent-Length: " +
                             std::to_string(kBody.size()) + "\r\n\r\n" + kBody;

void BM_ParseHttpRequest(benchmark::State& state) {
  turnpike::http::RequestParser parser(64 * 1024, 8 * 1024 * 1024);
  for (auto _ : state) {
    parser.reset();
    size_t used = 0;
    while (true) {
      auto o = parser.feed(std::string_view(kRequest).substr(used));
      used += o.consumed;
      if (o.kind != turnpike::http::RequestParser::Kind::HeadReady) break;
    }
    benchmark::DoNotOptimize(parser.request().body.data());
  }
}
BENCHMARK(BM_ParseHttpRequest);

void BM_ParseInferenceRequest(benchmark::State& state) {
  for (auto _ : state) {
    auto r = turnpike::pipeline::parseInferenceRequest(TP_OP_CHAT, kBody);
    benchmark::DoNotOptimize(r.model().data());
  }
}
BENCHMARK(BM_ParseInferenceRequest);

void BM_UpstreamBodyStream(benchmark::State& state) {
  std::string body = kBody;
  body.insert(body.size() - 1, R"(,"stream":true)");
  auto r = turnpike::pipeline::parseInferenceRequest(TP_OP_CHAT, body);
  turnpike::config::ModelConfig model;
  model.upstreamId = "gpt-4o-mini";
  for (auto _ : state) {
    auto out = turnpike::pipeline::upstreamBody(r, model, 4096);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_UpstreamBodyStream);

void BM_UsageScan(benchmark::State& state) {
  std::string response =
      R"({"id":"chatcmpl-mock0000000000000000000001","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":")" + std::string(600, 'x') +
      R"(","refusal":null},"finish_reason":"stop"}],"usage":{"prompt_tokens":25,"completion_tokens":81,"total_tokens":106}})";
  for (auto _ : state) {
    auto usage = turnpike::sdk::json_scan::find(response, "usage");
    benchmark::DoNotOptimize(turnpike::sdk::json_scan::findUint(usage->value, "completion_tokens"));
  }
}
BENCHMARK(BM_UsageScan);

void BM_SseParse20Chunks(benchmark::State& state) {
  std::string stream;
  for (int i = 0; i < 20; ++i)
    stream += R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" word"},"finish_reason":null}],"usage":null})"
              "\n\n";
  for (auto _ : state) {
    turnpike::sdk::SseParser parser;
    size_t events = 0;
    parser.feed(stream, [&](const turnpike::sdk::SseEvent&) { ++events; });
    benchmark::DoNotOptimize(events);
  }
}
BENCHMARK(BM_SseParse20Chunks);

}  // namespace
