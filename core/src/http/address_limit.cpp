#include "http/address_limit.hpp"

#include <algorithm>
#include <cstdint>

namespace turnpike::http {

AddressLimit::Slot& AddressLimit::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->release(key_);
    owner_ = other.owner_;
    key_ = other.key_;
    other.owner_ = nullptr;
  }
  return *this;
}

AddressLimit::Slot::~Slot() {
  if (owner_ != nullptr) owner_->release(key_);
}

net::Address AddressLimit::keyOf(const net::Address& peer) {
  // IPv4 is held as ::ffff:a.b.c.d (net::parseAddress): counted whole.
  bool v4 = std::all_of(peer.begin(), peer.begin() + 10, [](uint8_t b) { return b == 0; }) && peer[10] == 0xff &&
            peer[11] == 0xff;
  net::Address key = peer;
  if (!v4) std::fill(key.begin() + 8, key.end(), 0);
  return key;
}

size_t AddressLimit::KeyHash::operator()(const net::Address& a) const noexcept {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (uint8_t b : a) {
    h ^= b;
    h *= 1099511628211ull;
  }
  return static_cast<size_t>(h);
}

bool AddressLimit::tryAcquire(const net::Address& peer, Slot& slot) {
  if (perAddress_ == 0) return false;
  net::Address key = keyOf(peer);
  {
    std::lock_guard lock(mutex_);
    auto it = counts_.try_emplace(key, 0).first;
    if (it->second >= perAddress_) return false;
    ++it->second;
  }
  slot = Slot(this, key);
  return true;
}

void AddressLimit::release(const net::Address& key) {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(key);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
}

}  // namespace turnpike::http
