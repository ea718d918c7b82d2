#include "http/request_parser.hpp"

#include "http/field_syntax.hpp"
#include "util/strings.hpp"

namespace turnpike::http {

namespace {

// Next line of `s` from `pos` (without its CRLF/LF); advances `pos` past the terminator.
std::string_view nextLine(std::string_view s, size_t& pos) {
  size_t lf = s.find('\n', pos);
  std::string_view line = s.substr(pos, (lf == std::string_view::npos ? s.size() : lf) - pos);
  pos = lf == std::string_view::npos ? s.size() : lf + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

constexpr size_t kMaxChunkSizeLine = 1024;

// Whether the line starting `rest` (its '\n' at `lf`, or not here yet) is over `limit`. The bound
// is the same before and after the line end arrives, so the verdict does not depend on how the
// bytes were split into reads.
bool tooLong(std::string_view rest, size_t lf, size_t limit) {
  return (lf == std::string_view::npos ? rest.size() : lf) > limit;
}

bool hasToken(std::string_view list, std::string_view token) {
  for (auto part : util::split(list, ','))
    if (util::iequals(util::trim(part), token)) return true;
  return false;
}

}  // namespace

void RequestParser::reset() {
  state_ = State::Head;
  request_ = Request{};
  contentLength_ = remaining_ = trailerBytes_ = 0;
  chunked_ = false;
  keepAlive_ = true;
  expectContinue_ = false;
  errorStatus_ = 0;
  errorMessage_.clear();
}

RequestParser::Outcome RequestParser::fail(int status, std::string message, size_t consumed) {
  errorStatus_ = status;
  errorMessage_ = std::move(message);
  keepAlive_ = false;
  return {Kind::Error, consumed};
}

bool RequestParser::parseHead(std::string_view head) {
  size_t pos = 0;
  // Tolerate blank lines before the request line (RFC 9112 §2.2).
  std::string_view line;
  do {
    line = nextLine(head, pos);
  } while (line.empty() && pos < head.size());

  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) {
    fail(400, "malformed request line", 0);
    return false;
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  for (char c : method)
    if (!isTokenChar(c)) {
      fail(400, "malformed request method", 0);
      return false;
    }
  if (method.empty() || target.empty() || target.find(' ') != std::string_view::npos ||
      hasControlByte(target, /*allowTab=*/false)) {
    fail(400, "malformed request line", 0);
    return false;
  }
  if (version == "HTTP/1.1") {
    request_.versionMinor = 1;
  } else if (version == "HTTP/1.0") {
    request_.versionMinor = 0;
    keepAlive_ = false;
  } else {
    fail(505, "unsupported HTTP version", 0);
    return false;
  }
  request_.method.assign(method);
  request_.target.assign(target);
  // Absolute-form targets (proxies) are reduced to their path.
  std::string_view pathAndQuery = target;
  if (pathAndQuery.rfind("http://", 0) == 0 || pathAndQuery.rfind("https://", 0) == 0) {
    size_t slash = pathAndQuery.find('/', pathAndQuery.find("//") + 2);
    pathAndQuery = slash == std::string_view::npos ? std::string_view("/") : pathAndQuery.substr(slash);
  }
  if (pathAndQuery.front() != '/' && pathAndQuery != "*") {
    fail(400, "malformed request target", 0);
    return false;
  }
  size_t q = pathAndQuery.find('?');
  if (q != std::string_view::npos) request_.query.assign(pathAndQuery.substr(q + 1));
  request_.path = util::percentDecode(pathAndQuery.substr(0, q), /*plusIsSpace=*/false);
  if (request_.path.find('\0') != std::string::npos) {
    fail(400, "malformed request path", 0);
    return false;
  }

  bool sawContentLength = false;
  bool sawTransferEncoding = false;
  int hostHeaders = 0;
  while (pos < head.size()) {
    line = nextLine(head, pos);
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      fail(400, "folded header lines are not accepted", 0);
      return false;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      fail(400, "malformed header line", 0);
      return false;
    }
    std::string_view name = line.substr(0, colon);
    for (char c : name)
      if (!isTokenChar(c)) {
        fail(400, "malformed header name", 0);
        return false;
      }
    if (hasControlByte(line.substr(colon + 1), /*allowTab=*/true)) {
      fail(400, "invalid character in header value", 0);
      return false;
    }
    std::string_view value = util::trim(line.substr(colon + 1));
    Header h{util::toLower(name), std::string(value)};
    if (h.name == "content-length") {
      auto n = util::parseUint(value);
      if (!n || (sawContentLength && *n != contentLength_)) {
        fail(400, "invalid Content-Length", 0);
        return false;
      }
      sawContentLength = true;
      contentLength_ = *n;
    } else if (h.name == "transfer-encoding") {
      // HTTP/1.0 has no chunked coding: a 1.0 peer would frame this body differently.
      if (request_.versionMinor == 0) {
        fail(400, "Transfer-Encoding is not allowed in HTTP/1.0", 0);
        return false;
      }
      sawTransferEncoding = true;
      if (!util::iequals(value, "chunked")) {
        fail(501, "unsupported Transfer-Encoding", 0);
        return false;
      }
      chunked_ = true;
    } else if (h.name == "host") {
      ++hostHeaders;
    } else if (h.name == "connection") {
      if (hasToken(value, "close")) keepAlive_ = false;
      if (hasToken(value, "keep-alive") && request_.versionMinor == 0) keepAlive_ = true;
    } else if (h.name == "expect") {
      if (!util::iequals(value, "100-continue")) {
        fail(417, "unsupported Expect", 0);
        return false;
      }
      expectContinue_ = true;
    }
    request_.headers.push_back(std::move(h));
  }
  // RFC 9112 §3.2: HTTP/1.1 requests carry exactly one Host.
  if (hostHeaders > 1 || (hostHeaders == 0 && request_.versionMinor == 1)) {
    fail(400, hostHeaders == 0 ? "missing Host header" : "more than one Host header", 0);
    return false;
  }
  if (sawContentLength && sawTransferEncoding) {
    fail(400, "both Content-Length and Transfer-Encoding", 0);
    return false;
  }
  if (contentLength_ > maxBodyBytes_) {
    fail(413, "request body exceeds the limit of " + std::to_string(maxBodyBytes_) + " bytes", 0);
    return false;
  }
  return true;
}

RequestParser::Outcome RequestParser::feed(std::string_view data) {
  size_t used = 0;
  while (true) {
    std::string_view rest = data.substr(used);
    switch (state_) {
      case State::Head: {
        // The head ends at the first empty line: "\n\r\n" or "\n\n".
        size_t end = std::string_view::npos;
        size_t terminator = 0;
        for (size_t i = rest.find('\n'); i != std::string_view::npos; i = rest.find('\n', i + 1)) {
          if (i + 1 < rest.size() && rest[i + 1] == '\n') {
            end = i;
            terminator = 2;
            break;
          }
          if (i + 2 < rest.size() && rest[i + 1] == '\r' && rest[i + 2] == '\n') {
            end = i;
            terminator = 3;
            break;
          }
          // Leading blank lines are skipped by parseHead; a head cannot end before it starts.
          if (i > maxHeaderBytes_) break;
        }
        if (end == std::string_view::npos) {
          // A blank line starting at the limit may still be arriving: its terminator is up to
          // three bytes long, so only two more than the limit settle it, however reads split.
          if (rest.size() > maxHeaderBytes_ + 2) return fail(431, "request headers too large", used);
          return {Kind::NeedMore, used};
        }
        if (end > maxHeaderBytes_) return fail(431, "request headers too large", used);
        if (!parseHead(rest.substr(0, end + 1))) return {Kind::Error, used};
        used += end + terminator;
        if (chunked_) {
          state_ = State::ChunkSize;
        } else if (contentLength_ > 0) {
          state_ = State::Body;
          remaining_ = contentLength_;
          request_.body.reserve(contentLength_);
        } else {
          state_ = State::Done;
          return {Kind::Complete, used};
        }
        return {Kind::HeadReady, used};
      }
      case State::Body: {
        size_t take = std::min(remaining_, rest.size());
        request_.body.append(rest.substr(0, take));
        used += take;
        remaining_ -= take;
        if (remaining_ > 0) return {Kind::NeedMore, used};
        state_ = State::Done;
        return {Kind::Complete, used};
      }
      case State::ChunkSize: {
        size_t lf = rest.find('\n');
        if (tooLong(rest, lf, kMaxChunkSizeLine)) return fail(400, "malformed chunk size", used);
        if (lf == std::string_view::npos) return {Kind::NeedMore, used};
        std::string_view line = rest.substr(0, lf);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        line = line.substr(0, line.find(';'));  // chunk extensions are ignored
        size_t size = 0;
        if (line.empty()) return fail(400, "malformed chunk size", used);
        for (char c : line) {
          int d = util::hexValue(c);
          if (d < 0 || size > (SIZE_MAX >> 4)) return fail(400, "malformed chunk size", used);
          size = size * 16 + static_cast<size_t>(d);
        }
        used += lf + 1;
        if (size == 0) {
          state_ = State::Trailer;
          break;
        }
        // Subtracted, not added: body.size() + size can wrap around to a small number.
        if (size > maxBodyBytes_ - request_.body.size())
          return fail(413, "request body exceeds the limit of " + std::to_string(maxBodyBytes_) + " bytes", used);
        remaining_ = size;
        state_ = State::ChunkData;
        break;
      }
      case State::ChunkData: {
        size_t take = std::min(remaining_, rest.size());
        request_.body.append(rest.substr(0, take));
        used += take;
        remaining_ -= take;
        if (remaining_ > 0) return {Kind::NeedMore, used};
        state_ = State::ChunkDataEnd;
        break;
      }
      case State::ChunkDataEnd: {
        if (rest.empty()) return {Kind::NeedMore, used};
        if (rest[0] == '\n') {
          used += 1;
        } else if (rest[0] == '\r') {
          if (rest.size() < 2) return {Kind::NeedMore, used};
          if (rest[1] != '\n') return fail(400, "malformed chunk terminator", used);
          used += 2;
        } else {
          return fail(400, "malformed chunk terminator", used);
        }
        state_ = State::ChunkSize;
        break;
      }
      case State::Trailer: {
        // All trailer lines together share the header limit, not each line alone.
        size_t lf = rest.find('\n');
        size_t room = maxHeaderBytes_ - trailerBytes_;
        if (tooLong(rest, lf, room) || (lf != std::string_view::npos && lf + 1 > room))
          return fail(431, "request trailers too large", used);
        if (lf == std::string_view::npos) return {Kind::NeedMore, used};
        trailerBytes_ += lf + 1;
        bool blank = lf == 0 || (lf == 1 && rest[0] == '\r');
        used += lf + 1;
        if (blank) {
          state_ = State::Done;
          return {Kind::Complete, used};
        }
        break;  // trailer fields are ignored
      }
      case State::Done:
        return {Kind::Complete, used};
    }
  }
}

}  // namespace turnpike::http
