// Ages in business time (intelligence.md §3, docs/insights.md "Business time"): a wait
// declared in a calendar (`due 4h in StoreHours`, `sleep 8h in StoreHours`, `await …
// timeout 1d in StoreHours`; bytecode format 6 keeps the calendar with the wait place)
// keeps that calendar with the wait and the task, and everything that shows or aggregates
// its age counts the calendar's open time between its start and now; an `sla d in C`
// counts C's open time for the at-risk forecast. Waits in plain time keep wall-clock ages.
//
// A calendar travels as calendar::encode's text (how `Calendar` values and the module keep
// it), so a wait keeps the calendar it was declared in even when a later deployment
// changes it. A text that does not decode (never written by the compiler) or an age
// business time cannot compute (beyond 20 years) counts as no calendar: wall-clock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bytecode/module.h"
#include "vm/request.h"

namespace rflow::calendar {
struct Calendar;
}

namespace rflow::engine {

// The calendar the wait `pending` of workflow `workflow`'s body was declared in (its wait
// place's, module.h WaitPlace::calendar), or "" for none.
std::string declaredCalendar(const bytecode::Module& module, uint32_t workflow,
                             const vm::PendingRequest& pending);

// The calendar's name from its text ("StoreHours"); "" for "".
std::string calendarName(std::string_view calendar);

// Business-time arithmetic over calendar texts, each decoded once per clock (a reader
// makes one per answer; not shared between threads).
class BusinessClock {
 public:
  BusinessClock();
  ~BusinessClock();
  BusinessClock(const BusinessClock&) = delete;
  BusinessClock& operator=(const BusinessClock&) = delete;

  // The open time of `calendar` between `a` and `b` (ms; negative when b is before a), or
  // nullopt for no calendar (see above).
  std::optional<int64_t> between(std::string_view calendar, int64_t a, int64_t b);
  // The instant when `duration` (>= 0) of open time has passed after `from`, or nullopt.
  std::optional<int64_t> add(std::string_view calendar, int64_t from, int64_t duration);

 private:
  const calendar::Calendar* find(std::string_view calendar);
  std::map<std::string, std::unique_ptr<calendar::Calendar>, std::less<>> decoded_;
};

}  // namespace rflow::engine
