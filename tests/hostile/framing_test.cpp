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

}  // namespace
}  // namespace turnpike::test
