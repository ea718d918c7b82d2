#include "http/router.hpp"

#include <Poco/Logger.h>

#include <algorithm>

#include "http/api_error.hpp"
#include "util/strings.hpp"

namespace turnpike::http {

namespace {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> out;
  for (auto part : util::split(path, '/'))
    if (!part.empty()) out.emplace_back(part);
  return out;
}

Poco::Logger& log() { return Poco::Logger::get("http"); }

}  // namespace

Response guarded(const std::function<Response()>& fn) {
  try {
    return fn();
  } catch (const ApiError& e) {
    return errorResponse(e);
  } catch (const std::exception& e) {
    log().error(std::string("unhandled error: ") + e.what());
  } catch (...) {
    log().error("unhandled non-standard exception");
  }
  return errorResponse(500, "internal_error", "internal server error");
}

void continueGuarded(Exchange& exchange, const std::function<void()>& fn) {
  try {
    fn();
  } catch (...) {
    Response response = guarded([]() -> Response { throw; });
    if (!exchange.started()) exchange.respond(std::move(response));
  }
}

void Router::add(std::string method, std::string pattern, AsyncHandler handler) {
  auto segments = splitPath(pattern);
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(segments), std::move(handler), {}, {}});
}

void Router::addBlocking(std::string method, std::string pattern, BlockingHandler handler, std::string pool) {
  auto segments = splitPath(pattern);
  routes_.push_back(
      Route{std::move(method), std::move(pattern), std::move(segments), {}, std::move(handler), std::move(pool)});
}

Response busyResponse() {
  Response r = errorResponse(503, "server_busy", "the server is busy with this kind of request; retry shortly");
  r.headers.push_back({"Retry-After", "1"});
  return r;
}

bool Router::match(const Route& route, const std::string& path, PathParams& params) {
  size_t pos = 0;
  for (size_t i = 0; i < route.segments.size(); ++i) {
    const std::string& seg = route.segments[i];
    while (pos < path.size() && path[pos] == '/') ++pos;
    if (pos >= path.size()) return false;
    bool param = seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
    if (param && seg[seg.size() - 2] == '*') {
      if (i + 1 != route.segments.size()) return false;
      params.set(std::string_view(seg).substr(1, seg.size() - 3), path.substr(pos));
      return true;
    }
    size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    std::string_view piece(path.data() + pos, end - pos);
    if (param) {
      params.set(std::string_view(seg).substr(1, seg.size() - 2), std::string(piece));
    } else if (piece != seg) {
      return false;
    }
    pos = end;
  }
  while (pos < path.size() && path[pos] == '/') ++pos;
  return pos == path.size();
}

std::string Router::allowedMethods(const std::string& path) const {
  std::vector<std::string_view> methods;
  auto addMethod = [&](std::string_view m) {
    if (std::find(methods.begin(), methods.end(), m) == methods.end()) methods.push_back(m);
  };
  for (const auto& route : routes_) {
    PathParams params;
    if (!match(route, path, params)) continue;
    addMethod(route.method);
    if (route.method == "GET") addMethod("HEAD");
  }
  if (methods.empty()) return {};
  addMethod("OPTIONS");
  std::string out;
  for (auto m : methods) {
    if (!out.empty()) out += ", ";
    out += m;
  }
  return out;
}

void Router::dispatch(const std::shared_ptr<Exchange>& exchange) const {
  const Request& request = exchange->request();
  for (auto& h : cors_.responseHeaders(request)) exchange->addResponseHeader(std::move(h.name), std::move(h.value));
  for (const auto& route : routes_) {
    PathParams params;
    if (!match(route, request.path, params)) continue;
    bool methodOk = route.method == request.method || (request.method == "HEAD" && route.method == "GET");
    if (!methodOk) continue;
    exchange->setRoute(route.pattern);
    if (route.blocking) {
      runBlocking(route, exchange, std::move(params));
      return;
    }
    continueGuarded(*exchange, [&] { route.async(exchange, params); });
    return;
  }
  std::string allowed = allowedMethods(request.path);
  if (allowed.empty()) {
    exchange->setRoute("unmatched");
    exchange->respond(errorResponse(404, "not_found", "no route for " + request.method + " " + request.path));
    return;
  }
  if (request.method == "OPTIONS") {  // a CORS preflight, or a client asking what the path takes
    exchange->setRoute("preflight");
    exchange->respond(cors_.preflight(request, allowed));
    return;
  }
  exchange->setRoute("unmatched");
  auto response = errorResponse(405, "method_not_allowed", "method " + request.method + " is not allowed on " + request.path);
  response.headers.push_back({"Allow", std::move(allowed)});
  exchange->respond(std::move(response));
}

void Router::runBlocking(const Route& route, const std::shared_ptr<Exchange>& exchange, PathParams params) const {
  auto work = [handler = route.blocking, exchange, params = std::move(params)]() {
    Response response = guarded([&] { return handler(exchange->request(), params); });
    exchange->respondFromAnyThread(std::move(response));
  };
  auto executor = executors_.find(route.pool);
  if (executor == executors_.end()) executor = executors_.find("");
  if (executor == executors_.end()) {
    work();
  } else if (!executor->second(std::move(work))) {
    exchange->respond(busyResponse());
  }
}

}  // namespace turnpike::http
