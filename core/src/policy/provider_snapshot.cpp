#include "policy/provider_snapshot.hpp"

#include <algorithm>
#include <tuple>

namespace turnpike::policy {

ProviderSnapshot::ProviderSnapshot(std::vector<ProviderCandidate> candidates) : candidates_(std::move(candidates)) {
  byName_.resize(candidates_.size());
  for (uint32_t i = 0; i < byName_.size(); ++i) byName_[i] = i;
  std::sort(byName_.begin(), byName_.end(), [this](uint32_t a, uint32_t b) {
    const auto& x = candidates_[a];
    const auto& y = candidates_[b];
    return std::tie(x.provider, x.model, a) < std::tie(y.provider, y.model, b);
  });
}

const ProviderCandidate* ProviderSnapshot::find(std::string_view provider, std::string_view model) const {
  // Binary search without building a key string: this runs for every route the script returns.
  auto it = std::lower_bound(byName_.begin(), byName_.end(), std::pair(provider, model),
                             [this](uint32_t i, const std::pair<std::string_view, std::string_view>& key) {
                               const auto& c = candidates_[i];
                               return std::pair<std::string_view, std::string_view>(c.provider, c.model) < key;
                             });
  if (it == byName_.end()) return nullptr;
  const auto& c = candidates_[*it];
  return (c.provider == provider && c.model == model) ? &c : nullptr;
}

}  // namespace turnpike::policy
