#include "pipeline/proxy_call.hpp"

#include <Poco/Logger.h>

#include <charconv>
#include <ctime>

#include "billing/periods.hpp"
#include "billing/pricing.hpp"
#include "dialects/custom_tools.hpp"
#include "dialects/translators.hpp"
#include "http/api_error.hpp"
#include "pipeline/response_edit.hpp"
#include "util/request_id.hpp"
#include "util/strings.hpp"

namespace turnpike::pipeline {

namespace {

Poco::Logger& log() { return Poco::Logger::get("proxy"); }

double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Statuses where another provider may well succeed.
bool worthAnotherProvider(int upstreamStatus) {
  return upstreamStatus == 401 || upstreamStatus == 403 || upstreamStatus == 404 || upstreamStatus == 408 ||
         upstreamStatus == 429 || upstreamStatus >= 500;
}

// Statuses that are the provider's fault (its credentials, limits, time or health) and count
// against its circuit. A 404 may be the request's own (an unknown file or resource), so it moves
// on to the next provider without blaming this one; other 4xx are the client's mistakes.
bool providerFault(int upstreamStatus) {
  return upstreamStatus == 401 || upstreamStatus == 403 || upstreamStatus == 408 || upstreamStatus == 429 ||
         upstreamStatus >= 500;
}

// What the client sees for an upstream HTTP error: its own mistakes pass through, the
// provider's problems (credentials, outages) are a bad gateway.
int clientStatusFor(int upstreamStatus) {
  switch (upstreamStatus) {
    case 400:
    case 404:
    case 409:
    case 413:
    case 415:
    case 422:
    case 429:
    case 503:  // overloaded, with a Retry-After to honour
      return upstreamStatus;
    case 408:
    case 504:
      return 504;
    case 529:  // Anthropic's "overloaded": retryable, as a 503 is
      return 503;
    default:
      return 502;
  }
}

// Upstream error fields are copied into answers and logs: bounded.
constexpr size_t kMaxErrorField = 256;
// Response headers kept from an upstream's 429 or 503, so clients back off as it asked.
constexpr size_t kMaxForwardedHeaders = 16;

std::string bounded(std::string_view text) { return std::string(text.substr(0, kMaxErrorField)); }

bool forwardedHeader(std::string_view lowerName) {
  return lowerName == "retry-after" || lowerName == "retry-after-ms" || lowerName.starts_with("x-ratelimit-");
}

bool printable(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// Anthropic's clients (Claude Code) give up on a stream that says nothing for a while; the API
// itself pings.
constexpr auto kPingAfterSilence = std::chrono::seconds(15);

}  // namespace

ProxyCall::ProxyCall(std::shared_ptr<http::Exchange> exchange, InferenceRequest request, RoutePlan plan,
                     std::optional<Charging> charging, PipelineServices& services)
    : exchange_(std::move(exchange)),
      request_(std::move(request)),
      plan_(std::move(plan)),
      charging_(std::move(charging)),
      services_(services),
      upstream_(services.upstreamFor(exchange_->loopIndex())) {}

ProxyCall::~ProxyCall() = default;

void ProxyCall::start() {
  services_.metrics.inflight.with({}).add(1);
  self_ = shared_from_this();
  requestId_ = util::nextRequestId();
  exchange_->addResponseHeader("x-request-id", requestId_);
  if (exchange_->clientGone()) {  // left while the request was being admitted
    route_ = plan_.candidates.front();
    settle(499, {});
    finish(499, "client_closed_request");
    return;
  }
  std::weak_ptr<ProxyCall> weak = self_;
  exchange_->onClientGone([weak] {
    if (auto self = weak.lock()) self->clientGone();
  });
  exchange_->onDrain([weak] {
    if (auto self = weak.lock(); self && self->transfer_) self->upstream_.resume(self->transfer_);
  });
  lastFailure_.message = "no provider is available for model '" + request_.model() + "'";
  attempt();
}

void ProxyCall::attempt() {
  while (next_ < plan_.candidates.size()) {
    const ModelRoute* candidate = plan_.candidates[next_++];
    auto pass = services_.health.acquire(*candidate);
    if (pass == HealthTracker::Pass::Open) {
      services_.metrics.upstreamAttempts.with({candidate->providerName(), "circuit_open"}).add();
      attempts_.push_back(Attempt{candidate, 503, "circuit_open", 0});
      continue;
    }
    route_ = candidate;
    pass_ = pass;
    holding_ = true;
    reported_ = false;
    launch();
    return;
  }
  bool allOpen = !attempts_.empty() && std::all_of(attempts_.begin(), attempts_.end(),
                                                   [](const Attempt& a) { return a.code == "circuit_open"; });
  if (allOpen)
    lastFailure_ = Failure{503, "no_provider_available",
                           "every provider for model '" + request_.model() +
                               "' is failing and paused (circuit open); retry shortly"};
  respondError(lastFailure_);
}

void ProxyCall::report(HealthTracker::Outcome outcome) {
  if (!holding_ || reported_) return;
  reported_ = true;
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - attemptStart_);
  services_.health.report(*route_, pass_, outcome, elapsed);
}

void ProxyCall::release() {
  if (!holding_) return;
  report(HealthTracker::Outcome::Abandoned);
  holding_ = false;
  services_.health.release(*route_);
}

void ProxyCall::launch() {
  attemptStart_ = std::chrono::steady_clock::now();
  exchange_->setServedBy(route_->providerName(), route_->id());
  phase_ = Phase::Connecting;
  body_.clear();
  responseJson_.clear();
  pendingOut_.clear();
  haveUsage_ = false;
  pluginFailed_ = false;
  tooLarge_ = false;
  upstreamStatus_ = 0;

  try {
    prepareCall();
  } catch (const http::ApiError& e) {
    services_.metrics.upstreamAttempts.with({route_->providerName(), "refused"}).add();
    report(HealthTracker::Outcome::Abandoned);
    Failure failure{e.status(), e.code(), e.what()};
    failure.param = e.param();
    moveOn(std::move(failure));
    return;
  }
  stream_ = route_->provider->openStream(call_);

  net::UpstreamRequest upstreamRequest;
  std::string error;
  int dispatch = route_->provider->buildRequest(call_, upstreamRequest, error);
  if (dispatch < 0) {
    services_.metrics.upstreamAttempts.with({route_->providerName(), "refused"}).add();
    report(HealthTracker::Outcome::Abandoned);
    moveOn(Failure{400, "unsupported_request", error});
    return;
  }
  if (dispatch == TP_DISPATCH_LOCAL) {
    runLocal();
    return;
  }
  upstreamRequest.idleTimeout = std::chrono::milliseconds(route_->providerConfig->timeoutMs);
  upstreamRequest.connectTimeout = std::chrono::milliseconds(route_->providerConfig->connectTimeoutMs);
  try {
    transfer_ = upstream_.start(std::move(upstreamRequest), this);
  } catch (const std::exception& e) {
    log().error("provider " + route_->providerName() + ": " + route_->provider->redact(e.what()));
    report(HealthTracker::Outcome::Failure);
    moveOn(Failure{502, "upstream_error", "could not start the upstream request"});
  }
}

void ProxyCall::prepareCall() {
  using dialects::Dialect;
  const Dialect client = request_.dialect;
  providerDialect_ = dialects::providerDialect(client, route_->provider->dialects());
  const auto& model = route_->model;
  if (providerDialect_ == client && client != Dialect::OpenAIChat) {
    upstreamBody_ = nativeBody(request_, model);
  } else {
    upstreamBody_ = upstreamBody(request_, model, outputCeiling(request_, model, services_.billingConfig));
    // Custom tools reach only models listed as taking them (the tag custom_tools, never implied);
    // the others get function forms, which the client's encoder turns back into custom calls.
    const auto& tags = model.capabilities;
    if (request_.customTools && std::find(tags.begin(), tags.end(), "custom_tools") == tags.end())
      upstreamBody_ = dialects::customToolsAsFunctions(upstreamBody_);
    if (providerDialect_ != Dialect::OpenAIChat) upstreamBody_ = dialects::requestFromCanonical(providerDialect_, upstreamBody_);
  }
  decoder_.reset();
  encoder_.reset();
  // Token counts read the same in every dialect: {"input_tokens": N}.
  if (request_.operation != TP_OP_COUNT_TOKENS && providerDialect_ != client) {
    dialects::ResponseContext context;
    context.id = (client == Dialect::OpenAIResponses ? "resp_" : "msg_") + requestId_;
    context.model = request_.model();
    context.createdAt = static_cast<int64_t>(std::time(nullptr));
    context.inputTokensEstimate = billing::estimatePromptTokens(request_.summary);
    context.toolNames = request_.toolNames;
    context.echo = request_.echo;
    if (providerDialect_ != Dialect::OpenAIChat) decoder_ = dialects::makeDecoder(providerDialect_, context);
    encoder_ = dialects::makeEncoder(client, std::move(context));
  }
  passedHeaders_.clear();
  if (providerDialect_ == client)
    for (const auto& [name, value] : request_.passedHeaders)
      passedHeaders_.push_back({{name.data(), name.size()}, {value.data(), value.size()}});
  const auto& upstreamId = model.upstreamId;
  call_ = tp_provider_call{sizeof(tp_provider_call),
                           request_.operation,
                           {route_->id().data(), route_->id().size()},
                           {upstreamId.data(), upstreamId.size()},
                           {upstreamBody_.data(), upstreamBody_.size()},
                           request_.stream() ? 1 : 0,
                           static_cast<uint32_t>(providerDialect_),
                           passedHeaders_.data(),
                           passedHeaders_.size()};
}

void ProxyCall::runLocal() {
  if (request_.stream()) {
    phase_ = Phase::Streaming;
    beginClientStream();
  } else {
    phase_ = Phase::Buffering;
  }
  std::string error;
  if (!route_->provider->respondLocal(call_, *this, error)) {
    report(HealthTracker::Outcome::Failure);
    respondError(Failure{502, "upstream_error", error});
    return;
  }
  report(HealthTracker::Outcome::Success);
  route_->upstreamLatency->observe(secondsSince(attemptStart_));
  services_.metrics.upstreamAttempts.with({route_->providerName(), "ok"}).add();
  if (phase_ == Phase::Streaming) {
    completeStream();
  } else {
    completeBuffered();
  }
}

std::vector<http::Header> ProxyCall::routeHeaders() const {
  std::vector<http::Header> headers;
  if (route_ != nullptr) {
    headers.push_back({"x-turnpike-provider", route_->providerName()});
    headers.push_back({"x-turnpike-model", route_->model.upstreamId});
  }
  return headers;
}

void ProxyCall::beginClientStream() {
  auto headers = routeHeaders();
  headers.push_back({"content-type", "text/event-stream; charset=utf-8"});
  headers.push_back({"cache-control", "no-cache"});
  headers.push_back({"x-accel-buffering", "no"});
  exchange_->beginStream(200, std::move(headers));
  lastWrite_ = std::chrono::steady_clock::now();
  if (request_.dialect == dialects::Dialect::AnthropicMessages) armPing();
}

void ProxyCall::armPing() {
  std::weak_ptr<ProxyCall> weak = self_;
  auto due = lastWrite_ + kPingAfterSilence - std::chrono::steady_clock::now();
  auto delay = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(due), std::chrono::milliseconds(1));
  pingTimer_ = exchange_->loop().runAfter(delay, [weak] {
    auto self = weak.lock();
    if (!self || self->phase_ != Phase::Streaming) return;
    self->pingTimer_ = 0;
    if (std::chrono::steady_clock::now() - self->lastWrite_ >= kPingAfterSilence) {
      std::string ping;
      dialects::appendEvent(ping, self->request_.dialect, "ping", R"({"type": "ping"})");
      self->exchange_->write(ping);
      self->lastWrite_ = std::chrono::steady_clock::now();
    }
    self->armPing();
  });
}

