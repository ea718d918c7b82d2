#include "net/upstream_client.hpp"

#include <sys/epoll.h>

#include <memory>
#include <stdexcept>

#include "net/curl_global.hpp"
#include "util/strings.hpp"

namespace turnpike::net {

using Clock = std::chrono::steady_clock;

class UpstreamClient::Transfer {
 public:
  UpstreamClient* client;
  CURL* easy = nullptr;
  curl_slist* headerList = nullptr;
  UpstreamRequest request;
  TransferHandler* handler;
  std::vector<std::pair<std::string, std::string>> headers;
  int status = 0;
  bool headDelivered = false;
  bool pauseRequested = false;
  bool paused = false;
  bool done = false;  // finished or cancelled: no further callbacks
  bool timedOut = false;
  Clock::time_point lastActivity;
  Clock::time_point pausedSince;
  char errorBuffer[CURL_ERROR_SIZE] = {0};
};

struct UpstreamClient::SocketWatch final : http::EventLoop::Watcher {
  UpstreamClient* client;
  curl_socket_t fd;
  bool dead = false;

  void onEvents(uint32_t events) override {
    if (dead) return;
    int flags = 0;
    if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) flags |= CURL_CSELECT_IN;
    if (events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
    if (events & EPOLLERR) flags |= CURL_CSELECT_ERR;
    client->socketAction(fd, flags);
  }
};

UpstreamClient::UpstreamClient(http::EventLoop& loop, Options options) : loop_(loop) {
  ensureCurlGlobal();
  multi_ = curl_multi_init();
  if (multi_ == nullptr) throw std::runtime_error("curl_multi_init failed");
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &UpstreamClient::onSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &UpstreamClient::onTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, options.maxConnections);
}

UpstreamClient::~UpstreamClient() {
  for (Transfer* t : std::vector<Transfer*>(transfers_.begin(), transfers_.end())) retire(t);
  cancelled_.clear();
  if (curlTimer_ != 0) loop_.cancel(curlTimer_);
  if (idleTimer_ != 0) loop_.cancel(idleTimer_);
  curl_multi_cleanup(multi_);
  for (CURL* e : spareHandles_) curl_easy_cleanup(e);
}

CURL* UpstreamClient::acquireHandle() {
  if (!spareHandles_.empty()) {
    CURL* e = spareHandles_.back();
    spareHandles_.pop_back();
    return e;
  }
  // Options that never change are set once; a handle is reused without curl_easy_reset.
  CURL* e = curl_easy_init();
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &UpstreamClient::onHeader);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &UpstreamClient::onWrite);
  return e;
}

UpstreamClient::Transfer* UpstreamClient::start(UpstreamRequest request, TransferHandler* handler) {
  auto* t = new Transfer{};
  t->client = this;
  t->handler = handler;
  t->request = std::move(request);
  t->lastActivity = loop_.now();
  t->easy = acquireHandle();
  CURL* e = t->easy;
  const UpstreamRequest& r = t->request;
  // Every per-request option is set each time, so nothing leaks from the handle's last use.
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errorBuffer);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connectTimeout.count()));
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
  bool hasBody = r.method == "POST" || !r.body.empty();
  if (r.method == "GET" && r.body.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
  }
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method == "GET" || r.method == "POST" ? nullptr : r.method.c_str());
  if (hasBody) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  }
  for (const auto& h : r.headers) t->headerList = curl_slist_append(t->headerList, h.c_str());
  // No "Expect: 100-continue" round trip before larger bodies.
  if (r.body.size() > 1024) t->headerList = curl_slist_append(t->headerList, "Expect:");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headerList);

  transfers_.insert(t);
  CURLMcode rc = curl_multi_add_handle(multi_, e);
  if (rc != CURLM_OK) {
    transfers_.erase(t);
    release(t);
    throw std::runtime_error(std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc));
  }
  if (idleTimer_ == 0) idleTimer_ = loop_.runAfter(std::chrono::milliseconds(100), [this] { sweepIdle(); });
  return t;
}

void UpstreamClient::cancel(Transfer* t) {
  if (transfers_.count(t) == 0 || t->done) return;
  t->done = true;
  if (callbackDepth_ > 0) {
    // libcurl forbids removing a handle from inside its own callbacks. The transfer stays
    // in transfers_ (its one owner) until reapCancelled() retires it, so nothing else can
    // free it first, whatever libcurl does with it meanwhile.
    cancelled_.push_back(t);
    return;
  }
  retire(t);
}

