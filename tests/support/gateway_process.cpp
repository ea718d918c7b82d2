#include "gateway_process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gateway_fixture.hpp"
#include "test_client.hpp"

namespace turnpike::test {

namespace {

using Clock = std::chrono::steady_clock;

int remainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

std::string procField(pid_t pid, const std::string& file, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return line.substr(key.size());
  return "";
}

}  // namespace

GatewayProcess::GatewayProcess(const std::string& yaml, Options options) {
  databasePath_ = options.databasePath.empty() ? temporaryDatabasePath() : options.databasePath;
  ownsDatabase_ = options.databasePath.empty();
  configPath_ = databasePath_ + ".yaml";
  std::ofstream(configPath_) << expand(expand(yaml, "db", databasePath_), "plugins", pluginDir());

  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::string binary = TURNPIKE_TEST_BINARY;
  std::string root = sourcePath(".");
  std::vector<std::string> args{binary, "serve", "--config", configPath_};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Child: only async-signal-safe calls until exec.
    ::dup2(pipeFds[1], STDOUT_FILENO);
    ::dup2(pipeFds[1], STDERR_FILENO);
    if (options.maxOpenFiles > 0) {
      rlimit limit{options.maxOpenFiles, options.maxOpenFiles};
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    if (::chdir(root.c_str()) != 0) ::_exit(126);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(pipeFds[1]);
  reader_ = std::thread([this, fd = pipeFds[0]] { readOutput(fd); });

  std::unique_lock lock(mutex_);
  std::regex listening("listening on [^ ]+:(\\d+)");
  bool started = changed_.wait_for(lock, options.startTimeout, [&] {
    std::smatch m;
    if (std::regex_search(log_, m, listening)) port_ = static_cast<uint16_t>(std::stoi(m[1]));
    return port_ != 0 || outputClosed_;
  });
  if (!started || port_ == 0) {
    std::string output = log_;
    lock.unlock();
    stop(std::chrono::milliseconds(100));
    throw std::runtime_error("the gateway did not start:\n" + output);
  }
}

GatewayProcess::~GatewayProcess() {
  stop();
  std::filesystem::remove(configPath_);
  if (ownsDatabase_) removeDatabase(databasePath_);
}

void GatewayProcess::readOutput(int fd) {
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard lock(mutex_);
    if (n <= 0) {
      outputClosed_ = true;
      changed_.notify_all();
      break;
    }
    log_.append(buf, static_cast<size_t>(n));
    changed_.notify_all();
  }
  ::close(fd);
}

std::string GatewayProcess::log() const {
  std::lock_guard lock(mutex_);
  return log_;
}

bool GatewayProcess::waitForLog(const std::string& text, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return log_.find(text) != std::string::npos; });
}

bool GatewayProcess::running() {
  if (exitStatus_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  exitStatus_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return false;
}

long GatewayProcess::rssKb() const {
  std::string v = procField(pid_, "status", "VmRSS:");
  return v.empty() ? -1 : std::stol(v);
}

long GatewayProcess::cpuMs() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start at ") ".
  auto close = stat.rfind(") ");
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) {
      stime = std::stol(field);
      break;
    }
  }
  return (utime + stime) * 1000 / ::sysconf(_SC_CLK_TCK);
}

int GatewayProcess::openFiles() const {
  int n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

int GatewayProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ > 0 && running()) {
    ::kill(pid_, SIGTERM);
    auto deadline = Clock::now() + grace;
    while (running() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (running()) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      exitStatus_ = 128 + SIGKILL;
    }
  }
  if (reader_.joinable()) reader_.join();
  return exitStatus_.value_or(-1);
}

// ---------------------------------------------------------------- RawSocket

RawSocket::RawSocket(uint16_t port, int receiveBuffer) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  if (receiveBuffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd_);
    throw std::runtime_error(std::string("connect failed: ") + std::strerror(err));
  }
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

RawSocket::~RawSocket() {
  if (fd_ >= 0) ::close(fd_);
}

size_t RawSocket::send(std::string_view bytes, std::chrono::milliseconds timeout) {
  size_t sent = 0;
  auto deadline = Clock::now() + timeout;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      deadline = Clock::now() + timeout;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, remainingMs(deadline)) <= 0) break;
      continue;
    }
    break;  // the peer is gone
  }
  return sent;
}

std::string RawSocket::receive(std::chrono::milliseconds quiet) {
  std::string out;
  char buf[16384];
  while (true) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(quiet.count())) <= 0) break;
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

bool RawSocket::receiveUntil(std::string& out, std::string_view text, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  char buf[16384];
  while (out.find(text) == std::string::npos) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, remainingMs(deadline)) <= 0) return false;
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    out.append(buf, static_cast<size_t>(n));
  }
  return true;
}

bool RawSocket::closedByPeer(std::chrono::milliseconds timeout, std::string* received) {
  auto deadline = Clock::now() + timeout;
  char buf[65536];
  while (true) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, remainingMs(deadline)) <= 0) return false;
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return true;
    if (received != nullptr) received->append(buf, static_cast<size_t>(n));
  }
}

void RawSocket::shutdownWrite() { ::shutdown(fd_, SHUT_WR); }

bool servesHealth(uint16_t port) {
  try {
    return httpRequest(port, "GET", "/health").status == 200;
  } catch (const std::exception&) {
    return false;
  }
}

bool servesHealthWithin(uint16_t port, std::chrono::milliseconds within) {
  for (auto until = std::chrono::steady_clock::now() + within;; std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
    if (servesHealth(port)) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
  }
}

RawResponse rawRequest(uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  RawSocket socket(port);
  socket.send(request);
  std::string raw = socket.receive(std::chrono::milliseconds(5000));
  RawResponse response;
  size_t headEnd = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || headEnd == std::string::npos || raw.size() < 12) return response;
  response.status = std::atoi(raw.substr(9, 3).c_str());
  std::istringstream head(raw.substr(0, headEnd));
  std::string line;
  std::getline(head, line);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t value = line.find_first_not_of(' ', colon + 1);
    response.headers[name] = value == std::string::npos ? "" : line.substr(value);
  }
  response.body = raw.substr(headEnd + 4);
  return response;
}

}  // namespace turnpike::test
