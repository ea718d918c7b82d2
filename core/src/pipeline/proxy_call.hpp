// One inference request from dispatch to the last byte of its response: the dispatch, stream
// and meter-and-settle stages of the pipeline. Tries the routed candidates in order while
// nothing has reached the client (connect errors, timeouts, 429 and 5xx move on to the next
// one; providers whose circuit is open are skipped); once the first byte is out, it only relays.
// What happened is reported as routing_info (first member of the response, or of the first
// stream chunk) and x-turnpike-provider / x-turnpike-model headers. A billed request is settled before its
// response completes (the ledger row is committed before the client sees success); failures,
// disconnects and refusals are settled too, for what was delivered. Runs on the exchange's
// loop thread throughout.
#pragma once

#include <turnpike/plugin_abi.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "billing/billing_service.hpp"
#include "billing/pricing.hpp"
#include "billing/rate_limiter.hpp"
#include "dialects/dialect.hpp"
#include "http/connection.hpp"
#include "metrics/gateway_metrics.hpp"
#include "net/upstream_client.hpp"
#include "pipeline/admit_stage.hpp"
#include "pipeline/health_tracker.hpp"
#include "pipeline/inference_request.hpp"
#include "pipeline/model_catalog.hpp"
#include "pipeline/pricer.hpp"
#include "pipeline/route_stage.hpp"
#include "plugins/host_api.hpp"

