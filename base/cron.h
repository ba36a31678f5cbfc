// Cron schedules for `on schedule "…"` triggers: the classic five fields
// (minute hour day-of-month month day-of-week), evaluated in UTC.
//
// Each field is `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list
// of those. Day of week 0 and 7 are both Sunday. As in Vixie cron, when both the day of
// month and the day of week are restricted, a day matches if either does.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rflow::base {

class CronSchedule {
 public:
  // The schedule, or nullopt when `text` is not one (cronProblem says why).
  static std::optional<CronSchedule> parse(std::string_view text);

  // The first instant strictly after `after_millis` (UTC milliseconds since the epoch)
  // that the schedule fires at; nullopt if none within the next eight years (e.g.
  // "0 0 31 2 *", February 31st).
  std::optional<int64_t> nextAfter(int64_t after_millis) const;

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0..6, Sunday = 0
  bool any_day_ = true;
  bool any_weekday_ = true;
};

// What is wrong with `text` as a cron schedule, in plain words; empty if nothing.
std::string cronProblem(std::string_view text);

}  // namespace rflow::base
