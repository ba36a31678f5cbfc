// A business calendar (intelligence.md §3): when a store or an office is open, in one
// time zone, and its text form.
//
// The text form is how a Calendar value exists outside the compiler: codegen writes it as
// a string constant, the VM passes it to the natives, an instance's state keeps it. It is
// one line, readable in a disassembly:
//
//   StoreHours;Europe/Berlin;1 08:00-20:00,2 08:00-20:00,6 09:00-18:00;2026-12-24,2026-12-25
//
// name; zone (empty: UTC); open spans as `weekday start-end` with ISO weekdays 1 (Monday)
// to 7 (Sunday); closed dates. Invariants of a Calendar that decode() accepts and the
// checker builds: spans have 0 <= start < end <= 24*60 minutes (none crosses midnight:
// the checker asks for two spans instead), spans of one weekday do not overlap and are
// sorted by weekday then start, closed dates are sorted and distinct, and there is at least
// one open span.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rflow::calendar {

constexpr int kMinutesPerDay = 24 * 60;

struct OpenSpan {
  int weekday = 1;  // ISO: 1 Monday … 7 Sunday
  int start = 0;    // minutes after local midnight
  int end = 0;      // exclusive; 24:00 is 1440

  friend bool operator==(const OpenSpan&, const OpenSpan&) = default;
  friend auto operator<=>(const OpenSpan&, const OpenSpan&) = default;
};

struct Calendar {
  std::string name;
  std::string zone;  // an IANA zone name; empty for UTC
  std::vector<OpenSpan> open;
  std::vector<int64_t> closed;  // local dates, as days since 1970-01-01

  friend bool operator==(const Calendar&, const Calendar&) = default;
};

// The text form above.
std::string encode(const Calendar& calendar);
// The Calendar of a text form, or nullopt when the text is not one (a corrupt module or
// state: the natives report it as such) or breaks an invariant above.
std::optional<Calendar> decode(std::string_view text);

// "08:00", "24:00" for minutes after midnight; "2026-12-24" for days since 1970-01-01.
std::string formatClock(int minutes);
std::string formatDate(int64_t days);

}  // namespace rflow::calendar
