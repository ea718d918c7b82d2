#include "billing/periods.hpp"

#include <chrono>
#include <limits>

namespace turnpike::billing {

using namespace std::chrono;

namespace {
constexpr int64_t kDayMs = 86'400'000;

int64_t toMs(sys_days d) { return duration_cast<milliseconds>(d.time_since_epoch()).count(); }
}  // namespace

int64_t nowMs() { return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count(); }

int64_t periodStart(store::ResetPeriod period, int64_t now) {
  sys_days day{days{now >= 0 ? now / kDayMs : (now - kDayMs + 1) / kDayMs}};
  switch (period) {
    case store::ResetPeriod::None: return 0;
    case store::ResetPeriod::Daily: return toMs(day);
    case store::ResetPeriod::Weekly: {
      weekday wd{day};
      return toMs(day - (wd - Monday));
    }
    case store::ResetPeriod::Monthly: {
      year_month_day ymd{day};
      return toMs(sys_days{ymd.year() / ymd.month() / 1});
    }
  }
  return 0;
}

int64_t periodEnd(store::ResetPeriod period, int64_t start) {
  sys_days day{days{start / kDayMs}};
  switch (period) {
    case store::ResetPeriod::None: return std::numeric_limits<int64_t>::max();
    case store::ResetPeriod::Daily: return toMs(day + days{1});
    case store::ResetPeriod::Weekly: return toMs(day + days{7});
    case store::ResetPeriod::Monthly: {
      year_month_day ymd{day};
      return toMs(sys_days{(ymd.year() / ymd.month() / 1) + months{1}});
    }
  }
  return std::numeric_limits<int64_t>::max();
}

}  // namespace turnpike::billing
