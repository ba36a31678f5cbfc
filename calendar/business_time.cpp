// Business-time arithmetic: walks the calendar's open spans local day by local day
// (business_time.h has the rules).
#include "calendar/business_time.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <exception>

#include "base/time_text.h"

namespace rflow::calendar {
namespace {

using Millis = std::chrono::milliseconds;

// A calendar's zone: UTC without the database, or a zone of the system's tzdata.
class Zone {
 public:
  static Computed<Zone> of(const Calendar& calendar) {
    Zone z;
    if (calendar.zone.empty() || calendar.zone == "UTC") return z;
    try {
      z.tz_ = date::locate_zone(calendar.zone);
    } catch (const std::exception& e) {
      return fmt::format("calendar `{}`: time zone `{}` is not in this system's tzdata ({})",
                         calendar.name, calendar.zone, e.what());
    }
    return z;
  }

  // The local date of instant `t`, as days since 1970-01-01.
  int64_t localDay(int64_t t) const {
    if (tz_ == nullptr) return floorDiv(t, base::kMillisPerDay);
    auto local = tz_->to_local(date::sys_time<Millis>(Millis(t)));
    return date::floor<date::days>(local).time_since_epoch().count();
  }

  // The instant of local `minutes` after the midnight of local date `day`.
  int64_t instant(int64_t day, int minutes, date::choose choose) const {
    int64_t local = day * base::kMillisPerDay + minutes * base::kMillisPerMinute;
    if (tz_ == nullptr) return local;
    return tz_->to_sys(date::local_time<Millis>(Millis(local)), choose).time_since_epoch().count();
  }

 private:
  static int64_t floorDiv(int64_t a, int64_t b) {
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
  }

  const date::time_zone* tz_ = nullptr;
};

// ISO weekday (1 Monday … 7 Sunday) of days since 1970-01-01, a Thursday.
int weekdayOf(int64_t day) {
  return static_cast<int>(((day % 7 + 7) % 7 + 3) % 7 + 1);
}

// The open intervals [start, end) of one local day, as instants; none on a closed date.
// Visits each with `f(start, end)`; stops when f returns true and reports whether it did.
template <typename F>
bool eachInterval(const Calendar& c, const Zone& zone, int64_t day, F&& f) {
  if (std::binary_search(c.closed.begin(), c.closed.end(), day)) return false;
  const int weekday = weekdayOf(day);
  for (const OpenSpan& s : c.open) {
    if (s.weekday != weekday) continue;
    int64_t start = zone.instant(day, s.start, date::choose::earliest);
    int64_t end = zone.instant(day, s.end, date::choose::latest);
    if (end > start && f(start, end)) return true;
  }
  return false;
}

}  // namespace

Computed<int64_t> businessAdd(int64_t from, int64_t duration, const Calendar& calendar) {
  if (duration < 0)
    return fmt::format("the duration {} is negative; open time only moves forward",
                       base::formatDuration(duration));
  if (duration == 0) return from;
  Computed<Zone> zone = Zone::of(calendar);
  if (auto* error = std::get_if<std::string>(&zone)) return std::move(*error);
  const Zone& z = std::get<Zone>(zone);
  const int64_t first = z.localDay(from) - 1;  // a span of the day before may still be open
  int64_t remaining = duration, result = 0;
  for (int64_t day = first; day <= first + kMaxDays; ++day) {
    bool found = eachInterval(calendar, z, day, [&](int64_t start, int64_t end) {
      if (end <= from) return false;
      start = std::max(start, from);
      if (remaining <= end - start) {
        result = start + remaining;
        return true;
      }
      remaining -= end - start;
      return false;
    });
    if (found) return result;
  }
  return fmt::format("`{}` does not have {} of open time within 20 years after {}", calendar.name,
                     base::formatDuration(duration), base::formatTime(from));
}

Computed<int64_t> businessBetween(int64_t a, int64_t b, const Calendar& calendar) {
  if (b < a) {
    Computed<int64_t> back = businessBetween(b, a, calendar);
    if (auto* d = std::get_if<int64_t>(&back)) return -*d;
    return back;
  }
  Computed<Zone> zone = Zone::of(calendar);
  if (auto* error = std::get_if<std::string>(&zone)) return std::move(*error);
  const Zone& z = std::get<Zone>(zone);
  const int64_t first = z.localDay(a) - 1, last = z.localDay(b);
  if (last - first > kMaxDays)
    return fmt::format("{} to {} is more than 20 years", base::formatTime(a), base::formatTime(b));
  int64_t total = 0;
  for (int64_t day = first; day <= last; ++day) {
    eachInterval(calendar, z, day, [&](int64_t start, int64_t end) {
      start = std::max(start, a);
      end = std::min(end, b);
      if (end > start) total += end - start;
      return false;
    });
  }
  return total;
}

Computed<bool> isOpen(int64_t t, const Calendar& calendar) {
  Computed<Zone> zone = Zone::of(calendar);
  if (auto* error = std::get_if<std::string>(&zone)) return std::move(*error);
  const Zone& z = std::get<Zone>(zone);
  const int64_t day = z.localDay(t);
  for (int64_t d = day - 1; d <= day; ++d) {
    if (eachInterval(calendar, z, d,
                     [&](int64_t start, int64_t end) { return start <= t && t < end; }))
      return true;
  }
  return false;
}

}  // namespace rflow::calendar
