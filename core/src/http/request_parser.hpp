// Incremental HTTP/1.x request parser. Strict where leniency enables request smuggling
// (Content-Length with Transfer-Encoding, space before colon, folded headers, control bytes
// such as a bare CR in a field, Transfer-Encoding on HTTP/1.0, a missing or repeated Host),
// tolerant of bare LF line ends as nginx is.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/request.hpp"

namespace turnpike::http {

class RequestParser {
 public:
  enum class Kind {
    NeedMore,   // all input consumed, request incomplete
    HeadReady,  // request line and headers parsed; body (if any) follows
    Complete,   // request() holds a whole request
    Error       // errorStatus()/errorMessage() say why; the connection must close
  };
  struct Outcome {
    Kind kind;
    size_t consumed;  // bytes of the input used
  };

  RequestParser(size_t maxHeaderBytes, size_t maxBodyBytes)
      : maxHeaderBytes_(maxHeaderBytes), maxBodyBytes_(maxBodyBytes) {}

  // Consumes a prefix of `data`. Call again with the rest after HeadReady.
  Outcome feed(std::string_view data);
  void reset();

  Request& request() { return request_; }
  int errorStatus() const { return errorStatus_; }
  const std::string& errorMessage() const { return errorMessage_; }
  bool keepAlive() const { return keepAlive_; }
  bool expectsContinue() const { return expectContinue_; }
  bool hasBody() const { return chunked_ || contentLength_ > 0; }

 private:
  enum class State { Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailer, Done };

  Outcome fail(int status, std::string message, size_t consumed);
  bool parseHead(std::string_view head);

  size_t maxHeaderBytes_;
  size_t maxBodyBytes_;
  State state_ = State::Head;
  Request request_;
  size_t contentLength_ = 0;
  size_t remaining_ = 0;
  size_t trailerBytes_ = 0;  // of the trailer section so far
  bool chunked_ = false;
  bool keepAlive_ = true;
  bool expectContinue_ = false;
  int errorStatus_ = 0;
  std::string errorMessage_;
};

}  // namespace turnpike::http