void UpstreamClient::retire(Transfer* t) {
  curl_multi_remove_handle(multi_, t->easy);
  transfers_.erase(t);
  release(t);
}

void UpstreamClient::reapCancelled() {
  if (callbackDepth_ > 0) return;
  std::vector<Transfer*> batch;
  batch.swap(cancelled_);
  for (Transfer* t : batch) retire(t);
}

void UpstreamClient::pause(Transfer* t) {
  if (transfers_.count(t) != 0) t->pauseRequested = true;
}

void UpstreamClient::resume(Transfer* t) {
  if (transfers_.count(t) == 0 || t->done) return;
  t->pauseRequested = false;
  if (t->paused) {
    t->paused = false;
    t->lastActivity = loop_.now();
    ++callbackDepth_;
    curl_easy_pause(t->easy, CURLPAUSE_CONT);
    --callbackDepth_;
    reapCancelled();
  }
}

void UpstreamClient::release(Transfer* t) {
  curl_slist_free_all(t->headerList);
  // Handles are reused; their connections stay in the multi handle's pool either way.
  if (spareHandles_.size() < 256) {
    spareHandles_.push_back(t->easy);
  } else {
    curl_easy_cleanup(t->easy);
  }
  delete t;
}

int UpstreamClient::onSocket(CURL*, curl_socket_t s, int what, void* userp, void* socketp) {
  auto* self = static_cast<UpstreamClient*>(userp);
  int result = -1;  // tells libcurl the socket cannot be watched: the transfer fails
  self->loop_.guard([&] { result = self->watchSocket(s, what, static_cast<SocketWatch*>(socketp)); });
  return result;
}

int UpstreamClient::watchSocket(curl_socket_t s, int what, SocketWatch* watch) {
  if (what == CURL_POLL_REMOVE) {
    if (watch != nullptr) {
      loop_.remove(s);
      watch->dead = true;
      curl_multi_assign(multi_, s, nullptr);
      // Events for it may already be in this batch; free it afterwards.
      loop_.defer([watch] { delete watch; });
    }
    return 0;
  }
  uint32_t events = 0;
  if (what & CURL_POLL_IN) events |= EPOLLIN | EPOLLRDHUP;
  if (what & CURL_POLL_OUT) events |= EPOLLOUT;
  if (watch == nullptr) {
    auto owned = std::make_unique<SocketWatch>();
    owned->client = this;
    owned->fd = s;
    if (!loop_.add(s, events, owned.get())) return -1;
    watch = owned.release();
    curl_multi_assign(multi_, s, watch);
    return 0;
  }
  return loop_.modify(s, events, watch) ? 0 : -1;
}

int UpstreamClient::onTimer(CURLM*, long timeoutMs, void* userp) {
  auto* self = static_cast<UpstreamClient*>(userp);
  // -1 tells libcurl the timer could not be set.
  return self->loop_.guard([&] { self->setTimer(timeoutMs); }) ? 0 : -1;
}

void UpstreamClient::setTimer(long timeoutMs) {
  if (curlTimer_ != 0) {
    loop_.cancel(curlTimer_);
    curlTimer_ = 0;
  }
  if (timeoutMs == 0) {
    // "As soon as possible": after the current batch, without another trip through epoll.
    if (!kickQueued_) {
      kickQueued_ = true;
      loop_.defer([this] {
        kickQueued_ = false;
        socketAction(CURL_SOCKET_TIMEOUT, 0);
      });
    }
  } else if (timeoutMs > 0) {
    curlTimer_ = loop_.runAfter(std::chrono::milliseconds(timeoutMs), [this] {
      curlTimer_ = 0;
      socketAction(CURL_SOCKET_TIMEOUT, 0);
    });
  }
}

// libcurl is C: nothing may unwind through it. What a handler throws is contained here and
// aborts this transfer alone (returning less than was given fails it with a write error).
size_t UpstreamClient::onHeader(char* data, size_t size, size_t n, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  size_t result = 0;
  t->client->loop_.guard([&] { result = t->client->takeHeader(t, std::string_view(data, size * n)); });
  return result;
}

