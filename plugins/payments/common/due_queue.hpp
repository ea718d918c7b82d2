// A schedule kept in a payment plugin's durable state: one empty-valued key
// "<prefix><ms, 16 digits>:<id>" per entry, so that key order is time order and a tick's scan
// reads only what is due. Watchers (invoices, addresses) keep their own records; the queue says
// when to look at each one next.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <turnpike/plugin.hpp>

namespace turnpike::payments {

class DueQueue {
 public:
  struct Entry {
    int64_t atMs = 0;
    std::string id;
  };

  DueQueue(sdk::Host host, std::string prefix) : host_(host), prefix_(std::move(prefix)) {}

  void add(int64_t atMs, std::string_view id) const;
  void remove(int64_t atMs, std::string_view id) const;
  // Entries due at or before `nowMs`, earliest first, at most `limit`. When `nextAtMs` is given
  // it receives the time of the first entry not returned (INT64_MAX when there is none).
  std::vector<Entry> due(int64_t nowMs, size_t limit, int64_t* nextAtMs = nullptr) const;

  std::string key(int64_t atMs, std::string_view id) const;
  // Inverse of key(); false for a key of another shape.
  bool parse(std::string_view key, Entry& out) const;

 private:
  sdk::Host host_;
  std::string prefix_;
};

}  // namespace turnpike::payments