void ProxyCall::flushPending() {
  if (pendingOut_.empty()) return;
  exchange_->write(pendingOut_);
  pendingOut_.clear();
  lastWrite_ = std::chrono::steady_clock::now();
  // The client reads slower than the upstream writes: stop reading until it drains.
  if (transfer_ != nullptr && exchange_->congested()) upstream_.pause(transfer_);
}

// ---------------------------------------------------------------- transfer callbacks

void ProxyCall::onResponseHead(int status, const std::vector<std::pair<std::string, std::string>>& headers) {
  upstreamStatus_ = status;
  upstreamHeaders_.clear();
  if (status == 429 || status == 503) {
    for (const auto& [name, value] : headers) {
      std::string lower = util::toLower(name);
      if (upstreamHeaders_.size() < kMaxForwardedHeaders && forwardedHeader(lower) && value.size() <= kMaxErrorField &&
          printable(value))
        upstreamHeaders_.push_back({std::move(lower), value});
    }
  }
  route_->upstreamLatency->observe(secondsSince(attemptStart_));
  // The provider's own trouble counts against its circuit; a client's mistake (400, 404, 413,
  // 422) shows a working provider.
  report(providerFault(status) ? HealthTracker::Outcome::Failure : HealthTracker::Outcome::Success);
  if (status >= 200 && status < 300) {
    if (request_.stream()) {
      phase_ = Phase::Streaming;
      beginClientStream();
    } else {
      phase_ = Phase::Buffering;
    }
  } else {
    phase_ = Phase::UpstreamError;
  }
}

