#include "http/connection.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <ctime>

#include "http/api_error.hpp"
#include "http/field_syntax.hpp"
#include "http/router.hpp"

namespace turnpike::http {

namespace {

// While a response is in progress, input beyond this is left in the socket.
constexpr size_t kMaxPipelinedInput = 1024 * 1024;

void appendHex(std::string& out, size_t n) {
  char buf[20];
  auto r = std::to_chars(buf, buf + sizeof buf, n, 16);
  out.append(buf, r.ptr);
}

void appendDecimal(std::string& out, size_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

}  // namespace

// ---------------------------------------------------------------- LoopContext

LoopContext::LoopContext(EventLoop& loop, unsigned index, const ConnectionLimits& limits, Router& router,
                         ExchangeObserver observer)
    : loop_(loop), index_(index), limits_(limits), router_(router), observer_(std::move(observer)) {
  loop_.addBeforeSleep([this] { flushPending(); });
  sweepTimer_ = loop_.runAfter(std::chrono::seconds(1), [this] { sweep(); });
}

LoopContext::~LoopContext() { closeAll(); }

void LoopContext::adopt(int fd, std::string peer, bool loopback, AddressLimit::Slot slot) {
  auto connection = std::make_shared<Connection>(*this, fd, std::move(peer), loopback, std::move(slot));
  // Not watched (epoll out of memory or watches): dropped at once, its descriptor closed.
  if (!connection->start()) return;
  connections_.emplace(connection.get(), connection);
  liveConnections_.fetch_add(1, std::memory_order_relaxed);
}

void LoopContext::release(Connection* connection) {
  // Destroyed after the current batch: events already fetched may still name it.
  auto it = connections_.find(connection);
  if (it == connections_.end()) return;
  loop_.defer([keep = std::move(it->second)] {});
  connections_.erase(it);
  liveConnections_.fetch_sub(1, std::memory_order_relaxed);
}

void LoopContext::queueFlush(Connection* connection) {
  auto it = connections_.find(connection);
  if (it != connections_.end()) pendingFlush_.push_back(it->second);
}

void LoopContext::flushPending() {
  while (!pendingFlush_.empty()) {
    std::vector<std::shared_ptr<Connection>> batch;
    batch.swap(pendingFlush_);
    for (auto& c : batch) c->guarded([&] { c->flush(); });
  }
}

void LoopContext::sweep() {
  auto now = loop_.now();
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(connections_.size());
  for (auto& [_, c] : connections_) all.push_back(c);
  for (auto& c : all) c->guarded([&] { c->checkTimeout(now); });
  sweepTimer_ = loop_.runAfter(std::chrono::seconds(1), [this] { sweep(); });
}

void LoopContext::closeAll() {
  std::vector<std::shared_ptr<Connection>> all;
  for (auto& [_, c] : connections_) all.push_back(c);
  for (auto& c : all) c->close();
  pendingFlush_.clear();
}

void LoopContext::beginShutdown() {
  shuttingDown_ = true;
  std::vector<std::shared_ptr<Connection>> idle;
  for (auto& [_, c] : connections_)
    if (!c->busy()) idle.push_back(c);
  for (auto& c : idle) c->close();
}

const std::string& LoopContext::httpDate() {
  std::time_t t = std::time(nullptr);
  if (t != dateSecond_) {
    dateSecond_ = t;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    date_.assign(buf, n);
  }
  return date_;
}

// ---------------------------------------------------------------- Exchange

Exchange::Exchange(std::shared_ptr<Connection> connection, Request request)
    : connection_(std::move(connection)), request_(std::move(request)), start_(std::chrono::steady_clock::now()) {}

EventLoop& Exchange::loop() { return connection_->context_.loop(); }
unsigned Exchange::loopIndex() const { return connection_->context_.index(); }

bool Exchange::live() const { return !finished_ && !clientGone_ && connection_->active_.get() == this; }

void Exchange::addResponseHeader(std::string name, std::string value) {
  extraHeaders_.push_back({std::move(name), std::move(value)});
}

size_t Exchange::buffered() const { return live() ? connection_->buffered() : 0; }
bool Exchange::congested() const { return live() && connection_->aboveHighWater_; }

int Exchange::outcomeStatus() const {
  if (outcomeStatus_ != 0) return outcomeStatus_;
  if (clientGone_ || status_ == 0) return 499;
  return status_;
}

void Exchange::respondFromAnyThread(Response response) {
  loop().post([self = shared_from_this(), response = std::move(response)]() mutable {
    self->connection_->guarded([&] { self->respond(std::move(response)); });
  });
}

void Exchange::respond(Response response) {
  if (!live() || started()) return;
  if (errorRenderer_ && response.status >= 400) errorRenderer_(response);
  status_ = response.status;
  if (errorCode_.empty()) errorCode_ = std::move(response.errorCode);
  Connection& c = *connection_;
  std::string framing = "Content-Length: ";
  appendDecimal(framing, response.body.size());
  framing += "\r\n";
  if (c.context_.shuttingDown()) c.keepAlive_ = false;
  c.writeHead(response.status, response.headers, extraHeaders_, framing);
  if (!c.headMethod_) c.out_.append(response.body);
  c.finishExchange(*this);
}

void Exchange::beginStream(int status, std::vector<Header> headers) {
  if (!live() || started()) return;
  status_ = status;
  Connection& c = *connection_;
  // HTTP/1.0 has no chunked encoding: the body ends when the connection closes.
  if (c.versionMinor_ == 0) c.keepAlive_ = false;
  c.writeHead(status, headers, extraHeaders_, c.versionMinor_ == 0 ? "" : "Transfer-Encoding: chunked\r\n");
  c.queueFlush();
}

void Exchange::write(std::initializer_list<std::string_view> parts) {
  if (!live() || !started() || connection_->headMethod_) return;
  Connection& c = *connection_;
  size_t total = 0;
  for (auto p : parts) total += p.size();
  if (total == 0) return;
  bool chunked = c.versionMinor_ == 1;
  if (chunked) {
    appendHex(c.out_, total);
    c.out_.append("\r\n");
  }
  for (auto p : parts) c.out_.append(p);
  if (chunked) c.out_.append("\r\n");
  if (c.buffered() > c.context_.limits().outputHighWater) c.aboveHighWater_ = true;
  c.queueFlush();
}

void Exchange::endStream() {
  if (!live() || !started()) return;
  Connection& c = *connection_;
  if (c.versionMinor_ == 1 && !c.headMethod_) c.out_.append("0\r\n\r\n");
  c.finishExchange(*this);
}

void Exchange::notifyClientGone() {
  if (finished_ || clientGone_) return;
  clientGone_ = true;
  if (onClientGone_) {
    // Deferred: the caller may be inside an upstream callback that must not cancel itself.
    loop().defer([self = shared_from_this()] {
      if (self->onClientGone_) {
        auto cb = std::move(self->onClientGone_);
        cb();
      }
    });
  }
}

void Exchange::notifyDrained() {
  if (onDrain_ && live()) onDrain_();
}

// ---------------------------------------------------------------- Connection

Connection::Connection(LoopContext& context, int fd, std::string peer, bool loopback, AddressLimit::Slot slot)
    : context_(context),
      fd_(fd),
      peer_(std::move(peer)),
      loopback_(loopback),
      addressSlot_(std::move(slot)),
      parser_(context.limits().maxHeaderBytes, context.limits().maxBodyBytes),
      lastActivity_(context.loop().now()) {
  auto address = net::parseAddress(peer_);
  if (address) peer_ = net::formatAddress(*address);
  const auto* trusted = context.limits().trustedProxies;
  peerTrusted_ = address && trusted != nullptr && trusted->contains(*address);
}

Connection::~Connection() {
  if (!closed_) ::close(fd_);
}

bool Connection::start() { return context_.loop().add(fd_, EPOLLIN | EPOLLRDHUP, this); }

void Connection::onEvents(uint32_t events) {
  if (closed_) return;
  // HUP: both directions are gone, whether or not reads are paused.
  if (events & (EPOLLERR | EPOLLHUP)) {
    close();
    return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP)) readInput();
  if (!closed_ && (events & EPOLLOUT)) flush();
}

void Connection::readInput() {
  bool peerClosed = false;
  while (true) {
    if (in_.size() - inStart_ > kMaxPipelinedInput) {
      // Enough is queued: the rest waits in the socket until processInput() takes some.
      readPaused_ = true;
      updateInterest();
      break;
    }
    char* buffer = context_.readBuffer();
    ssize_t n = ::recv(fd_, buffer, LoopContext::kReadBufferSize, 0);
    if (n > 0) {
      in_.append(buffer, static_cast<size_t>(n));
      lastActivity_ = context_.loop().now();
      if (static_cast<size_t>(n) < LoopContext::kReadBufferSize) break;
      continue;
    }
    if (n == 0) {
      peerClosed = true;
    } else if (errno == EINTR) {
      continue;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
      peerClosed = true;
    }
    break;
  }
  if (peerClosed) {
    // A client that half-closes after its request is treated as gone: LLM responses are
    // expensive and nobody is left to read this one.
    close();
    return;
  }
  if (!active_) processInput();
}

void Connection::processInput() {
  while (!closed_ && !active_ && !closeAfterFlush_ && inStart_ < in_.size()) {
    if (!requestStarted_) {
      // Answers the client has not read yet: no further pipelined request until they drain
      // (flush() resumes), as a stream pauses its producer.
      if (buffered() > context_.limits().outputHighWater) {
        outputHeld_ = true;
        break;
      }
      requestStarted_ = true;
      requestStart_ = context_.loop().now();
    }
    auto outcome = parser_.feed(std::string_view(in_).substr(inStart_));
    inStart_ += outcome.consumed;
    if (inBody_) bodyBytes_ += outcome.consumed;
    switch (outcome.kind) {
      case RequestParser::Kind::NeedMore:
        break;
      case RequestParser::Kind::HeadReady:
        inBody_ = true;
        bodyStart_ = context_.loop().now();
        bodyBytes_ = 0;
        if (parser_.expectsContinue()) {
          out_.append("HTTP/1.1 100 Continue\r\n\r\n");
          queueFlush();
        }
        continue;
      case RequestParser::Kind::Complete:
        startExchange();
        continue;
      case RequestParser::Kind::Error: {
        keepAlive_ = false;
        auto response = errorResponse(parser_.errorStatus(), "", parser_.errorMessage());
        std::string framing = "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
        writeHead(response.status, response.headers, {}, framing);
        out_.append(response.body);
        closeAfterFlush_ = true;
        queueFlush();
        break;
      }
    }
    break;
  }
  // Compact the consumed prefix once it dominates the buffer.
  if (inStart_ == in_.size()) {
    in_.clear();
    inStart_ = 0;
  } else if (inStart_ > 64 * 1024 && inStart_ > in_.size() / 2) {
    in_.erase(0, inStart_);
    inStart_ = 0;
  }
  if (readPaused_ && !closed_ && !active_ && !outputHeld_ && !closeAfterFlush_ &&
      in_.size() - inStart_ <= kMaxPipelinedInput) {
    readPaused_ = false;
    updateInterest();
  }
}

void Connection::scheduleInput() {
  context_.loop().defer([self = shared_from_this()] { self->guarded([&] { self->processInput(); }); });
}

void Connection::timeOutRequest(std::string_view message) {
  keepAlive_ = false;
  auto response = errorResponse(408, "request_timeout", message);
  std::string framing = "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  writeHead(response.status, response.headers, {}, framing);
  out_.append(response.body);
  closeAfterFlush_ = true;
  flush();
  // The slot is not held for a client that will not read the answer either.
  close();
}

void Connection::startExchange() {
  Request& parsed = parser_.request();
  parsed.peerAddress = peer_;
  parsed.peerIsLoopback = loopback_;
  parsed.clientAddress = peerTrusted_ ? forwardedClient(parsed, peer_, *context_.limits().trustedProxies) : peer_;
  keepAlive_ = parser_.keepAlive();
  versionMinor_ = parsed.versionMinor;
  headMethod_ = parsed.method == "HEAD";
  auto exchange = std::make_shared<Exchange>(shared_from_this(), std::move(parsed));
  parser_.reset();
  requestStarted_ = false;
  inBody_ = false;
  active_ = exchange;
  context_.router().dispatch(exchange);
}

void Connection::finishExchange(Exchange& exchange) {
  exchange.finished_ = true;
  if (context_.observer()) context_.observer()(exchange);
  active_.reset();
  lastActivity_ = context_.loop().now();
  if (!keepAlive_ || context_.shuttingDown()) closeAfterFlush_ = true;
  queueFlush();
  if (readPaused_) {
    readPaused_ = false;
    updateInterest();
  }
  // Pipelined requests are served after the current callback stack unwinds.
  if (!closeAfterFlush_ && inStart_ < in_.size()) scheduleInput();
}

void Connection::writeHead(int status, const std::vector<Header>& headers, const std::vector<Header>& extra,
                           std::string_view framing) {
  out_.append(versionMinor_ == 0 ? "HTTP/1.0 " : "HTTP/1.1 ");
  appendDecimal(out_, static_cast<size_t>(status));
  out_.push_back(' ');
  out_.append(reasonPhrase(status));
  out_.append("\r\n");
  // Values come from upstreams and plugins too: a CR or LF in one would start a header (or a
  // body) of their choosing, so control bytes are dropped and unusable names skipped.
  for (const auto* list : {&headers, &extra}) {
    for (const auto& h : *list) {
      if (!isToken(h.name)) continue;
      out_.append(h.name);
      out_.append(": ");
      if (hasControlByte(h.value, /*allowTab=*/true)) {
        for (char c : h.value)
          if (!isControlByte(c, /*allowTab=*/true)) out_.push_back(c);
      } else {
        out_.append(h.value);
      }
      out_.append("\r\n");
    }
  }
  out_.append("Date: ");
  out_.append(context_.httpDate());
  out_.append("\r\n");
  out_.append(framing);
  if (!keepAlive_) {
    out_.append("Connection: close\r\n");
  } else if (versionMinor_ == 0) {
    out_.append("Connection: keep-alive\r\n");
  }
  out_.append("\r\n");
}

void Connection::queueFlush() {
  if (flushQueued_ || closed_) return;
  flushQueued_ = true;
  context_.queueFlush(this);
}

void Connection::flush() {
  flushQueued_ = false;
  if (closed_) return;
  // Output that was not waiting before starts the send timeout's clock now.
  bool progressed = !wantWrite_;
  while (outStart_ < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + outStart_, out_.size() - outStart_, MSG_NOSIGNAL);
    if (n > 0) {
      outStart_ += static_cast<size_t>(n);
      progressed = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    close();
    return;
  }
  if (outStart_ == out_.size()) {
    out_.clear();
    outStart_ = 0;
    if (closeAfterFlush_) {
      ::shutdown(fd_, SHUT_WR);
      close();
      return;
    }
  } else if (outStart_ > 256 * 1024) {
    out_.erase(0, outStart_);
    outStart_ = 0;
  }
  bool pending = outStart_ < out_.size();
  if (progressed) lastSendProgress_ = context_.loop().now();
  if (pending != wantWrite_) {
    wantWrite_ = pending;
    updateInterest();
  }
  if (aboveHighWater_ && buffered() <= context_.limits().outputHighWater / 4) {
    aboveHighWater_ = false;
    if (active_) active_->notifyDrained();
  }
  if (outputHeld_ && buffered() <= context_.limits().outputHighWater / 4) {
    outputHeld_ = false;
    scheduleInput();
  }
}

void Connection::updateInterest() {
  if (closed_) return;
  // While reads are paused a half-close must not be reported either: level-triggered, it
  // would wake the loop on every turn until reads resume (and the FIN is read in turn).
  uint32_t events = readPaused_ ? 0 : EPOLLIN | EPOLLRDHUP;
  if (wantWrite_) events |= EPOLLOUT;
  if (!context_.loop().modify(fd_, events, this)) close();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  context_.loop().remove(fd_);
  ::close(fd_);
  if (active_) {
    auto exchange = std::move(active_);
    // What the handler or observer throws must not keep the connection from being released.
    context_.loop().guard([&] {
      exchange->notifyClientGone();
      if (context_.observer() && !exchange->finished_) context_.observer()(*exchange);
    });
  }
  context_.release(this);
}

void Connection::checkTimeout(std::chrono::steady_clock::time_point now) {
  if (closed_) return;
  const auto& limits = context_.limits();
  if (wantWrite_) {
    // A client that stopped reading, mid-stream too: closing tells the exchange it is gone,
    // which cancels the upstream transfer and settles for what was delivered.
    if (now - lastSendProgress_ > limits.sendTimeout) close();
    return;
  }
  if (active_) return;
  if (inBody_) {
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - bodyStart_);
    // The average since the head ended, so a pause is made up for by a burst.
    if (elapsed > limits.bodyGrace &&
        uint64_t{bodyBytes_} * 1000 < uint64_t{limits.minBodyRate} * static_cast<uint64_t>(elapsed.count()))
      timeOutRequest("the request body arrived slower than " + std::to_string(limits.minBodyRate) + " bytes/s");
    return;
  }
  // A total deadline from the request's first byte: a byte now and then does not extend it.
  if (requestStarted_) {
    if (now - requestStart_ > limits.headerTimeout)
      timeOutRequest("the request headers did not arrive within " + std::to_string(limits.headerTimeout.count()) + " ms");
    return;
  }
  if (now - lastActivity_ > limits.idleTimeout) close();
}

}  // namespace turnpike::http
