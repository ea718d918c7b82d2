#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <vector>

#include "http/request_parser.hpp"

namespace turnpike::http {
namespace {

using Kind = RequestParser::Kind;

// Feeds everything; returns the final outcome kind and total bytes consumed.
std::pair<Kind, size_t> parseAll(RequestParser& p, std::string_view data) {
  size_t used = 0;
  while (true) {
    auto o = p.feed(data.substr(used));
    used += o.consumed;
    if (o.kind != Kind::HeadReady) return {o.kind, used};
  }
}

TEST(RequestParser, ParsesGetWithHeaders) {
  RequestParser p(8192, 1024);
  auto [kind, used] = parseAll(p, "GET /v1/models?limit=2&x=a%20b HTTP/1.1\r\nHost: h\r\nX-Thing:  v  \r\n\r\n");
  ASSERT_EQ(kind, Kind::Complete);
  EXPECT_EQ(p.request().method, "GET");
  EXPECT_EQ(p.request().path, "/v1/models");
  EXPECT_EQ(p.request().query, "limit=2&x=a%20b");
  EXPECT_EQ(p.request().queryParam("x"), "a b");
  EXPECT_EQ(p.request().header("x-thing"), "v");
  EXPECT_TRUE(p.keepAlive());
}

TEST(RequestParser, PostBodyByContentLengthAndPipelining) {
  RequestParser p(8192, 1024);
  std::string two = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  auto [kind, used] = parseAll(p, two);
  ASSERT_EQ(kind, Kind::Complete);
  EXPECT_EQ(p.request().body, "hello");
  p.reset();
  auto [kind2, used2] = parseAll(p, std::string_view(two).substr(used));
  ASSERT_EQ(kind2, Kind::Complete);
  EXPECT_EQ(p.request().path, "/b");
  EXPECT_EQ(used + used2, two.size());
}

TEST(RequestParser, ByteByByteFeeding) {
  std::string req = "POST /x HTTP/1.1\nHost: h\nContent-Length: 3\n\nabc";
  RequestParser p(8192, 1024);
  std::string buffer;
  Kind last = Kind::NeedMore;
  for (char c : req) {
    buffer.push_back(c);
    auto [kind, used] = parseAll(p, buffer);
    buffer.erase(0, used);
    last = kind;
    if (kind == Kind::Complete || kind == Kind::Error) break;
  }
  ASSERT_EQ(last, Kind::Complete);
  EXPECT_EQ(p.request().body, "abc");
}

TEST(RequestParser, ChunkedBody) {
  RequestParser p(8192, 1024);
  auto [kind, used] =
      parseAll(p, "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nT: x\r\n\r\n");
  ASSERT_EQ(kind, Kind::Complete);
  EXPECT_EQ(p.request().body, "Wikipedia");
}

TEST(RequestParser, RejectsSmugglingShapes) {
  RequestParser a(8192, 1024);
  EXPECT_EQ(parseAll(a, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").first, Kind::Error);
  EXPECT_EQ(a.errorStatus(), 400);
  RequestParser b(8192, 1024);
  EXPECT_EQ(parseAll(b, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length : 3\r\n\r\nabc").first, Kind::Error);
  RequestParser c(8192, 1024);
  EXPECT_EQ(parseAll(c, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n").first, Kind::Error);
  RequestParser d(8192, 1024);
  EXPECT_EQ(parseAll(d, "GET / HTTP/1.1\r\nHost: h\r\nA: b\r\n folded\r\n\r\n").first, Kind::Error);
  RequestParser e(8192, 1024);
  EXPECT_EQ(parseAll(e, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n").first, Kind::Error);
  EXPECT_EQ(e.errorStatus(), 501);
  RequestParser f(8192, 1024);
  EXPECT_EQ(parseAll(f, "GET / HTTP/2.0\r\n\r\n").first, Kind::Error);
  EXPECT_EQ(f.errorStatus(), 505);
}

TEST(RequestParser, RefusesControlBytesInHeaderValuesAndTarget) {
  for (std::string value : {std::string("a\rb"), std::string("a\x01"), std::string("\x7f"), std::string("a\r"),
                            std::string(1, '\0')}) {
    RequestParser p(8192, 1024);
    EXPECT_EQ(parseAll(p, "GET / HTTP/1.1\r\nHost: h\r\nX-Value: " + value + "\r\n\r\n").first, Kind::Error) << value;
    EXPECT_EQ(p.errorStatus(), 400);
  }
  RequestParser target(8192, 1024);
  EXPECT_EQ(parseAll(target, "GET /a\x01/b HTTP/1.1\r\nHost: h\r\n\r\n").first, Kind::Error);
  EXPECT_EQ(target.errorStatus(), 400);
  // A tab and bytes above 0x7f (obs-text) are allowed.
  RequestParser ok(8192, 1024);
  ASSERT_EQ(parseAll(ok, "GET / HTTP/1.1\r\nHost: h\r\nX-Value: a\tb\xc3\xa9\r\n\r\n").first, Kind::Complete);
  EXPECT_EQ(ok.request().header("x-value"), "a\tb\xc3\xa9");
}

TEST(RequestParser, RefusesTransferEncodingOnHttp10) {
  RequestParser p(8192, 1024);
  EXPECT_EQ(parseAll(p, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").first, Kind::Error);
  EXPECT_EQ(p.errorStatus(), 400);
}

TEST(RequestParser, Http11NeedsExactlyOneHost) {
  RequestParser missing(8192, 1024);
  EXPECT_EQ(parseAll(missing, "GET / HTTP/1.1\r\n\r\n").first, Kind::Error);
  EXPECT_EQ(missing.errorStatus(), 400);
  EXPECT_EQ(missing.errorMessage(), "missing Host header");
  RequestParser twice(8192, 1024);
  EXPECT_EQ(parseAll(twice, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").first, Kind::Error);
  EXPECT_EQ(twice.errorStatus(), 400);
  RequestParser http10(8192, 1024);
  EXPECT_EQ(parseAll(http10, "GET / HTTP/1.0\r\n\r\n").first, Kind::Complete);
}

TEST(RequestParser, LimitsGiveTheRightStatus) {
  RequestParser big(8192, 10);
  EXPECT_EQ(parseAll(big, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n").first, Kind::Error);
  EXPECT_EQ(big.errorStatus(), 413);
  RequestParser chunks(8192, 10);
  EXPECT_EQ(parseAll(chunks, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n").first, Kind::Error);
  EXPECT_EQ(chunks.errorStatus(), 413);
  RequestParser headers(64, 10);
  EXPECT_EQ(parseAll(headers, "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(100, 'a') + "\r\n\r\n").first, Kind::Error);
  EXPECT_EQ(headers.errorStatus(), 431);
  RequestParser unterminated(64, 10);
  EXPECT_EQ(parseAll(unterminated, "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(100, 'a')).first, Kind::Error);
  EXPECT_EQ(unterminated.errorStatus(), 431);
}

// Delivers `data` in two reads split at `cut`, as a connection does; the final outcome.
std::pair<Kind, int> parseSplit(std::string_view data, size_t cut, size_t maxHeader) {
  RequestParser p(maxHeader, 1024);
  std::string buffer(data.substr(0, cut));
  for (std::string_view next : {data.substr(cut), std::string_view()}) {
    auto [kind, used] = parseAll(p, buffer);
    if (kind != Kind::NeedMore) return {kind, p.errorStatus()};
    buffer.erase(0, used);
    buffer.append(next);
  }
  return {Kind::NeedMore, 0};
}

// A head whose blank line starts right at the limit is accepted however its bytes arrive: a
// read ending inside the terminator once made it 431 (found by tests/fuzz/http_request).
TEST(RequestParser, HeadLimitVerdictDoesNotDependOnTheSplit) {
  constexpr size_t kMax = 64;
  for (size_t endAt : {kMax - 1, kMax, kMax + 1}) {
    for (std::string_view terminator : {"\n\r\n", "\n\n"}) {
      std::string head = "GET / HTTP/1.1\nHost: h\nX: ";
      head.append(endAt - head.size(), 'a');
      std::string request = head + std::string(terminator);
      auto whole = parseSplit(request, request.size(), kMax);
      EXPECT_EQ(whole.first, endAt <= kMax ? Kind::Complete : Kind::Error) << endAt;
      for (size_t cut = 0; cut <= request.size(); ++cut)
        EXPECT_EQ(parseSplit(request, cut, kMax), whole) << "blank line at " << endAt << ", split at " << cut;
    }
  }
}

TEST(RequestParser, ChunkSizeNearSizeMaxCannotWrapPastTheBodyLimit) {
  // 1 + 0xFFFFFFFFFFFFFFFF wraps to 0 when the limit check adds instead of subtracting.
  RequestParser p(8192, 1024);
  auto [kind, used] = parseAll(p, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "1\r\na\r\nFFFFFFFFFFFFFFFF\r\n" + std::string(2048, 'b'));
  EXPECT_EQ(kind, Kind::Error);
  EXPECT_EQ(p.errorStatus(), 413);
  EXPECT_LE(p.request().body.size(), 1024u);
  // Exactly at the limit is still accepted.
  RequestParser q(8192, 4);
  EXPECT_EQ(parseAll(q, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n3\r\nbcd\r\n0\r\n\r\n").first,
            Kind::Complete);
  EXPECT_EQ(q.request().body, "abcd");
}

TEST(RequestParser, TrailerLinesShareTheHeaderLimit) {
  std::string request = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  for (int i = 0; i < 100; ++i) request += "T" + std::to_string(i) + ": " + std::string(20, 'x') + "\r\n";
  request += "\r\n";
  RequestParser p(256, 1024);
  EXPECT_EQ(parseAll(p, request).first, Kind::Error);
  EXPECT_EQ(p.errorStatus(), 431);
  RequestParser roomy(8192, 1024);
  EXPECT_EQ(parseAll(roomy, request).first, Kind::Complete);
}

// Random chunked framing (honest sizes, sizes near 2^64, stray bytes, any split): the body
// never exceeds the limit and the parser never consumes more than it was given.
TEST(RequestParser, RandomChunkFramingStaysWithinLimits) {
  std::mt19937_64 random(20240610);
  const std::vector<std::string> hugeSizes{"FFFFFFFFFFFFFFFF", "FFFFFFFFFFFFFFFe", "10000000000000000", "7fffffffffffffff",
                                           "FFFFFFFF"};
  const std::vector<std::string> noise{"\r\n", "\n", "\r", ";ext=1", " ", "\t", "T: v\r\n", "0\r\n", "zz"};
  constexpr size_t kMaxBody = 512;
  for (int round = 0; round < 3000; ++round) {
    std::string input = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    size_t chunks = 1 + random() % 8;
    for (size_t i = 0; i < chunks; ++i) {
      size_t length = random() % 300;
      char hex[32];
      std::snprintf(hex, sizeof hex, "%zx", length);
      input += random() % 3 == 0 ? hugeSizes[random() % hugeSizes.size()] : std::string(hex);
      if (random() % 4 == 0) input += ";ext=" + std::to_string(random() % 1000);
      input += random() % 2 == 0 ? "\r\n" : "\n";
      input += std::string(length, static_cast<char>('a' + random() % 26));
      input += random() % 8 == 0 ? noise[random() % noise.size()] : "\r\n";
    }
    if (random() % 2 == 0) input += "0\r\n\r\n";
    RequestParser p(256, kMaxBody);
    std::string buffer;
    size_t offset = 0;
    Kind kind = Kind::NeedMore;
    while (offset < input.size() && (kind == Kind::NeedMore || kind == Kind::HeadReady)) {
      size_t step = 1 + random() % 64;
      buffer.append(input, offset, step);
      offset += step;
      do {
        auto o = p.feed(buffer);
        ASSERT_LE(o.consumed, buffer.size());
        buffer.erase(0, o.consumed);
        ASSERT_LE(p.request().body.size(), kMaxBody) << input;
        kind = o.kind;
      } while (kind == Kind::HeadReady);
    }
  }
}

TEST(RequestParser, ConnectionSemantics) {
  RequestParser a(8192, 10);
  parseAll(a, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_FALSE(a.keepAlive());
  RequestParser b(8192, 10);
  parseAll(b, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_TRUE(b.keepAlive());
  RequestParser c(8192, 10);
  parseAll(c, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  EXPECT_FALSE(c.keepAlive());
  RequestParser d(8192, 10);
  auto o = d.feed("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(o.kind, Kind::HeadReady);
  EXPECT_TRUE(d.expectsContinue());
}

TEST(RequestParser, DecodesPathAndRejectsNul) {
  RequestParser a(8192, 10);
  parseAll(a, "GET /v1/models/org%2Fmodel+x HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(a.request().path, "/v1/models/org/model+x");
  RequestParser b(8192, 10);
  EXPECT_EQ(parseAll(b, "GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n").first, Kind::Error);
  RequestParser c(8192, 10);
  parseAll(c, "GET http://example.org/v1/x?y=1 HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(c.request().path, "/v1/x");
  EXPECT_EQ(c.request().query, "y=1");
}

}  // namespace
}  // namespace turnpike::http