void ProxyCall::onResponseData(std::string_view data) {
  if (phase_ == Phase::Streaming) {
    stream_.feed(200, data, false, *this);
    flushPending();
    return;
  }
  if (tooLarge_) return;
  size_t limit = phase_ == Phase::UpstreamError ? 64 * 1024 : services_.maxResponseBytes;
  if (body_.size() + data.size() > limit) {
    if (phase_ == Phase::UpstreamError) return;  // the start of an error body is enough
    tooLarge_ = true;
    return;
  }
  body_.append(data);
}

void ProxyCall::onComplete(const net::TransferResult& result) {
  transfer_ = nullptr;
  if (phase_ == Phase::Done || phase_ == Phase::Settling) return;
  const std::string& provider = route_->providerName();
  if (result.error != net::TransferError::None) {
    bool timeout = result.error == net::TransferError::Timeout;
    services_.metrics.upstreamAttempts
        .with({provider, timeout ? "timeout" : result.error == net::TransferError::Connect ? "connect_error" : "failed"})
        .add();
    log().warning("provider " + provider + ": " + route_->provider->redact(result.detail));
    report(HealthTracker::Outcome::Failure);
    Failure failure;
    if (timeout) {
      failure = Failure{504, "upstream_timeout",
                        "provider '" + provider + "' sent nothing for " +
                            std::to_string(route_->providerConfig->timeoutMs) + " ms"};
    } else if (result.error == net::TransferError::Connect) {
      failure = Failure{502, "upstream_unavailable", "could not connect to provider '" + provider + "'"};
    } else {
      failure = Failure{502, "upstream_error", "the connection to provider '" + provider + "' failed"};
    }
    if (phase_ == Phase::Streaming) {
      respondError(failure);  // bytes have reached the client: report in-band, no retry
      return;
    }
    moveOn(std::move(failure));
    return;
  }
  switch (phase_) {
    case Phase::Streaming:
      services_.metrics.upstreamAttempts.with({provider, "ok"}).add();
      stream_.feed(200, {}, true, *this);
      completeStream();
      break;
    case Phase::Buffering:
      if (tooLarge_) {
        services_.metrics.upstreamAttempts.with({provider, "failed"}).add();
        respondError(Failure{502, "upstream_error", "the upstream response exceeds the size limit"});
        return;
      }
      services_.metrics.upstreamAttempts.with({provider, "ok"}).add();
      stream_.feed(upstreamStatus_, body_, true, *this);
      completeBuffered();
      break;
    case Phase::UpstreamError:
      services_.metrics.upstreamAttempts.with({provider, "http_error"}).add();
      stream_.feed(upstreamStatus_, body_, true, *this);
      completeUpstreamError();
      break;
    default:
      moveOn(Failure{502, "upstream_error", "provider '" + provider + "' ended the exchange without a response"});
  }
}

