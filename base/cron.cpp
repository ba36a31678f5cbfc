#include "base/cron.h"

#include <charconv>
#include <vector>

namespace rflow::base {

namespace {

struct FieldSpec {
  const char* name;
  int low;
  int high;
};

constexpr FieldSpec kFields[] = {{"minute", 0, 59},
                                 {"hour", 0, 23},
                                 {"day of month", 1, 31},
                                 {"month", 1, 12},
                                 {"day of week", 0, 7}};

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t at = text.find(sep, start);
    out.push_back(
        text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

std::optional<int> number(std::string_view text) {
  int value = 0;
  if (text.empty() || text.size() > 4) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Parses one field into `bits` (index = value); returns a problem or "".
std::string parseField(std::string_view text, const FieldSpec& spec, std::vector<bool>& bits,
                       bool& any) {
  bits.assign(static_cast<size_t>(spec.high) + 1, false);
  any = text == "*";
  for (std::string_view item : split(text, ',')) {
    int step = 1;
    std::string_view range = item;
    if (const size_t slash = item.find('/'); slash != std::string_view::npos) {
      const auto s = number(item.substr(slash + 1));
      if (!s || *s <= 0) return "the step in `" + std::string(item) + "` must be a positive number";
      step = *s;
      range = item.substr(0, slash);
    }
    int low = spec.low;
    int high = spec.high;
    if (range != "*") {
      const size_t dash = range.find('-');
      const auto a = number(range.substr(0, dash));
      const auto b = dash == std::string_view::npos ? a : number(range.substr(dash + 1));
      if (!a || !b) {
        return "`" + std::string(item) + "` is not a number, a range like `1-5` or `*` in the " +
               spec.name + " field";
      }
      low = *a;
      high = *b;
      if (dash == std::string_view::npos && item.find('/') != std::string_view::npos)
        high = spec.high;
    }
    if (low < spec.low || high > spec.high || low > high) {
      return "the " + std::string(spec.name) + " field allows " + std::to_string(spec.low) +
             " to " + std::to_string(spec.high) + ", not `" + std::string(item) + "`";
    }
    for (int v = low; v <= high; v += step)
      bits[static_cast<size_t>(v)] = true;
  }
  return "";
}

// The civil date of a day number (days since 1970-01-01, proleptic Gregorian).
void civilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

}  // namespace

std::string cronProblem(std::string_view text) {
  std::vector<std::string_view> fields;
  for (std::string_view f : split(text, ' ')) {
    if (!f.empty()) fields.push_back(f);
  }
  if (fields.size() != 5) {
    return "it needs five fields separated by spaces (minute hour day-of-month month day-of-week), "
           "like \"0 6 * * *\"";
  }
  for (size_t i = 0; i < 5; ++i) {
    std::vector<bool> bits;
    bool any = false;
    if (std::string problem = parseField(fields[i], kFields[i], bits, any); !problem.empty())
      return problem;
  }
  return "";
}

std::optional<CronSchedule> CronSchedule::parse(std::string_view text) {
  if (!cronProblem(text).empty()) return std::nullopt;
  std::vector<std::string_view> fields;
  for (std::string_view f : split(text, ' ')) {
    if (!f.empty()) fields.push_back(f);
  }
  CronSchedule s;
  std::vector<bool> bits;
  bool any = false;
  (void)parseField(fields[0], kFields[0], bits, any);
  for (size_t i = 0; i < 60; ++i)
    s.minutes_[i] = bits[i];
  (void)parseField(fields[1], kFields[1], bits, any);
  for (size_t i = 0; i < 24; ++i)
    s.hours_[i] = bits[i];
  (void)parseField(fields[2], kFields[2], bits, s.any_day_);
  for (size_t i = 1; i <= 31; ++i)
    s.days_[i] = bits[i];
  (void)parseField(fields[3], kFields[3], bits, any);
  for (size_t i = 1; i <= 12; ++i)
    s.months_[i] = bits[i];
  (void)parseField(fields[4], kFields[4], bits, s.any_weekday_);
  for (size_t i = 0; i <= 7; ++i) {
    if (bits[i]) s.weekdays_[i % 7] = true;
  }
  return s;
}

std::optional<int64_t> CronSchedule::nextAfter(int64_t after_millis) const {
  constexpr int64_t kMinute = 60'000;
  // Start at the next whole minute; walk days, then hours and minutes within a day.
  int64_t minute_index =
      after_millis >= 0 ? after_millis / kMinute + 1 : -((-after_millis) / kMinute);
  int64_t day = minute_index >= 0 ? minute_index / 1440 : -((-minute_index + 1439) / 1440);
  int64_t minute_of_day = minute_index - day * 1440;
  for (int64_t tries = 0; tries < 366 * 8; ++tries, ++day, minute_of_day = 0) {
    int64_t y = 0;
    unsigned m = 0;
    unsigned d = 0;
    civilFromDays(day, y, m, d);
    const auto weekday =
        static_cast<size_t>(((day % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
    if (!months_[m]) continue;
    const bool day_ok = days_[d];
    const bool weekday_ok = weekdays_[weekday];
    const bool matches = any_day_ && any_weekday_ ? true
                         : any_day_               ? weekday_ok
                         : any_weekday_           ? day_ok
                                                  : (day_ok || weekday_ok);
    if (!matches) continue;
    for (int64_t minute = minute_of_day; minute < 1440; ++minute) {
      if (hours_[static_cast<size_t>(minute / 60)] && minutes_[static_cast<size_t>(minute % 60)]) {
        return (day * 1440 + minute) * kMinute;
      }
    }
  }
  return std::nullopt;
}

}  // namespace rflow::base
