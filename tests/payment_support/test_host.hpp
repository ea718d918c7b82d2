// A host for payment plugins in tests: the tp_host_api table with an in-memory durable state,
// recorded payment reports (settled ones credited once per external_id, as the gateway
// promises), captured log lines and the gateway's real HTTP client (libcurl, pinned TLS).
#pragma once

#include <turnpike/plugin_abi.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace turnpike::payment_test {

// What outlives a plugin instance: its state and the host's record of payments.
struct HostDatabase {
  std::mutex mutex;
  std::map<std::string, std::string> state;
  std::vector<nlohmann::json> reports;  // every callback_payment_received, in order
  std::set<std::string> credited;       // external ids credited (settled reports only)
};

class TestHost {
 public:
  explicit TestHost(std::shared_ptr<HostDatabase> db = std::make_shared<HostDatabase>());

  static const tp_host_api* api();
  tp_host_plugin* handle() { return reinterpret_cast<tp_host_plugin*>(this); }
  static TestHost& from(tp_host_plugin* handle) { return *reinterpret_cast<TestHost*>(handle); }

  std::shared_ptr<HostDatabase> db() const { return db_; }

  std::optional<std::string> stateGet(const std::string& key) const;
  void statePut(const std::string& key, const std::string& value);
  void stateErase(const std::string& key);
  std::vector<std::string> stateKeys(const std::string& prefix) const;

  std::vector<nlohmann::json> reports() const;
  // Settled reports only (those without "settled": false).
  std::vector<nlohmann::json> settledReports() const;
  size_t creditedCount() const;

  std::vector<std::string> logs() const;
  // True when any log line contains `text`.
  bool logged(const std::string& text) const;

  // When set, callback_payment_received fails (-1), as a database outage would.
  std::atomic<bool> failReports{false};
  std::atomic<int> httpCalls{0};

  // Called by the C table.
  void log(tp_log_level level, std::string_view message);
  int paymentReceived(std::string_view json, tp_error* error);

 private:
  std::shared_ptr<HostDatabase> db_;
  mutable std::mutex logMutex_;
  std::vector<std::string> logs_;
};

// A host-owned output buffer (tp_buffer is opaque to plugins).
inline tp_buffer* asBuffer(std::string& s) { return reinterpret_cast<tp_buffer*>(&s); }

}  // namespace turnpike::payment_test