// ---------------------------------------------------------------- emitted events

void ProxyCall::onChunk(std::string_view json, uint32_t flags) {
  if (phase_ != Phase::Streaming) {
    responseJson_.assign(json);
    return;
  }
  if (decoder_) {
    decoder_->chunk(json, canonicalSink_);
  } else if (providerDialect_ == dialects::Dialect::OpenAIChat) {
    canonicalChunk(json, flags);
  } else {
    clientEvent(dialects::eventType(json), json);  // the client's own dialect, passed through
  }
}

void ProxyCall::canonicalChunk(std::string_view json, uint32_t flags) {
  if (encoder_) {
    encoder_->chunk(json, flags, clientSink_);
  } else {
    chatChunk(json, flags);
  }
}

void ProxyCall::clientEvent(std::string_view type, std::string_view json) {
  if (charging_) deliveredBytes_ += dialects::generatedTextBytes(request_.dialect, json);
  // The event that tells the client it is complete waits for the settlement.
  dialects::appendEvent(dialects::terminalEvent(request_.dialect, type) ? heldOut_ : pendingOut_, request_.dialect, type,
                        json);
}

std::string ProxyCall::streamError(int status, std::string_view code, std::string_view message) {
  struct Collect final : dialects::EventSink {
    Collect(dialects::Dialect d) : dialect(d) {}
    void event(std::string_view type, std::string_view json, uint32_t) override { dialects::appendEvent(out, dialect, type, json); }
    dialects::Dialect dialect;
    std::string out;
  } collect(request_.dialect);
  if (encoder_ && encoder_->fail(code.empty() ? http::errorType(status) : code, message, collect)) return collect.out;
  return dialects::streamErrorEvent(request_.dialect, status, code, message);
}

