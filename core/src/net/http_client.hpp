// Blocking HTTP client for work off the event loops: plugin calls through the host API
// (payment backends, model discovery). Handles are per thread; connections, DNS and TLS
// sessions are shared process-wide so repeated calls reuse connections (public-only calls
// excepted: each makes its own connection, checked by the SSRF guard).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace turnpike::net {

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{30'000};
  bool publicOnly = false;  // refuse non-public destinations (user-supplied URLs): fresh connection, no proxy
  std::string caCertPem;    // trust only this certificate (pinned self-signed TLS)
  // Set (from any thread) to abandon the call: checked at least once a second while it waits,
  // so a stream with nothing to say cannot hold a shutdown for its whole timeout.
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpCallSink {
  std::function<bool(int status)> onStatus;
  std::function<bool(std::string_view name, std::string_view value)> onHeader;
  std::function<bool(std::string_view chunk)> onBody;  // false aborts
};

struct HttpCallResult {
  int status = -1;    // -1 when the exchange failed
  std::string error;  // why, without secrets
};

inline constexpr const char* kHttpCancelled = "cancelled: the plugin instance is stopping";

HttpCallResult performHttp(const HttpCall& call, const HttpCallSink& sink);

// Convenience: the whole body in memory, at most `maxBodyBytes` of it (a longer one fails the
// call with an error saying so).
struct HttpReply {
  int status = -1;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string error;
};
inline constexpr size_t kFetchBodyLimit = 16 * 1024 * 1024;
HttpReply fetch(const HttpCall& call, size_t maxBodyBytes = kFetchBodyLimit);

}  // namespace turnpike::net
