// Drives http::RequestParser as http::Connection does: bytes arrive in pieces, the unconsumed
// tail is fed again together with the next piece, and HeadReady goes straight on with the rest.
// Each feed sees a heap copy of exactly the bytes it is given, so ASan catches any read past them.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "http/request_parser.hpp"

namespace turnpike::fuzz {

struct ParseResult {
  http::RequestParser::Kind kind = http::RequestParser::Kind::NeedMore;  // NeedMore: input ran out
  size_t consumed = 0;  // bytes of the input taken by the first request (or up to the error)
  int errorStatus = 0;
  bool keepAlive = false;
  bool expectsContinue = false;
  http::Request request;
};

// Parses the first request of `input`, delivered in pieces that end at `cuts` (ascending).
inline ParseResult parseInPieces(std::string_view input, std::vector<size_t> cuts, size_t maxHeaderBytes,
                                 size_t maxBodyBytes) {
  using Kind = http::RequestParser::Kind;
  http::RequestParser parser(maxHeaderBytes, maxBodyBytes);
  cuts.push_back(input.size());
  size_t pos = 0;      // first byte not consumed
  size_t arrived = 0;  // bytes delivered so far
  for (size_t cut : cuts) {
    arrived = std::clamp(cut, arrived, input.size());
    while (true) {
      size_t window = arrived - pos;
      auto bytes = std::make_unique<char[]>(window);
      std::memcpy(bytes.get(), input.data() + pos, window);
      auto outcome = parser.feed(std::string_view(bytes.get(), window));
      FUZZ_CHECK(outcome.consumed <= window);
      // The body limit holds at every step, not only for complete requests.
      FUZZ_CHECK(parser.request().body.size() <= maxBodyBytes);
      pos += outcome.consumed;
      if (outcome.kind == Kind::HeadReady) continue;
      if (outcome.kind == Kind::NeedMore) break;
      ParseResult r;
      r.kind = outcome.kind;
      r.consumed = pos;
      r.errorStatus = parser.errorStatus();
      r.keepAlive = parser.keepAlive();
      r.expectsContinue = parser.expectsContinue();
      r.request = std::move(parser.request());
      return r;
    }
  }
  ParseResult r;
  r.consumed = pos;
  return r;
}

inline bool sameHeaders(const std::vector<http::Header>& a, const std::vector<http::Header>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const http::Header& x, const http::Header& y) { return x.name == y.name && x.value == y.value; });
}

// Whatever the pieces, the parser must reach the same verdict on the same bytes.
inline void checkSameResult(const ParseResult& a, const ParseResult& b) {
  FUZZ_CHECK(a.kind == b.kind);
  FUZZ_CHECK(a.consumed == b.consumed);
  FUZZ_CHECK(a.errorStatus == b.errorStatus);
  if (a.kind != http::RequestParser::Kind::Complete) return;
  FUZZ_CHECK(a.keepAlive == b.keepAlive);
  FUZZ_CHECK(a.expectsContinue == b.expectsContinue);
  FUZZ_CHECK(a.request.method == b.request.method);
  FUZZ_CHECK(a.request.target == b.request.target);
  FUZZ_CHECK(a.request.path == b.request.path);
  FUZZ_CHECK(a.request.query == b.request.query);
  FUZZ_CHECK(a.request.versionMinor == b.request.versionMinor);
  FUZZ_CHECK(sameHeaders(a.request.headers, b.request.headers));
  FUZZ_CHECK(a.request.body == b.request.body);
}

// Up to 8 cut positions read from the end of the fuzz input (FuzzedDataProvider takes integers
// from there), so libFuzzer explores the splits along with the bytes; the rest is the input.
inline std::vector<size_t> takeCuts(FuzzedDataProvider& fdp, size_t& inputSize) {
  std::vector<uint16_t> raw(fdp.ConsumeIntegralInRange<size_t>(0, 8));
  for (auto& r : raw) r = fdp.ConsumeIntegral<uint16_t>();
  inputSize = fdp.remaining_bytes();
  std::vector<size_t> cuts;
  for (uint16_t r : raw) cuts.push_back(r % (inputSize + 1));
  std::sort(cuts.begin(), cuts.end());
  return cuts;
}

}  // namespace turnpike::fuzz