void ProxyCall::chatChunk(std::string_view json, uint32_t flags) {
  // The usage-only chunk Turnpike asked for on the client's behalf is not the client's.
  if ((flags & TP_CHUNK_USAGE_ONLY) != 0 && !request_.summary.clientWantsUsage) return;
  pendingOut_ += "data: ";
  if ((flags & TP_CHUNK_USAGE_ONLY) != 0 && charging_) {
    auto used = meteredUsage();
    pendingOut_ += withUsageCost(json, cost(), used.promptTokens, used.completionTokens);
  } else if (!infoSent_ && services_.routingInfo) {
    infoSent_ = true;
    pendingOut_ += insertFirstMember(json, routingInfoMember());
  } else {
    pendingOut_ += json;
  }
  if ((flags & TP_CHUNK_USAGE_ONLY) == 0 && charging_) deliveredBytes_ += generatedTextBytes(json);
  pendingOut_ += "\n\n";
}

void ProxyCall::onUsage(const tp_usage& usage) {
  usage_ = usage;
  haveUsage_ = true;
}

void ProxyCall::onError(const plugins::EmittedError& error) {
  pluginFailed_ = true;
  const auto& provider = *route_->provider;
  pluginError_ = Failure{error.status, provider.redact(bounded(error.code)), provider.redact(error.message)};
  pluginError_.type = provider.redact(bounded(error.type));
  pluginError_.param = provider.redact(bounded(error.param));
  // Mid-stream, the client has a 200 already: the error is the gateway's report, with a code.
  if (pluginError_.code.empty() && (pluginError_.type.empty() || phase_ == Phase::Streaming))
    pluginError_.code = "upstream_error";
  if (phase_ == Phase::Streaming) {
    pendingOut_ += streamError(clientStatusFor(error.status), pluginError_.code, pluginError_.message);
  }
}

// ---------------------------------------------------------------- metering

billing::MeteredUsage ProxyCall::meteredUsage() const {
  billing::MeteredUsage m;
  m.images = request_.summary.imageCount;
  if (haveUsage_) {
    m.promptTokens = usage_.prompt_tokens;
    m.completionTokens = usage_.completion_tokens;
    m.cachedTokens = usage_.cached_tokens;
    m.cacheWriteTokens = usage_.cache_write_tokens;
  } else {
    // No usage from the upstream (a cut stream, a disconnect): what reached the client.
    m.promptTokens = billing::estimateDeliveredTokens(request_.summary.promptBytes);
    m.completionTokens = billing::estimateDeliveredTokens(deliveredBytes_);
  }
  return m;
}

int64_t ProxyCall::cost() const {
  auto used = meteredUsage();
  if (!priced_ || priced_->first != used) {
    Payer payer;
    if (charging_) payer = Payer{charging_->accountId, charging_->tier};
    priced_.emplace(used, services_.pricer.cost(*route_, used, request_.stream(), payer));
  }
  return priced_->second;
}

