#include "store/records.hpp"

#include <algorithm>

namespace turnpike::store {

bool ApiKeyRecord::hasScope(const std::string& scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

std::string_view resetPeriodName(ResetPeriod p) {
  switch (p) {
    case ResetPeriod::None: return "none";
    case ResetPeriod::Daily: return "daily";
    case ResetPeriod::Weekly: return "weekly";
    case ResetPeriod::Monthly: return "monthly";
  }
  return "none";
}

std::optional<ResetPeriod> parseResetPeriod(std::string_view name) {
  if (name == "none" || name.empty()) return ResetPeriod::None;
  if (name == "daily") return ResetPeriod::Daily;
  if (name == "weekly") return ResetPeriod::Weekly;
  if (name == "monthly") return ResetPeriod::Monthly;
  return std::nullopt;
}

}  // namespace turnpike::store
