#include "net/upstream_client.hpp"

#include <sys/epoll.h>

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
  bool done = false;
  bool timedOut = false;
  Clock::time_point lastActivity;
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
  for (Transfer* t : std::vector<Transfer*>(transfers_.begin(), transfers_.end())) {
    curl_multi_remove_handle(multi_, t->easy);
    release(t);
  }
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
    // libcurl forbids removing a handle from inside its own callbacks.
    loop_.defer([this, t] {
      curl_multi_remove_handle(multi_, t->easy);
      transfers_.erase(t);
      release(t);
    });
    return;
  }
  curl_multi_remove_handle(multi_, t->easy);
  transfers_.erase(t);
  release(t);
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
  auto* watch = static_cast<SocketWatch*>(socketp);
  if (what == CURL_POLL_REMOVE) {
    if (watch != nullptr) {
      self->loop_.remove(s);
      watch->dead = true;
      curl_multi_assign(self->multi_, s, nullptr);
      // Events for it may already be in this batch; free it afterwards.
      self->loop_.defer([watch] { delete watch; });
    }
    return 0;
  }
  uint32_t events = 0;
  if (what & CURL_POLL_IN) events |= EPOLLIN | EPOLLRDHUP;
  if (what & CURL_POLL_OUT) events |= EPOLLOUT;
  if (watch == nullptr) {
    watch = new SocketWatch{};
    watch->client = self;
    watch->fd = s;
    curl_multi_assign(self->multi_, s, watch);
    self->loop_.add(s, events, watch);
  } else {
    self->loop_.modify(s, events, watch);
  }
  return 0;
}

int UpstreamClient::onTimer(CURLM*, long timeoutMs, void* userp) {
  auto* self = static_cast<UpstreamClient*>(userp);
  if (self->curlTimer_ != 0) {
    self->loop_.cancel(self->curlTimer_);
    self->curlTimer_ = 0;
  }
  if (timeoutMs == 0) {
    // "As soon as possible": after the current batch, without another trip through epoll.
    if (!self->kickQueued_) {
      self->kickQueued_ = true;
      self->loop_.defer([self] {
        self->kickQueued_ = false;
        self->socketAction(CURL_SOCKET_TIMEOUT, 0);
      });
    }
  } else if (timeoutMs > 0) {
    self->curlTimer_ = self->loop_.runAfter(std::chrono::milliseconds(timeoutMs), [self] {
      self->curlTimer_ = 0;
      self->socketAction(CURL_SOCKET_TIMEOUT, 0);
    });
  }
  return 0;
}

size_t UpstreamClient::onHeader(char* data, size_t size, size_t n, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  std::string_view line(data, size * n);
  t->lastActivity = t->client->loop_.now();
  if (line.rfind("HTTP/", 0) == 0) {
    // A new header block (after 100 Continue or an interim response).
    t->headers.clear();
    auto sp = line.find(' ');
    t->status = sp == std::string_view::npos ? 0 : std::atoi(std::string(line.substr(sp + 1, 3)).c_str());
    return size * n;
  }
  std::string_view trimmed = util::trim(line);
  if (trimmed.empty()) {
    if (t->status >= 200 && !t->headDelivered && !t->done) {
      t->headDelivered = true;
      t->handler->onResponseHead(t->status, t->headers);
    }
    return size * n;
  }
  auto colon = trimmed.find(':');
  if (colon != std::string_view::npos)
    t->headers.emplace_back(util::toLower(trimmed.substr(0, colon)), std::string(util::trim(trimmed.substr(colon + 1))));
  return size * n;
}

size_t UpstreamClient::onWrite(char* data, size_t size, size_t n, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  if (t->done) return 0;  // cancelled: abort the transfer
  if (t->pauseRequested) {
    // Not consumed: libcurl hands the same bytes back after resume().
    t->paused = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  t->lastActivity = t->client->loop_.now();
  if (!t->headDelivered) {
    t->headDelivered = true;
    t->handler->onResponseHead(t->status, t->headers);
    if (t->done) return 0;
  }
  t->handler->onResponseData(std::string_view(data, size * n));
  return size * n;
}

void UpstreamClient::socketAction(curl_socket_t s, int flags) {
  int running = 0;
  ++callbackDepth_;
  curl_multi_socket_action(multi_, s, flags, &running);
  --callbackDepth_;
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
  curl_multi_remove_handle(multi_, t->easy);
  transfers_.erase(t);
  if (t->done) {  // cancelled while libcurl was finishing it
    release(t);
    return;
  }
  t->done = true;
  TransferResult result;
  if (t->timedOut) {
    result.error = TransferError::Timeout;
    result.detail = "no data from upstream within the timeout";
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
  idleTimer_ = 0;
  auto now = Clock::now();
  std::vector<Transfer*> expired;
  for (Transfer* t : transfers_) {
    if (!t->done && !t->paused && now - t->lastActivity > t->request.idleTimeout) expired.push_back(t);
  }
  for (Transfer* t : expired) {
    t->timedOut = true;
    finish(t, CURLE_OPERATION_TIMEDOUT);
  }
  if (!transfers_.empty()) idleTimer_ = loop_.runAfter(std::chrono::milliseconds(100), [this] { sweepIdle(); });
}

}  // namespace turnpike::net