std::string ProxyCall::routingInfoMember() const {
  // Written directly rather than through a json DOM: it goes into every response, and building
  // and dumping the object was 6% of a request's CPU.
  auto field = [](std::string& out, const char* name, std::string_view value) {
    out += name;
    util::appendJsonString(out, value);
  };
  std::string out = "\"routing_info\":{\"provider\":";
  // No route_: every candidate was skipped (open circuits); the attempts say so.
  if (route_ != nullptr) {
    util::appendJsonString(out, route_->providerName());
    field(out, ",\"model\":", route_->id());
  } else {
    out += "null,\"model\":null";
  }
  field(out, ",\"requested_model\":", request_.model());
  field(out, ",\"reason\":", attempts_.empty() ? plan_.reason : std::string_view("fallback"));
  if (!attempts_.empty()) {
    field(out, ",\"route_reason\":", plan_.reason);
    out += ",\"attempts\":[";
    for (size_t i = 0; i < attempts_.size(); ++i) {
      const auto& a = attempts_[i];
      field(out, i == 0 ? "{\"provider\":" : ",{\"provider\":", a.route->providerName());
      field(out, ",\"model\":", a.route->id());
      out += ",\"status\":" + std::to_string(a.status);
      field(out, ",\"error\":", a.code);
      out += ",\"ms\":" + std::to_string(a.ms) + "}";
    }
    out += "]";
  }
  if (!plan_.info.is_null()) {
    out += ",\"policy\":";
    out += plan_.info.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  out += "}";
  return out;
}

void ProxyCall::settle(int status, std::function<void(const billing::SettleOutcome&)> then) {
  if (!charging_ || settled_ || services_.billing == nullptr) {
    if (then) then(billing::SettleOutcome{});
    return;
  }
  settled_ = true;
  // Charged only when something was served: a response, or a stream that reached the client.
  bool served = status < 400 || phase_ == Phase::Streaming;
  auto used = meteredUsage();
  billing::Settlement s;
  s.accountId = charging_->accountId;
  if (!charging_->keyId.empty()) s.keyId = charging_->keyId;
  s.reservationId = charging_->reservationId;
  s.held = charging_->held;
  s.keyHeld = charging_->keyHeld;
  s.cost = served && route_ != nullptr ? cost() : 0;
  s.delivered = exchange_->started();
  if (!charging_->l402Claim.empty()) s.l402Claim = charging_->l402Claim;
  s.served = served;
  s.usage.requestId = requestId_;
  s.usage.accountId = charging_->accountId;
  s.usage.keyId = s.keyId;
  s.usage.model = route_ != nullptr ? route_->id() : request_.model();
  s.usage.provider = route_ != nullptr ? route_->providerName() : std::string();
  s.usage.promptTokens = static_cast<int64_t>(used.promptTokens);
  s.usage.completionTokens = static_cast<int64_t>(used.completionTokens);
  s.usage.cachedTokens = static_cast<int64_t>(used.cachedTokens);
  s.usage.status = status;
  s.usage.stream = request_.stream();
  s.usage.estimated = !haveUsage_;
  if (!haveUsage_ && s.cost > 0) {
    bool whole = status < 400 && (phase_ == Phase::Settling || phase_ == Phase::Buffering);
    services_.metrics.usageEstimated.with({s.usage.provider, whole ? "missing" : "cut"}).add();
  }
  s.usage.durationMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - exchange_->startTime()).count();
  if (services_.limiter != nullptr)
    services_.limiter->record(charging_->rateIdentity, used.promptTokens + used.completionTokens, billing::nowMs());
  auto self = shared_from_this();
  services_.billing->settle(std::move(s), [self, then = std::move(then)](billing::SettleOutcome outcome,
                                                                        std::exception_ptr error) mutable {
    if (!error && outcome.shortfall > 0) {
      self->services_.metrics.shortfall.with({self->route_->providerName()}).add(static_cast<uint64_t>(outcome.shortfall));
      log().warning("request " + self->requestId_ + " used " + std::to_string(outcome.shortfall) +
                    " more than its wallet or key limit could cover");
    }
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        log().error("settling " + self->requestId_ + " failed: " + e.what());
      }
    }
    if (!then) return;
    self->exchange_->loop().post([self, then = std::move(then), outcome, failed = error != nullptr] {
      if (failed) {
        // A stream has delivered what it is charged for: its charge is retried. A response
        // that waited for the charge is not sent, and nothing is billed for it.
        if (self->exchange_->started()) {
          self->exchange_->write(
              self->streamError(500, "billing_failed", "the charge could not be recorded yet; it will be retried"));
          self->finish(500, "billing_failed");
        } else {
          self->finish(500, "billing_failed",
                       http::errorResponse(500, "billing_failed", "the charge could not be recorded; nothing was billed"));
        }
        return;
      }
      then(outcome);
    });
  });
}

// ---------------------------------------------------------------- completion

