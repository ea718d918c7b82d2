// Open connections per client address, shared by every loop's listener, so one host cannot
// take every slot. IPv6 peers count per /64 (what one subscriber usually gets).
#pragma once

#include <cstddef>
#include <mutex>
#include <unordered_map>

#include "net/address_ranges.hpp"

namespace turnpike::http {

class AddressLimit {
 public:
  // A held slot, given back when destroyed.
  class Slot {
   public:
    Slot() = default;
    Slot(AddressLimit* owner, const net::Address& key) : owner_(owner), key_(key) {}
    Slot(Slot&& other) noexcept : owner_(other.owner_), key_(other.key_) { other.owner_ = nullptr; }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    AddressLimit* owner_ = nullptr;
    net::Address key_{};
  };

  explicit AddressLimit(size_t perAddress) : perAddress_(perAddress) {}

  // What is counted for `peer`: the address itself, or an IPv6 address's /64.
  static net::Address keyOf(const net::Address& peer);
  // A slot for `peer`, or false when it already holds the limit.
  bool tryAcquire(const net::Address& peer, Slot& slot);

 private:
  struct KeyHash {
    size_t operator()(const net::Address& a) const noexcept;
  };
  void release(const net::Address& key);

  size_t perAddress_;
  std::mutex mutex_;
  std::unordered_map<net::Address, size_t, KeyHash> counts_;
};

}  // namespace turnpike::http
