// Maps method + path to handlers. Patterns are literal segments, `{name}` (one segment) and a
// final `{name*}` (the rest of the path, slashes included: model ids like "org/model").
//
// Async handlers run on the loop thread and answer through the Exchange whenever they are
// done. Blocking handlers (store writes, payment backends, anything that may wait) run on a
// worker pool — the default one, or the named pool the route was added with, so that slow work
// of one kind cannot starve another — and their Response is handed back to the loop. A pool
// whose queue is full refuses the work: 503 with Retry-After. Exceptions thrown by either kind
// are caught here, once: ApiError becomes its OpenAI-style response, anything else a 500 whose
// detail goes to the log only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http/connection.hpp"
#include "http/cors.hpp"

namespace turnpike::http {

class Router {
 public:
  using AsyncHandler = std::function<void(const std::shared_ptr<Exchange>&, const PathParams&)>;
  using BlockingHandler = std::function<Response(const Request&, const PathParams&)>;
  // Runs a task on a pool; false when the pool has no room for it.
  using Executor = std::function<bool(std::function<void()>)>;

  void add(std::string method, std::string pattern, AsyncHandler handler);
  // `pool` names the executor the handler runs on ("" is the default one).
  void addBlocking(std::string method, std::string pattern, BlockingHandler handler, std::string pool = {});
  // Where blocking handlers of `pool` run (the server's worker pools).
  void setExecutor(Executor executor, const std::string& pool = {}) { executors_[pool] = std::move(executor); }

  // Browser origins allowed to call (server.cors); OPTIONS on a known path is answered either way.
  void setCors(CorsPolicy cors) { cors_ = std::move(cors); }

  void dispatch(const std::shared_ptr<Exchange>& exchange) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    AsyncHandler async;
    BlockingHandler blocking;
    std::string pool;
  };
  static bool match(const Route& route, const std::string& path, PathParams& params);
  void runBlocking(const Route& route, const std::shared_ptr<Exchange>& exchange, PathParams params) const;
  // "GET, HEAD, POST, OPTIONS": what `path` takes (the Allow header); empty for an unknown path.
  std::string allowedMethods(const std::string& path) const;

  std::vector<Route> routes_;
  std::map<std::string, Executor> executors_;
  CorsPolicy cors_;
};

// 503 for work its pool had no room for: the client should come back shortly.
Response busyResponse();

// Runs `fn` and converts what it throws into a response (the "handler top").
Response guarded(const std::function<Response()>& fn);
// The handler top for the rest of an async handler, run later from a callback: what `fn`
// throws becomes the exchange's response (unless one has started already).
void continueGuarded(Exchange& exchange, const std::function<void()>& fn);

}  // namespace turnpike::http