void ProxyCall::completeStream() {
  if (!pluginFailed_) {
    if (decoder_) decoder_->finish(canonicalSink_);
    if (encoder_) encoder_->finish(clientSink_);
  }
  flushPending();
  if (pluginFailed_) {
    int status = clientStatusFor(pluginError_.status);
    settle(status, {});
    finish(status, pluginError_.code);  // the error event is out already
    return;
  }
  phase_ = Phase::Settling;
  settle(200, [this](const billing::SettleOutcome& outcome) {
    if (request_.dialect != dialects::Dialect::OpenAIChat) {
      keepThen(encoder_ ? encoder_->finalResponse() : std::string(), [this] {
        exchange_->write(heldOut_);
        finish(200);
      });
      return;
    }
    exchange_->write("data: [DONE]\n\n");
    if (wantsUsageEvent(outcome)) {
      // After [DONE]; some SDKs (the Vercel AI SDK) read on and reject it, so only on request.
      auto used = meteredUsage();
      exchange_->write({"event: payg-usage\ndata: {\"cost\":", std::to_string(outcome.charged), ",\"balance\":",
                        std::to_string(outcome.balance), ",\"unit\":\"", services_.billingConfig.unit,
                        "\",\"prompt_tokens\":", std::to_string(used.promptTokens),
                        ",\"completion_tokens\":", std::to_string(used.completionTokens), "}\n\n"});
    }
    finish(200);
  });
}

void ProxyCall::keepThen(std::string_view response, std::function<void()> then) {
  if (!onServed_ || response.empty()) {
    then();
    return;
  }
  onServed_(response, [self = shared_from_this(), then = std::move(then)]() mutable {
    self->exchange_->loop().post([self, then = std::move(then)] { then(); });
  });
}

bool ProxyCall::wantsUsageEvent(const billing::SettleOutcome& outcome) const {
  if (!charging_ || (outcome.charged <= 0 && route_->model.price.isFree())) return false;
  if (services_.billingConfig.usageEvent || route_->model.usageEvent) return true;
  auto asked = exchange_->request().header("x-turnpike-usage-event");
  return asked && (util::trim(*asked) == "1" || util::iequals(util::trim(*asked), "true"));
}

void ProxyCall::completeBuffered() {
  if (pluginFailed_) {
    respondError(Failure{clientStatusFor(pluginError_.status), pluginError_.code, pluginError_.message});
    return;
  }
  if (responseJson_.empty()) {
    respondError(Failure{502, "upstream_error", "provider '" + route_->providerName() + "' returned an empty response"});
    return;
  }
  if (request_.operation == TP_OP_COUNT_TOKENS) {
    finish(200, {}, http::Response::json(200, std::move(responseJson_)));
    return;
  }
  try {
    if (decoder_) responseJson_ = decoder_->whole(responseJson_);
    if (encoder_) responseJson_ = encoder_->whole(responseJson_);
  } catch (const std::exception& e) {
    log().warning("provider " + route_->providerName() + ": untranslatable response: " + route_->provider->redact(e.what()));
    respondError(Failure{502, "upstream_error", "provider '" + route_->providerName() + "' returned a response that could not be translated"});
    return;
  }
  if (request_.dialect != dialects::Dialect::OpenAIChat) {
    if (charging_ && !haveUsage_) deliveredBytes_ = dialects::generatedTextBytes(request_.dialect, responseJson_);
    phase_ = Phase::Settling;
    settle(200, [this](const billing::SettleOutcome&) {
      keepThen(encoder_ ? encoder_->finalResponse() : std::string(), [this] {
        http::Response response = http::Response::json(200, std::move(responseJson_));
        for (auto& h : routeHeaders()) response.headers.push_back(std::move(h));
        finish(200, {}, std::move(response));
      });
    });
    return;
  }
  if (charging_) {
    // No usable usage: what the response says it generated is billed, as for streams.
    if (!haveUsage_) deliveredBytes_ = generatedTextBytes(responseJson_);
    auto used = meteredUsage();
    responseJson_ = withUsageCost(responseJson_, cost(), used.promptTokens, used.completionTokens);
  }
  if (services_.routingInfo) responseJson_ = insertFirstMember(responseJson_, routingInfoMember());
  phase_ = Phase::Settling;
  settle(200, [this](const billing::SettleOutcome&) {
    http::Response response = http::Response::json(200, std::move(responseJson_));
    for (auto& h : routeHeaders()) response.headers.push_back(std::move(h));
    finish(200, {}, std::move(response));
  });
}

