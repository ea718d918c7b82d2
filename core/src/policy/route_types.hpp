// Input and output of the routing script's route(req, ctx).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "policy/policy_error.hpp"
#include "policy/provider_snapshot.hpp"

namespace turnpike::policy {

// A summary of one inference request, seen by the script as `req`. Views must stay valid for the
// duration of the call only; nothing is kept.
//   req = {model, operation, stream, message_count, prompt_tokens, max_tokens (nil if absent),
//          has_tools, has_images, code_signals, account_id (nil if anonymous), tier (nil if none),
//          headers = {[lower-case name] = value}, metadata = {[key] = string} (nil unless given)}
// Credential headers (Authorization, Proxy-Authorization, Cookie, X-Spend-Token, X-Api-Key,
// Api-Key) read "[redacted]", after the scheme for a well-known one ("Bearer [redacted]").
// To keep the call path free of allocations, req is one table per thread that every call
// rewrites, and headers and metadata are built only when the script reads them: scripts treat
// req as read-only and copy what they want to keep past the call.
struct RouteRequest {
  std::string_view model;                // as the client sent it, "auto" included
  std::string_view operation = "chat";   // chat | completions | embeddings
  bool stream = false;
  uint32_t messageCount = 0;
  uint64_t promptTokens = 0;             // estimate, before the upstream counts
  std::optional<uint64_t> maxTokens;     // max_tokens / max_completion_tokens when given
  bool hasTools = false;
  bool hasImages = false;
  uint32_t codeSignals = 0;              // countCodeSignals() over the prompt (code_signals.hpp)
  std::string_view accountId;            // empty: anonymous
  std::string_view tier;                 // account tier or plan name; empty: none
  // Names lower-case (http::Request stores them so). Each header costs a little on every call:
  // pass the ones policy needs, or all of them when that is simpler.
  std::span<const http::Header> headers;
  // The request's "metadata" object, handed to the script as req.metadata (nesting limited by
  // PolicyLimits); null: absent.
  const nlohmann::json* metadata = nullptr;
};

// Seen by the script as `ctx`:
//   ctx = {providers = {candidate, ...},            -- ProviderSnapshot order
//          by_model = {[model id] = {candidate, ...}}}
// Both tables are built once per snapshot and shared by later calls on the same thread: scripts
// must treat them as read-only (they may memoize per ctx, e.g. in a weak-keyed table).
struct RouteContext {
  std::shared_ptr<const ProviderSnapshot> providers;  // nullptr: no candidates
};

// One (provider, model) pair the script chose.
struct RouteTarget {
  std::string provider;
  std::string model;
  // The matching entry of RouteContext::providers; valid while that snapshot lives.
  const ProviderCandidate* candidate = nullptr;
};

struct RouteOutcome {
  enum class Decision {
    Default,  // keep the configured order for req.model (script returned nil, or failed: see error)
    Route,    // use target, then fallbacks in order
    Deny,     // answer denyStatus / denyMessage without calling upstream
  };
  Decision decision = Decision::Default;
  RouteTarget target;
  std::vector<RouteTarget> fallbacks;  // never contains target; no duplicates
  int denyStatus = 0;                  // 400..599
  std::string denyMessage;
  nlohmann::json info;                 // the script's optional `info` table (e.g. for routing_info); null if absent
  PolicyError error;                   // set: decision is Default and the caller counts error.kind
  uint64_t generation = 0;             // script generation that answered (0: none loaded)

  bool ok() const { return !error; }
};

}  // namespace turnpike::policy
