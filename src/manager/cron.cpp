#include "manager/cron.hpp"

#include "core/text_split.hpp"

#include <charconv>
#include <ctime>
#include <vector>

namespace df::manager {

namespace {

bool number(std::string_view s, int& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && end == s.data() + s.size();
}

// Sets the bits one field asks for, within [lo, hi]; false with `why` when it is malformed.
bool parse_field(std::string_view field, const char* name, int lo, int hi, std::vector<bool>& bits,
                 std::string& why) {
  const auto fail = [&](const std::string& what) {
    why = std::string(name) + ": " + what;
    return false;
  };
  if (field.empty()) return fail("empty");
  for (const auto item : split_view(field, ',')) {
    const auto parts = split_view(item, '/');
    if (parts.size() > 2) return fail("'" + std::string(item) + "' has more than one '/'");
    int step = 1;
    if (parts.size() == 2 && (!number(parts[1], step) || step < 1 || step > hi))
      return fail("'" + std::string(parts[1]) + "' is not a step of 1 to " + std::to_string(hi));
    int first = lo, last = hi;
    if (parts[0] != "*") {
      const auto range = split_view(parts[0], '-');
      if (range.size() > 2 || !number(range[0], first) || (range.size() == 2 && !number(range[1], last)))
        return fail("'" + std::string(item) + "' is not a number, a range or *");
      if (range.size() == 1) last = parts.size() == 2 ? hi : first;
      if (first < lo || last > hi || first > last)
        return fail("'" + std::string(parts[0]) + "' is out of " + std::to_string(lo) + "-" + std::to_string(hi));
    }
    for (int v = first; v <= last; v += step) bits[static_cast<std::size_t>(v)] = true;
  }
  return true;
}

template <std::size_t N>
void copy_bits(const std::vector<bool>& from, std::bitset<N>& to) {
  for (std::size_t i = 0; i < N && i < from.size(); ++i) to[i] = from[i];
}

}  // namespace

std::optional<cron_schedule> parse_cron(std::string_view text, std::string& why) {
  std::vector<std::string_view> fields;
  for (const auto f : split_view(text, ' '))
    if (!f.empty()) fields.push_back(f);
  if (fields.size() != 5) {
    why = "a cron expression has 5 fields (minute hour day-of-month month day-of-week), not " +
          std::to_string(fields.size());
    return std::nullopt;
  }
  struct spec {
    const char* name;
    int lo, hi;
  };
  const spec specs[] = {{"minute", 0, 59}, {"hour", 0, 23}, {"day-of-month", 1, 31}, {"month", 1, 12},
                        {"day-of-week", 0, 7}};
  std::vector<bool> bits[5];
  for (int i = 0; i < 5; ++i) {
    bits[i].assign(static_cast<std::size_t>(specs[i].hi) + 1, false);
    if (!parse_field(fields[static_cast<std::size_t>(i)], specs[i].name, specs[i].lo, specs[i].hi, bits[i], why))
      return std::nullopt;
  }
  cron_schedule c;
  copy_bits(bits[0], c.minutes);
  copy_bits(bits[1], c.hours);
  copy_bits(bits[2], c.days);
  copy_bits(bits[3], c.months);
  if (bits[4][7]) bits[4][0] = true;  // 7 is Sunday too
  copy_bits(bits[4], c.weekdays);
  c.any_day = fields[2] == "*";
  c.any_weekday = fields[4] == "*";
  return c;
}

std::optional<std::int64_t> cron_schedule::next_after(std::int64_t after_ms) const {
  constexpr std::int64_t minute = 60000, day = 1440 * minute;
  std::int64_t t = (after_ms / minute + 1) * minute;
  const std::int64_t limit = t + 5 * 366 * day;
  while (t < limit) {
    const std::time_t secs = static_cast<std::time_t>(t / 1000);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    const bool day_ok = any_day && any_weekday ? true
                        : any_day              ? weekdays[static_cast<std::size_t>(tm.tm_wday)]
                        : any_weekday          ? days[static_cast<std::size_t>(tm.tm_mday)]
                                      : days[static_cast<std::size_t>(tm.tm_mday)] ||
                                            weekdays[static_cast<std::size_t>(tm.tm_wday)];
    const std::int64_t into_day = (tm.tm_hour * 60 + tm.tm_min) * minute;
    if (!months[static_cast<std::size_t>(tm.tm_mon + 1)] || !day_ok) {
      t += day - into_day;  // to the next midnight
    } else if (!hours[static_cast<std::size_t>(tm.tm_hour)]) {
      t += (60 - tm.tm_min) * minute;  // to the next hour
    } else if (!minutes[static_cast<std::size_t>(tm.tm_min)]) {
      t += minute;
    } else {
      return t;
    }
  }
  return std::nullopt;
}

}  // namespace df::manager
