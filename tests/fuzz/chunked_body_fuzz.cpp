// Chunked request bodies through http::RequestParser, in random splits. Two modes:
//  - raw: any bytes after a chunked head; the body never passes the limit and the verdict does
//    not depend on the splits;
//  - encoded: chunks built from the input, in every spelling the grammar allows (hex case,
//    leading zeros, extensions, LF or CRLF, trailers); they decode to exactly the data, or 413
//    when it is larger than the limit.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <string>

#include "parser_driver.hpp"

namespace {

using turnpike::http::RequestParser;
using turnpike::fuzz::ParseResult;

constexpr size_t kMaxHeaderBytes = 512;
constexpr size_t kMaxBodyBytes = 1024;
constexpr std::string_view kHead = "POST /v1/chat/completions HTTP/1.1\r\nHost: fuzz\r\nTransfer-Encoding: chunked\r\n\r\n";

std::string hex(size_t n, bool upper, size_t leadingZeros) {
  static constexpr char kLower[] = "0123456789abcdef";
  static constexpr char kUpper[] = "0123456789ABCDEF";
  std::string digits;
  do {
    digits.insert(digits.begin(), (upper ? kUpper : kLower)[n % 16]);
    n /= 16;
  } while (n > 0);
  return std::string(leadingZeros, '0') + digits;
}

struct Encoded {
  std::string wire;
  std::string body;
};

Encoded encodeChunks(FuzzedDataProvider& fdp) {
  Encoded e;
  e.wire = std::string(kHead);
  auto lineEnd = [&] { return fdp.ConsumeBool() ? "\r\n" : "\n"; };
  auto sizeLine = [&](size_t n) {
    e.wire += hex(n, fdp.ConsumeBool(), fdp.ConsumeIntegralInRange<size_t>(0, 3));
    if (fdp.ConsumeBool()) {
      std::string ext = fdp.ConsumeRandomLengthString(8);
      std::replace_if(ext.begin(), ext.end(), [](char c) { return c == '\r' || c == '\n'; }, 'x');
      e.wire += ";" + ext;
    }
    e.wire += lineEnd();
  };
  size_t chunks = fdp.ConsumeIntegralInRange<size_t>(0, 16);
  for (size_t i = 0; i < chunks && fdp.remaining_bytes() > 0; ++i) {
    std::string data = fdp.ConsumeBytesAsString(fdp.ConsumeIntegralInRange<size_t>(1, 300));
    if (data.empty()) break;
    sizeLine(data.size());
    e.wire += data;
    e.wire += lineEnd();
    e.body += data;
  }
  sizeLine(0);
  for (size_t t = fdp.ConsumeIntegralInRange<size_t>(0, 2); t > 0; --t) e.wire += "X-Trailer: t" + std::string(lineEnd());
  e.wire += lineEnd();
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  bool encoded = fdp.ConsumeBool();
  size_t ignored = 0;
  auto cuts = turnpike::fuzz::takeCuts(fdp, ignored);

  Encoded e;
  if (encoded) {
    e = encodeChunks(fdp);
  } else {
    e.wire = std::string(kHead) + fdp.ConsumeRemainingBytesAsString();
  }
  for (auto& c : cuts) c = c % (e.wire.size() + 1);
  std::sort(cuts.begin(), cuts.end());

  ParseResult whole = turnpike::fuzz::parseInPieces(e.wire, {}, kMaxHeaderBytes, kMaxBodyBytes);
  ParseResult split = turnpike::fuzz::parseInPieces(e.wire, cuts, kMaxHeaderBytes, kMaxBodyBytes);
  turnpike::fuzz::checkSameResult(whole, split);
  if (whole.kind == RequestParser::Kind::Complete) FUZZ_CHECK(whole.request.body.size() <= kMaxBodyBytes);

  if (encoded) {
    if (e.body.size() > kMaxBodyBytes) {
      FUZZ_CHECK(whole.kind == RequestParser::Kind::Error && whole.errorStatus == 413);
    } else {
      FUZZ_CHECK(whole.kind == RequestParser::Kind::Complete);
      FUZZ_CHECK(whole.consumed == e.wire.size());
      FUZZ_CHECK(whole.request.body == e.body);
    }
  }
  return 0;
}
