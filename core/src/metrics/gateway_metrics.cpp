#include "metrics/gateway_metrics.hpp"

namespace turnpike::metrics {

GatewayMetrics::GatewayMetrics(Registry& r)
    : registry(r),
      httpRequests(r.counter("turnpike_http_requests_total", "HTTP requests served, by route pattern and status",
                             {"route", "method", "status"})),
      httpDuration(r.histogram("turnpike_http_request_duration_seconds", "Time from request to the end of the response",
                               {"route"}, latencyBuckets())),
      requests(r.counter("turnpike_requests_total", "Inference requests, by provider, model and final status",
                         {"provider", "model", "status"})),
      requestDuration(r.histogram("turnpike_request_duration_seconds",
                                  "Inference request duration including streaming", {"provider", "model"},
                                  latencyBuckets())),
      upstreamLatency(r.histogram("turnpike_upstream_latency_seconds",
                                  "Time from dispatch to the upstream's response headers", {"provider", "model"},
                                  latencyBuckets())),
      upstreamAttempts(r.counter("turnpike_upstream_attempts_total",
                                 "Upstream attempts by outcome (ok, connect_error, timeout, http_error, failed)",
                                 {"provider", "outcome"})),
      tokens(r.counter("turnpike_tokens_total", "Tokens reported by upstreams", {"provider", "model", "type"})),
      errors(r.counter("turnpike_errors_total", "Error responses by error code", {"provider", "model", "code"})),
      inflight(r.gauge("turnpike_inflight_requests", "Inference requests in progress")),
      policyErrors(r.counter("turnpike_policy_errors_total",
                             "Policy script calls that failed, by function and kind; the configured default applied",
                             {"function", "kind"})),
      usageEstimated(r.counter("turnpike_usage_estimated_total",
                               "Billed requests whose tokens the gateway counted itself because the upstream reported "
                               "none (missing: a whole response without usage; cut: a stream or client that ended early)",
                               {"provider", "reason"})),
      shortfall(r.counter("turnpike_billing_shortfall_total",
                          "Cost of usage beyond what the wallet or the key's limit could cover, not charged "
                          "(billing unit)",
                          {"provider"})) {}

}  // namespace turnpike::metrics
