// Business-time arithmetic over a Calendar (calendar.h): how much open time lies between
// two instants, and the instant when a given amount of open time has passed.
//
// Times are UTC milliseconds since 1970 (base/time_text.h); durations are milliseconds of
// real time while the calendar is open. Open spans are local clock times in the
// calendar's zone, turned into instants day by day, so daylight-saving changes come from
// the time-zone database: on the spring-forward day a span 01:00-04:00 in Europe/Berlin
// holds 2 hours of open time, on the autumn day 4. A local time that does not exist
// (skipped by the clock change) is the instant of the change; one that exists twice is
// the earlier for a span's start and the later for its end (the span is as long as the
// clocks say it is open). A closed date closes its whole local day. Spans are half-open:
// at the closing instant the calendar is closed, and an amount of open time that ends
// exactly at closing time gives the closing instant (not the next opening).
//
// The walk is bounded: a computation that would look at more than kMaxDays local days
// (a calendar whose open time is closed for decades, a duration of centuries) is an
// error, never a hang.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "calendar/calendar.h"

namespace rflow::calendar {

constexpr int64_t kMaxDays = 20 * 366;  // about 20 years of local days

// A value or the reason there is none, in words for a runtime error after the native's
// name ("`StoreHours` does not have 4h of open time within 20 years after …").
template <typename T>
using Computed = std::variant<T, std::string>;

// The instant when `duration` (>= 0) of open time has passed after `from`. A duration of
// 0 gives `from` itself.
Computed<int64_t> businessAdd(int64_t from, int64_t duration, const Calendar& calendar);

// The open time between `a` and `b`; negative when `b` is before `a`.
Computed<int64_t> businessBetween(int64_t a, int64_t b, const Calendar& calendar);

// Whether the calendar is open at `t`.
Computed<bool> isOpen(int64_t t, const Calendar& calendar);

}  // namespace rflow::calendar
