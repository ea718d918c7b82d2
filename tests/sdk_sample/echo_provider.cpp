// echo_provider: the smallest useful provider, written against the public SDK only.
// It answers locally with the configured greeting and the request's model, streamed or not.
#include <turnpike/json_scan.hpp>
#include <turnpike/plugin.hpp>

#include <string>

namespace {

using namespace turnpike::sdk;

class Silent final : public ResponseStream {
 public:
  void onData(int, std::string_view, bool, Emitter&) override {}
};

class EchoProvider final : public Provider {
 public:
  EchoProvider(Host host, std::string_view configJson) {
    auto greeting = json_scan::find(configJson, "greeting");
    if (!greeting || greeting->value.size() < 2 || greeting->value.front() != '"')
      throw std::invalid_argument("greeting is required");
    greeting_ = std::string(greeting->value.substr(1, greeting->value.size() - 2));
    host.info("echo provider ready");
  }

  Dispatch buildRequest(const Call&, UpstreamRequest&) override { return Dispatch::Local; }
  std::unique_ptr<ResponseStream> openStream(const Call&) override { return std::make_unique<Silent>(); }

  void respondLocal(const Call& call, Emitter& emitter) override {
    std::string text = greeting_ + " from " + std::string(call.model);
    std::string head = R"({"id":"echo-1","created":0,"model":")" + std::string(call.model) + "\",";
    Usage usage;
    usage.promptTokens = call.body.size();
    usage.completionTokens = 2;
    emitter.usage(usage);
    if (!call.stream) {
      emitter.chunk(head + R"("object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":")" +
                    text + R"("},"finish_reason":"stop"}]})");
      return;
    }
    emitter.chunk(head + R"("object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":")" + text +
                  R"("},"finish_reason":null}]})");
    emitter.chunk(head + R"("object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}})",
                  TP_CHUNK_USAGE_ONLY);
  }

 private:
  std::string greeting_;
};

}  // namespace

TURNPIKE_PROVIDER_PLUGIN(EchoProvider, "echo_provider", "0.3.0",
                         R"json({"greeting": {"type": "string", "required": true, "doc": "what the echo says"}})json")
