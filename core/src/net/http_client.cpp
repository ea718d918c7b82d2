#include "net/http_client.hpp"

#include <curl/curl.h>

#include <mutex>

#include "net/curl_global.hpp"
#include "net/ssrf_guard.hpp"
#include "util/strings.hpp"

namespace turnpike::net {

namespace {

class Share {
 public:
  Share() {
    ensureCurlGlobal();
    share_ = curl_share_init();
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &Share::lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &Share::unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
  CURLSH* get() { return share_; }

 private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Share*>(user)->mutexes_[data % kLocks].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Share*>(user)->mutexes_[data % kLocks].unlock();
  }
  static constexpr int kLocks = 8;
  CURLSH* share_;
  std::mutex mutexes_[kLocks];
};

Share& share() {
  static Share s;  // lives for the process: handles in any thread may use it
  return s;
}

struct ThreadHandle {
  CURL* easy = curl_easy_init();
  ~ThreadHandle() { curl_easy_cleanup(easy); }
};

struct Context {
  const HttpCall* call;
  const HttpCallSink* sink;
  bool blockedDestination = false;
  bool aborted = false;
  int status = 0;
};

curl_socket_t openSocket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* ctx = static_cast<Context*>(user);
  if (purpose == CURLSOCKTYPE_IPCXN && ctx->call->publicOnly && !isPublicAddress(&address->addr)) {
    ctx->blockedDestination = true;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype, address->protocol);
}

size_t onHeader(char* data, size_t size, size_t n, void* user) {
  auto* ctx = static_cast<Context*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    auto sp = line.find(' ');
    ctx->status = sp == std::string_view::npos ? 0 : std::atoi(std::string(line.substr(sp + 1, 3)).c_str());
    return size * n;
  }
  std::string_view trimmed = util::trim(line);
  if (trimmed.empty()) {
    if (ctx->status >= 200 && ctx->sink->onStatus && !ctx->sink->onStatus(ctx->status)) {
      ctx->aborted = true;
      return 0;
    }
    return size * n;
  }
  auto colon = trimmed.find(':');
  if (colon != std::string_view::npos && ctx->sink->onHeader &&
      !ctx->sink->onHeader(util::trim(trimmed.substr(0, colon)), util::trim(trimmed.substr(colon + 1)))) {
    ctx->aborted = true;
    return 0;
  }
  return size * n;
}

// libcurl calls this about once a second even when no byte moves.
int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* ctx = static_cast<Context*>(user);
  return ctx->call->cancel != nullptr && ctx->call->cancel->load(std::memory_order_relaxed) ? 1 : 0;
}

size_t onBody(char* data, size_t size, size_t n, void* user) {
  auto* ctx = static_cast<Context*>(user);
  if (ctx->sink->onBody && !ctx->sink->onBody(std::string_view(data, size * n))) {
    ctx->aborted = true;
    return 0;
  }
  return size * n;
}

}  // namespace

HttpCallResult performHttp(const HttpCall& call, const HttpCallSink& sink) {
  if (call.cancel != nullptr && call.cancel->load(std::memory_order_relaxed)) return {-1, kHttpCancelled};
  // Public-only calls have a handle of their own that never joins the share: libcurl 7.88 leaks
  // a connection each time one handle goes from no share to the share (with SSL sessions shared).
  thread_local ThreadHandle trusted;
  thread_local ThreadHandle isolated;
  CURL* e = call.publicOnly ? isolated.easy : trusted.easy;
  curl_easy_reset(e);
  Context ctx{&call, &sink};
  char errorBuffer[CURL_ERROR_SIZE] = {0};
  if (call.publicOnly) {
    // The open-socket hook is the guard, and only a new connection passes through it: a
    // public-only call never takes a connection from a cache (one a trusted call left open to a
    // local provider, say) nor leaves one behind, and never goes through a proxy from the
    // environment (the hook would judge the proxy's address, not the destination's).
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
  } else {
    curl_easy_setopt(e, CURLOPT_SHARE, share().get());
  }
  curl_easy_setopt(e, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errorBuffer);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(call.timeout.count()));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<int64_t>(call.timeout.count(), 10'000)));
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &onHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &ctx);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &onBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &ctx);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &openSocket);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &ctx);
  if (call.cancel != nullptr) {
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &onProgress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, &ctx);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
  }
  if (call.method == "POST") {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  } else if (call.method != "GET") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    if (!call.body.empty()) {
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, call.body.data());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
    }
  }
  curl_blob pinned{};
  if (!call.caCertPem.empty()) {
    pinned.data = const_cast<char*>(call.caCertPem.data());
    pinned.len = call.caCertPem.size();
    pinned.flags = CURL_BLOB_COPY;
    curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &pinned);
    // The pinned certificate is the trust anchor; self-signed node certificates rarely name
    // the address they are reached by.
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_slist* headers = nullptr;
  for (const auto& [n, v] : call.headers) headers = curl_slist_append(headers, (n + ": " + v).c_str());
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);

  CURLcode rc = curl_easy_perform(e);
  curl_slist_free_all(headers);
  // Detach from the share so the thread's handle never outlives a busy share lock.
  if (!call.publicOnly) curl_easy_setopt(e, CURLOPT_SHARE, nullptr);

  HttpCallResult result;
  if (ctx.blockedDestination) {
    result.error = "destination address is not allowed";
  } else if (rc == CURLE_ABORTED_BY_CALLBACK && !ctx.aborted) {
    result.error = kHttpCancelled;
  } else if (ctx.aborted) {
    result.status = ctx.status;
  } else if (rc != CURLE_OK) {
    result.error = errorBuffer[0] != '\0' ? errorBuffer : curl_easy_strerror(rc);
  } else {
    long code = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    result.status = static_cast<int>(code);
  }
  return result;
}

HttpReply fetch(const HttpCall& call, size_t maxBodyBytes) {
  HttpReply reply;
  bool tooLarge = false;
  HttpCallSink sink;
  sink.onHeader = [&](std::string_view n, std::string_view v) {
    reply.headers.emplace_back(util::toLower(n), std::string(v));
    return true;
  };
  sink.onBody = [&](std::string_view chunk) {
    if (chunk.size() > maxBodyBytes - reply.body.size()) {
      tooLarge = true;
      return false;
    }
    reply.body.append(chunk);
    return true;
  };
  auto result = performHttp(call, sink);
  reply.status = tooLarge ? -1 : result.status;
  reply.error = tooLarge ? "the response body is larger than " + std::to_string(maxBodyBytes) + " bytes" : std::move(result.error);
  if (tooLarge) reply.body.clear();
  return reply;
}

}  // namespace turnpike::net
