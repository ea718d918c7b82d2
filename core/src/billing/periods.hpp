// Spending periods of keys with a usage_limit: calendar days, ISO weeks (from Monday) and
// months, in UTC.
#pragma once

#include <cstdint>

#include "store/records.hpp"

namespace turnpike::billing {

// Start (unix ms) of the period containing `nowMs`; 0 for ResetPeriod::None.
int64_t periodStart(store::ResetPeriod period, int64_t nowMs);
// End (exclusive) of the period starting at `startMs`; INT64_MAX for ResetPeriod::None.
int64_t periodEnd(store::ResetPeriod period, int64_t startMs);

int64_t nowMs();

}  // namespace turnpike::billing
