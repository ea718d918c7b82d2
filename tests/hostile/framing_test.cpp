// Request framing that front proxies and servers read differently: each is refused with a
// clear status and the connection closed, and the gateway goes on serving.
#include <gtest/gtest.h>

#include "gateway_process.hpp"
#include "hostile_config.hpp"

namespace turnpike::test {
namespace {

class Framing : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gateway_ = new GatewayProcess(hostileConfig()); }
  static void TearDownTestSuite() {
    delete gateway_;
    gateway_ = nullptr;
  }
  // The status line the gateway answers `bytes` with, once it has closed the connection.
  static std::string answer(const std::string& bytes) {
    RawSocket s(gateway_->port());
    s.send(bytes);
    std::string out = s.receive(std::chrono::milliseconds(2000));
    return out.substr(0, out.find("\r\n"));
  }
  static GatewayProcess* gateway_;
};
GatewayProcess* Framing::gateway_ = nullptr;

TEST_F(Framing, ContentLengthWithTransferEncodingIsRefused) {
  EXPECT_EQ(answer("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            "HTTP/1.1 400 Bad Request");
  EXPECT_TRUE(servesHealth(gateway_->port()));
}

TEST_F(Framing, ConflictingContentLengthsAreRefused) {
  EXPECT_EQ(answer("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde"),
            "HTTP/1.1 400 Bad Request");
  EXPECT_TRUE(servesHealth(gateway_->port()));
}

TEST_F(Framing, ChunkSizeOverflowCannotGrowABodyPastTheLimit) {
  // 1 + 0xFFFFFFFFFFFFFFFF wraps to 0 in a limit check that adds: the body would then take
  // whatever the peer sends.
  long rssBefore = gateway_->rssKb();
  RawSocket s(gateway_->port());
  s.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         "1\r\na\r\nFFFFFFFFFFFFFFFF\r\n");
  std::string megabyte(1024 * 1024, 'z');
  for (int i = 0; i < 64; ++i)
    if (s.send(megabyte, std::chrono::milliseconds(500)) < megabyte.size()) break;
  std::string reply = s.receive(std::chrono::milliseconds(2000));
  EXPECT_EQ(reply.substr(0, reply.find("\r\n")), "HTTP/1.1 413 Content Too Large") << reply.substr(0, 200);
  if (GatewayProcess::rssIsMeaningful()) {
    EXPECT_LT(gateway_->rssKb() - rssBefore, 32 * 1024);
  }
  EXPECT_TRUE(gateway_->running());
  EXPECT_TRUE(servesHealth(gateway_->port()));
}

TEST_F(Framing, BareCarriageReturnInAHeaderValueIsRefused) {
  EXPECT_EQ(answer("GET /health HTTP/1.1\r\nHost: x\r\nX-Note: a\rTransfer-Encoding: chunked\r\n\r\n"),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(answer("GET /health HTTP/1.1\r\nHost: x\r\nX-Note: a\x7f\r\n\r\n"), "HTTP/1.1 400 Bad Request");
  EXPECT_TRUE(servesHealth(gateway_->port()));
}

TEST_F(Framing, Http11WithoutHostIsRefused) {
  EXPECT_EQ(answer("GET /health HTTP/1.1\r\n\r\n"), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(answer("GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), "HTTP/1.1 400 Bad Request");
  // HTTP/1.0 needs none.
  EXPECT_EQ(answer("GET /health HTTP/1.0\r\n\r\n"), "HTTP/1.0 200 OK");
  EXPECT_TRUE(servesHealth(gateway_->port()));
}

TEST_F(Framing, TransferEncodingOnHttp10IsRefused) {
  EXPECT_EQ(answer("POST /v1/chat/completions HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            "HTTP/1.1 400 Bad Request");
  EXPECT_TRUE(servesHealth(gateway_->port()));
}

}  // namespace
}  // namespace turnpike::test