void ProxyCall::completeUpstreamError() {
  Failure failure{clientStatusFor(upstreamStatus_), "upstream_error", {}};
  if (pluginFailed_) {
    failure.code = pluginError_.code;
    failure.message = pluginError_.message;
    // A client's own mistake or limit reaches it as the upstream described it.
    if (failure.status == upstreamStatus_ || (upstreamStatus_ == 529 && failure.status == 503)) {
      failure.type = pluginError_.type;
      failure.param = pluginError_.param;
    } else if (failure.code.empty()) {
      failure.code = "upstream_error";
    }
  }
  failure.headers = std::move(upstreamHeaders_);
  std::string answered = "provider '" + route_->providerName() + "' answered HTTP " + std::to_string(upstreamStatus_);
  if (failure.status == 502 || failure.message.empty())
    failure.message = failure.message.empty() ? answered : answered + ": " + failure.message;
  if (worthAnotherProvider(upstreamStatus_)) {
    moveOn(std::move(failure));
  } else {
    respondError(failure);
  }
}

void ProxyCall::moveOn(Failure failure) {
  attempts_.push_back(Attempt{route_, failure.status, failure.code.empty() ? "upstream_error" : failure.code,
                              std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                                    attemptStart_)
                                  .count()});
  lastFailure_ = std::move(failure);
  stream_.close();
  release();
  attempt();
}

void ProxyCall::respondError(const Failure& failure) {
  if (exchange_->started()) {
    settle(failure.status, {});
    exchange_->write(streamError(failure.status, failure.code, failure.message));
    finish(failure.status, failure.code);
    return;
  }
  // Answered once the settlement has given the reservation (and a single-use L402 credential)
  // back, so a client retrying at once on the error finds them free.
  settle(failure.status, [this, failure](const billing::SettleOutcome&) {
    auto response = http::errorResponse(failure.status, failure.code, failure.message, failure.param, failure.type);
    for (const auto& h : failure.headers) response.headers.push_back(h);
    if (services_.routingInfo && request_.dialect == dialects::Dialect::OpenAIChat && (route_ != nullptr || !attempts_.empty()))
      response.body = insertFirstMember(response.body, routingInfoMember());
    for (auto& h : routeHeaders()) response.headers.push_back(std::move(h));
    finish(failure.status, failure.code, std::move(response));
  });
}

void ProxyCall::clientGone() {
  if (phase_ == Phase::Done) return;
  if (transfer_ != nullptr) {
    upstream_.cancel(transfer_);
    transfer_ = nullptr;
  }
  report(HealthTracker::Outcome::Abandoned);
  settle(499, {});  // no-op when the settlement is already under way
  finish(499, "client_closed_request");
}

void ProxyCall::finish(int status, std::string_view errorCode, std::optional<http::Response> response) {
  if (phase_ == Phase::Done) return;
  phase_ = Phase::Done;
  if (pingTimer_ != 0) exchange_->loop().cancel(pingTimer_);
  stream_.close();
  release();
  // The outcome first: ending the exchange reports it to the metrics observer.
  exchange_->setOutcome(status, std::string(errorCode));
  if (response && !exchange_->started()) {
    exchange_->respond(std::move(*response));
  } else if (exchange_->started()) {
    exchange_->endStream();
  }
  auto& m = services_.metrics;
  m.inflight.with({}).add(-1);
  std::string_view provider = route_ ? std::string_view(route_->providerName()) : std::string_view();
  std::string_view model = route_ ? std::string_view(route_->id()) : std::string_view();
  char statusText[8];
  auto statusEnd = std::to_chars(statusText, statusText + sizeof statusText, status).ptr;
  m.requests.with({provider, model, std::string_view(statusText, static_cast<size_t>(statusEnd - statusText))}).add();
  if (route_ != nullptr) {
    route_->duration->observe(secondsSince(exchange_->startTime()));
    if (haveUsage_) {
      route_->promptTokens->add(usage_.prompt_tokens);
      route_->completionTokens->add(usage_.completion_tokens);
    }
  }
  exchange_->onClientGone(nullptr);
  exchange_->onDrain(nullptr);
  // Destroyed once the current callback returns.
  exchange_->loop().defer([self = std::move(self_)] {});
}

}  // namespace turnpike::pipeline