size_t UpstreamClient::onWrite(char* data, size_t size, size_t n, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  size_t result = 0;
  t->client->loop_.guard([&] { result = t->client->takeData(t, std::string_view(data, size * n)); });
  return result;
}

size_t UpstreamClient::takeHeader(Transfer* t, std::string_view line) {
  t->lastActivity = loop_.now();
  if (line.rfind("HTTP/", 0) == 0) {
    // A new header block (after 100 Continue or an interim response).
    t->headers.clear();
    auto sp = line.find(' ');
    t->status = sp == std::string_view::npos ? 0 : std::atoi(std::string(line.substr(sp + 1, 3)).c_str());
    return line.size();
  }
  std::string_view trimmed = util::trim(line);
  if (trimmed.empty()) {
    if (t->status >= 200 && !t->headDelivered && !t->done) {
      t->headDelivered = true;
      t->handler->onResponseHead(t->status, t->headers);
    }
    return line.size();
  }
  auto colon = trimmed.find(':');
  if (colon != std::string_view::npos)
    t->headers.emplace_back(util::toLower(trimmed.substr(0, colon)), std::string(util::trim(trimmed.substr(colon + 1))));
  return line.size();
}

size_t UpstreamClient::takeData(Transfer* t, std::string_view data) {
  if (t->done) return 0;  // cancelled: abort the transfer
  if (t->pauseRequested) {
    // Not consumed: libcurl hands the same bytes back after resume().
    t->paused = true;
    t->pausedSince = loop_.now();
    return CURL_WRITEFUNC_PAUSE;
  }
  t->lastActivity = loop_.now();
  if (!t->headDelivered) {
    t->headDelivered = true;
    t->handler->onResponseHead(t->status, t->headers);
    if (t->done) return 0;
  }
  t->handler->onResponseData(data);
  return data.size();
}

void UpstreamClient::socketAction(curl_socket_t s, int flags) {
  int running = 0;
  ++callbackDepth_;
  curl_multi_socket_action(multi_, s, flags, &running);
  --callbackDepth_;
  reapCancelled();
  collectDone();
}

void UpstreamClient::collectDone() {
  int pending = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &pending)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    if (t != nullptr) finish(t, msg->data.result);
  }
}

void UpstreamClient::finish(Transfer* t, CURLcode code) {
  if (t->done) return;  // cancelled: retired by whoever cancelled it
  t->done = true;
  curl_multi_remove_handle(multi_, t->easy);
  transfers_.erase(t);
  TransferResult result;
  if (t->timedOut) {
    result.error = TransferError::Timeout;
    result.detail = t->paused ? "the consumer kept the transfer paused past its limit"
                              : "no data from upstream within the timeout";
  } else if (code != CURLE_OK) {
    switch (code) {
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        result.error = TransferError::Connect;
        break;
      case CURLE_OPERATION_TIMEDOUT:
        result.error = TransferError::Timeout;
        break;
      default:
        result.error = TransferError::Failed;
    }
    result.detail = t->errorBuffer[0] != '\0' ? t->errorBuffer : curl_easy_strerror(code);
  } else if (!t->headDelivered) {
    // A body-less response: deliver the head now.
    t->headDelivered = true;
    t->handler->onResponseHead(t->status, t->headers);
  }
  TransferHandler* handler = t->handler;
  release(t);
  handler->onComplete(result);
}

void UpstreamClient::sweepIdle() {
  // Re-armed first: a handler that throws below must not end the sweeping.
  idleTimer_ = transfers_.empty() ? 0 : loop_.runAfter(std::chrono::milliseconds(100), [this] { sweepIdle(); });
  auto now = Clock::now();
  std::vector<Transfer*> expired;
  for (Transfer* t : transfers_) {
    if (t->done) continue;
    // Paused, the upstream is not the one keeping quiet: a bound of its own.
    if (t->paused ? now - t->pausedSince <= t->request.pauseTimeout : now - t->lastActivity <= t->request.idleTimeout)
      continue;
    t->timedOut = true;
    expired.push_back(t);
  }
  for (Transfer* t : expired) {
    // The handler of an earlier one may have cancelled this one (or started another, which
    // may sit at the same address but is not marked).
    if (transfers_.count(t) == 0 || !t->timedOut || t->done) continue;
    finish(t, CURLE_OPERATION_TIMEDOUT);
  }
}

}  // namespace turnpike::net
