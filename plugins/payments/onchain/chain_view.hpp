// The chain as Esplora shows it during one round of looks (a tick or one check): the tip height
// and the block hashes at heights, each asked at most once per round however many outputs need
// them. A new round starts fresh, so a reorg is seen at the next round.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "onchain/esplora_client.hpp"

namespace turnpike::payments::onchain {

class ChainView {
 public:
  explicit ChainView(const EsploraClient& esplora) : esplora_(esplora) {}

  Result<uint64_t> tipHeight() {
    if (!tip_) {
      auto tip = esplora_.tipHeight();
      if (!tip) return tip;
      tip_ = *tip;
    }
    return *tip_;
  }

  Result<std::string> blockHashAt(uint64_t height) {
    if (auto it = hashes_.find(height); it != hashes_.end()) return it->second;
    auto hash = esplora_.blockHashAt(height);
    if (hash) hashes_.emplace(height, *hash);
    return hash;
  }

 private:
  const EsploraClient& esplora_;
  std::optional<uint64_t> tip_;
  std::map<uint64_t, std::string> hashes_;
};

}  // namespace turnpike::payments::onchain
