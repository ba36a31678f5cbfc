// Text for durations and times (language.md §3 "how values print", and `parse_time`).
// A duration is an int64 count of milliseconds; a time is int64 milliseconds since
// 1970-01-01T00:00:00Z (UTC, no leap seconds: Unix time).
//
// - formatDuration: the largest units first, zero units left out: "1h30m", "500ms",
//   "2d", "1w2d", "0s" for zero, a leading '-' when negative ("-1h"). Units: w d h m s ms,
//   the same letters as duration literals, so the output of a whole number of a unit is
//   a valid literal.
// - formatTime: RFC 3339 in UTC, "2026-11-27T06:00:00Z", with ".250" milliseconds only
//   when nonzero. Years outside 0000..9999 (reachable only with durations of millennia)
//   use ISO 8601's expanded form: "+10000-01-01T00:00:00Z", "-0001-12-31T00:00:00Z".
// - parseTime: RFC 3339 date-time only: "YYYY-MM-DDTHH:MM:SS", optional fraction, then
//   'Z' or an offset "+hh:mm"/"-hh:mm" (offset hours 00..23). 'T' and 'Z' may be lower
//   case (RFC 3339 §5.6); a space instead of 'T', a missing offset, a date alone or
//   out-of-range fields are errors. The fraction may have any number of digits; past
//   milliseconds they are cut off (toward the past), never rounded, because rounding
//   .9999 could move the time into the next second, day or year. A leap second (":60")
//   is an error: Unix time has no place for it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace rflow::base {

constexpr int64_t kMillisPerSecond = 1'000;
constexpr int64_t kMillisPerMinute = 60 * kMillisPerSecond;
constexpr int64_t kMillisPerHour = 60 * kMillisPerMinute;
constexpr int64_t kMillisPerDay = 24 * kMillisPerHour;
constexpr int64_t kMillisPerWeek = 7 * kMillisPerDay;

std::string formatDuration(int64_t millis);
std::string formatTime(int64_t millis_since_epoch);
// kInvalidText for anything that is not an RFC 3339 date-time.
Result<int64_t> parseTime(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12, day 1..31), and back.
constexpr int64_t daysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct CivilDate {
  int64_t year;
  int month;
  int day;
};

constexpr CivilDate civilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_index = (5 * day_of_year + 2) / 153;  // March is 0
  const int day = static_cast<int>(day_of_year - (153 * month_index + 2) / 5 + 1);
  const int month = static_cast<int>(month_index < 10 ? month_index + 3 : month_index - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

}  // namespace rflow::base
