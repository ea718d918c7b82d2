// The real `turnpike` binary as a child process, for tests that must see the process from the
// outside (crashes, memory, CPU, file-descriptor limits): started with a config on a free port,
// its log collected, stopped with SIGTERM (then SIGKILL) when the object goes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace turnpike::test {

class GatewayProcess {
 public:
  struct Options {
    // RLIMIT_NOFILE for the child (0: inherited).
    unsigned maxOpenFiles = 0;
    // SQLite file (default: a fresh one, removed afterwards). "{{db}}" in the YAML names it.
    std::string databasePath;
    std::chrono::milliseconds startTimeout{15'000};
  };

  // `yaml` is a whole config; "{{db}}" and "{{plugins}}" are replaced with the database path
  // and the build's plugin directory. Use `listen: 127.0.0.1:0`: the port is read from the log.
  // Runs from the repository root (where scripts/ are). Throws when it does not start.
  explicit GatewayProcess(const std::string& yaml) : GatewayProcess(yaml, Options{}) {}
  GatewayProcess(const std::string& yaml, Options options);
  ~GatewayProcess();
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& databasePath() const { return databasePath_; }
  // Everything the process wrote to stdout and stderr so far.
  std::string log() const;
  // Waits until the log contains `text`.
  bool waitForLog(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

  // False once the process has exited (or was killed).
  bool running();
  // Resident set size in KiB (VmRSS).
  long rssKb() const;
  // Whether RSS growth says what the gateway holds: not under AddressSanitizer, whose quarantine
  // keeps freed memory resident (up to 256 MiB), so RSS bounds are asserted in plain builds only.
  static constexpr bool rssIsMeaningful() {
#if defined(__SANITIZE_ADDRESS__)
    return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return false;
#else
    return true;
#endif
#else
    return true;
#endif
  }
  // CPU time used so far (user + system), in milliseconds.
  long cpuMs() const;
  // Open file descriptors of the process.
  int openFiles() const;

  // SIGTERM, then SIGKILL after `grace`; returns the exit status (128 + signal when killed).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  void readOutput(int fd);

  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::optional<int> exitStatus_;
  std::string configPath_;
  std::string databasePath_;
  bool ownsDatabase_ = false;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::string log_;
  bool outputClosed_ = false;
  std::thread reader_;
};

// A blocking client socket with timeouts, for speaking raw (and hostile) HTTP.
class RawSocket {
 public:
  // `receiveBuffer` > 0 shrinks SO_RCVBUF before connecting (a client that reads little).
  explicit RawSocket(uint16_t port, int receiveBuffer = 0);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  // Sends everything or until the peer stops taking bytes for `timeout`; returns bytes sent.
  size_t send(std::string_view bytes, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads what arrives until the peer closes or nothing comes for `quiet`.
  std::string receive(std::chrono::milliseconds quiet = std::chrono::milliseconds(500));
  // Reads until `text` has arrived (true), the peer closed or `timeout` passed (false).
  bool receiveUntil(std::string& out, std::string_view text, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when the peer has closed the connection (a read returns end of file or an error)
  // within `timeout`; bytes that arrive meanwhile are appended to `received`, or discarded.
  bool closedByPeer(std::chrono::milliseconds timeout, std::string* received = nullptr);
  void shutdownWrite();
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// GET /health answers 200: the gateway still serves a normal request.
bool servesHealth(uint16_t port);
// servesHealth, asked every 50 ms until `within` has passed (resources coming back).
bool servesHealthWithin(uint16_t port, std::chrono::milliseconds within);

// One request over a fresh RawSocket (Connection: close, Content-Length set), and the response.
struct RawResponse {
  int status = 0;                              // 0: nothing parsable came back
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};
RawResponse rawRequest(uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = "",
                       const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace turnpike::test
