// The text form of a Calendar (calendar.h).
#include "calendar/calendar.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "base/time_text.h"

namespace rflow::calendar {

std::string formatClock(int minutes) {
  return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60);
}

std::string formatDate(int64_t days) {
  base::CivilDate d = base::civilFromDays(days);
  return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day);
}

std::string encode(const Calendar& calendar) {
  std::string out = calendar.name + ";" + calendar.zone + ";";
  for (size_t i = 0; i < calendar.open.size(); ++i) {
    const OpenSpan& s = calendar.open[i];
    if (i > 0) out += ',';
    out += fmt::format("{} {}-{}", s.weekday, formatClock(s.start), formatClock(s.end));
  }
  out += ';';
  for (size_t i = 0; i < calendar.closed.size(); ++i) {
    if (i > 0) out += ',';
    out += formatDate(calendar.closed[i]);
  }
  return out;
}

namespace {

// Splits on `sep`; an empty text gives no pieces.
std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> pieces;
  if (text.empty()) return pieces;
  size_t start = 0;
  for (;;) {
    size_t at = text.find(sep, start);
    pieces.push_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return pieces;
    start = at + 1;
  }
}

std::optional<int> number(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<int> clock(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  auto h = number(text.substr(0, 2)), m = number(text.substr(3, 2));
  if (!h || !m || *m > 59 || *h * 60 + *m > kMinutesPerDay) return std::nullopt;
  return *h * 60 + *m;
}

std::optional<int64_t> date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto y = number(text.substr(0, 4)), m = number(text.substr(5, 2)), d = number(text.substr(8, 2));
  if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > 31) return std::nullopt;
  int64_t days = base::daysFromCivil(*y, *m, *d);
  base::CivilDate back = base::civilFromDays(days);
  if (back.month != *m || back.day != *d) return std::nullopt;  // 2026-02-30
  return days;
}

}  // namespace

std::optional<Calendar> decode(std::string_view text) {
  std::vector<std::string_view> parts = split(text, ';');
  if (parts.size() != 4 || parts[0].empty()) return std::nullopt;
  Calendar c;
  c.name = std::string(parts[0]);
  c.zone = std::string(parts[1]);
  for (std::string_view s : split(parts[2], ',')) {
    // "1 08:00-20:00"
    if (s.size() != 13 || s[1] != ' ' || s[7] != '-') return std::nullopt;
    auto day = number(s.substr(0, 1));
    auto start = clock(s.substr(2, 5)), end = clock(s.substr(8, 5));
    if (!day || *day < 1 || *day > 7 || !start || !end || *start >= *end) return std::nullopt;
    OpenSpan span{*day, *start, *end};
    if (!c.open.empty()) {
      const OpenSpan& last = c.open.back();
      if (span.weekday < last.weekday || (span.weekday == last.weekday && span.start < last.end))
        return std::nullopt;
    }
    c.open.push_back(span);
  }
  if (c.open.empty()) return std::nullopt;
  for (std::string_view d : split(parts[3], ',')) {
    auto days = date(d);
    if (!days || (!c.closed.empty() && *days <= c.closed.back())) return std::nullopt;
    c.closed.push_back(*days);
  }
  return c;
}

}  // namespace rflow::calendar