namespace turnpike::pipeline {

struct PipelineServices {
  metrics::GatewayMetrics& metrics;
  std::function<net::UpstreamClient&(unsigned loopIndex)> upstreamFor;
  const config::BillingConfig& billingConfig;
  billing::BillingService* billing = nullptr;  // null when billing is off
  billing::RateLimiter* limiter = nullptr;
  HealthTracker& health;
  const Pricer& pricer;
  bool routingInfo = true;  // routing.info
  size_t maxResponseBytes = 64 * 1024 * 1024;
};

class ProxyCall final : public std::enable_shared_from_this<ProxyCall>,
                        private net::TransferHandler,
                        private plugins::EmitSink {
 public:
  ProxyCall(std::shared_ptr<http::Exchange> exchange, InferenceRequest request, RoutePlan plan,
            std::optional<Charging> charging, PipelineServices& services);
  ~ProxyCall() override;

  void start();
  // Called with the client's complete response object (in its dialect) once a request was
  // served and settled, before the client sees its end: the Responses API keeps it (store:
  // true), then calls `kept` (from any thread), and the response completes. So a client that
  // has the response can read it back.
  using Served = std::function<void(std::string_view response, std::function<void()> kept)>;
  void onServed(Served callback) { onServed_ = std::move(callback); }

 private:
  enum class Phase { Idle, Connecting, Buffering, Streaming, UpstreamError, Settling, Done };

  struct Failure {
    Failure() = default;
    Failure(int s, std::string c, std::string m) : status(s), code(std::move(c)), message(std::move(m)) {}

    int status = 503;
    std::string code = "no_provider_available";
    std::string message;
    std::string type;   // the upstream's, for errors passed through; empty: the status's
    std::string param;  // the upstream's
    std::vector<http::Header> headers;  // the upstream's Retry-After and rate-limit headers
  };

  void attempt();
  // The attempt's upstream body, in the provider's dialect, and the translators its response
  // needs on the way to the client. Throws http::ApiError for what the dialect cannot express.
  void prepareCall();
  void launch();
  void runLocal();
  void beginClientStream();
  void flushPending();
  void completeStream();
  void completeBuffered();
  // The payg-usage event after [DONE]: paid streams whose client or model config asks for it.
  bool wantsUsageEvent(const billing::SettleOutcome& outcome) const;
  void completeUpstreamError();
  void moveOn(Failure failure);
  void respondError(const Failure& failure);
  void clientGone();
  // Ends the exchange (with `response`, or by closing the stream) and records the outcome.
  void finish(int status, std::string_view errorCode = {}, std::optional<http::Response> response = {});
  std::vector<http::Header> routeHeaders() const;
  // The current attempt's verdict for the circuit breaker (once per attempt), and its end.
  void report(HealthTracker::Outcome outcome);
  void release();
  // "\"routing_info\":{...}": what served the request, why, and the failed attempts before it.
  std::string routingInfoMember() const;

  // What the request used: the upstream's usage, else estimates from what was delivered.
  billing::MeteredUsage meteredUsage() const;
  int64_t cost() const;
  // Settles the charge for `status`; `then` (may be empty) runs on the loop once committed.
  void settle(int status, std::function<void(const billing::SettleOutcome&)> then);

  // net::TransferHandler
  void onResponseHead(int status, const std::vector<std::pair<std::string, std::string>>& headers) override;
  void onResponseData(std::string_view data) override;
  void onComplete(const net::TransferResult& result) override;
  // plugins::EmitSink
  void onChunk(std::string_view json, uint32_t flags) override;
  // A stream chunk in canonical form, and one event for a client of another dialect.
  void canonicalChunk(std::string_view json, uint32_t flags);
  void chatChunk(std::string_view json, uint32_t flags);
  void clientEvent(std::string_view type, std::string_view json);
  void armPing();
  // Runs `then` on the loop once onServed_ (if any) has kept `response`.
  void keepThen(std::string_view response, std::function<void()> then);
  std::string streamError(int status, std::string_view code, std::string_view message);
  void onUsage(const tp_usage& usage) override;
  void onError(const plugins::EmittedError& error) override;

  std::shared_ptr<http::Exchange> exchange_;
  InferenceRequest request_;
  RoutePlan plan_;
  std::optional<Charging> charging_;
  PipelineServices& services_;
  net::UpstreamClient& upstream_;
  std::shared_ptr<ProxyCall> self_;  // keeps the call alive while a transfer runs

  struct Attempt {
    const ModelRoute* route;
    int status;
    std::string code;
    int64_t ms;
  };

  size_t next_ = 0;
  const ModelRoute* route_ = nullptr;
  HealthTracker::Pass pass_ = HealthTracker::Pass::Closed;
  bool holding_ = false;   // route_'s in-flight slot is taken
  bool reported_ = false;  // route_'s verdict is given
  std::vector<Attempt> attempts_;  // failed or skipped before route_
  bool infoSent_ = false;
  Phase phase_ = Phase::Idle;
  std::string upstreamBody_;
  tp_provider_call call_{};
  plugins::Provider::Stream stream_;
  net::UpstreamClient::Transfer* transfer_ = nullptr;
  std::chrono::steady_clock::time_point attemptStart_;
  int upstreamStatus_ = 0;
  std::vector<http::Header> upstreamHeaders_;  // kept from a 429 or 503 (Failure::headers)
  std::string body_;          // buffered upstream body (non-stream or error)
  std::string responseJson_;  // translated non-stream response
  std::string pendingOut_;    // stream events produced by the current feed
  bool haveUsage_ = false;
  tp_usage usage_{};
  std::string requestId_;
  uint64_t deliveredBytes_ = 0;  // generated text written to the client (billed streams)
  bool pluginFailed_ = false;
  Failure pluginError_;
  Failure lastFailure_;
  bool tooLarge_ = false;
  bool settled_ = false;

  // Dialects: what the provider speaks for this attempt, and the translators between it and the
  // client (none when both speak the same).
  struct Sink final : dialects::EventSink {
    explicit Sink(ProxyCall& c, bool canonical) : call(c), toCanonical(canonical) {}
    void event(std::string_view type, std::string_view json, uint32_t flags) override {
      toCanonical ? call.canonicalChunk(json, flags) : call.clientEvent(type, json);
    }
    ProxyCall& call;
    bool toCanonical;
  };
  dialects::Dialect providerDialect_ = dialects::Dialect::OpenAIChat;
  std::unique_ptr<dialects::ResponseDecoder> decoder_;  // provider's dialect -> canonical
  std::unique_ptr<dialects::ResponseEncoder> encoder_;  // canonical -> client's dialect
  Sink canonicalSink_{*this, true};
  Sink clientSink_{*this, false};
  std::vector<tp_http_header> passedHeaders_;
  std::string heldOut_;  // the client dialect's terminal event, written once settled
  Served onServed_;
  http::EventLoop::TimerId pingTimer_ = 0;
  std::chrono::steady_clock::time_point lastWrite_;
  mutable std::optional<std::pair<billing::MeteredUsage, int64_t>> priced_;  // the last cost() and its usage
};

}  // namespace turnpike::pipeline
