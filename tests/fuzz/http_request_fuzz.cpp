// HTTP/1.x requests through http::RequestParser: the verdict does not depend on how the bytes
// are split, a feed never consumes more than it was given, and a complete request keeps the
// limits and the shape the rest of the server relies on.
#include <fuzzer/FuzzedDataProvider.h>

#include "http/field_syntax.hpp"
#include "parser_driver.hpp"
#include "util/strings.hpp"

namespace {

using turnpike::http::RequestParser;

// Small limits, so that inputs of a few kilobytes reach them.
constexpr size_t kMaxHeaderBytes = 512;
constexpr size_t kMaxBodyBytes = 1024;

bool hasControlOrSpace(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return true;
  return false;
}

void checkRequest(const turnpike::fuzz::ParseResult& r) {
  const auto& req = r.request;
  FUZZ_CHECK(req.body.size() <= kMaxBodyBytes);
  FUZZ_CHECK(!req.method.empty() && !hasControlOrSpace(req.method));
  FUZZ_CHECK(!req.target.empty() && req.target.find(' ') == std::string::npos);
  FUZZ_CHECK(req.path.find('\0') == std::string::npos);
  FUZZ_CHECK(req.path == "*" || (!req.path.empty() && req.path.front() == '/'));
  FUZZ_CHECK(req.versionMinor == 0 || req.versionMinor == 1);
  bool chunked = false;
  int hosts = 0;
  for (const auto& h : req.headers) {
    FUZZ_CHECK(!h.name.empty() && !hasControlOrSpace(h.name) && h.name.find(':') == std::string::npos);
    FUZZ_CHECK(h.name == turnpike::util::toLower(h.name));
    FUZZ_CHECK(!turnpike::http::hasControlByte(h.value, /*allowTab=*/true));
    FUZZ_CHECK(turnpike::util::trim(h.value) == h.value);
    if (h.name == "transfer-encoding") chunked = true;
    if (h.name == "host") ++hosts;
  }
  FUZZ_CHECK(!hasControlOrSpace(req.target));
  // HTTP/1.1: exactly one Host; HTTP/1.0: no chunked framing.
  FUZZ_CHECK(req.versionMinor == 0 ? hosts <= 1 && !chunked : hosts == 1);
  // A Content-Length body is exactly that long.
  if (auto length = req.header("content-length"); length && !chunked)
    FUZZ_CHECK(turnpike::util::parseUint(*length) == req.body.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  size_t inputSize = 0;
  auto cuts = turnpike::fuzz::takeCuts(fdp, inputSize);
  std::string input = fdp.ConsumeRemainingBytesAsString();

  auto whole = turnpike::fuzz::parseInPieces(input, {}, kMaxHeaderBytes, kMaxBodyBytes);
  auto split = turnpike::fuzz::parseInPieces(input, cuts, kMaxHeaderBytes, kMaxBodyBytes);
  turnpike::fuzz::checkSameResult(whole, split);

  if (whole.kind == RequestParser::Kind::Complete) checkRequest(whole);
  if (whole.kind == RequestParser::Kind::Error) {
    FUZZ_CHECK(whole.errorStatus >= 400 && whole.errorStatus <= 505);
    FUZZ_CHECK(!whole.keepAlive);
  }
  return 0;
}
