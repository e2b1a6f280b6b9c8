#pragma once
// Five-field cron expressions (minute hour day-of-month month day-of-week) for scheduled jobs:
// `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, and comma lists; times are UTC.

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace df::manager {

/// A parsed cron schedule; a value type. Day-of-month and day-of-week both restricted match
/// when either matches (as cron does); day-of-week 0 and 7 are Sunday.
struct cron_schedule {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;    // 1–31
  std::bitset<13> months;  // 1–12
  std::bitset<7> weekdays; // 0 = Sunday
  bool any_day = true;     // day-of-month was `*`
  bool any_weekday = true; // day-of-week was `*`

  /// The first whole minute strictly after `after_ms` (ms since the epoch) that matches, or
  /// nullopt when none does within five years (e.g. "0 0 30 2 *").
  std::optional<std::int64_t> next_after(std::int64_t after_ms) const;
};

/// Parses `text`; on failure returns nullopt and says why in `why` ("hour: 24 is out of 0-23").
std::optional<cron_schedule> parse_cron(std::string_view text, std::string& why);

}  // namespace df::manager
