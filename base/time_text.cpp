#include "base/time_text.h"

#include <array>
#include <utility>

namespace rflow::base {

namespace {

constexpr bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

constexpr bool isLeapYear(int64_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

constexpr int daysInMonth(int64_t year, int month) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && isLeapYear(year) ? 29 : kDays[static_cast<size_t>(month - 1)];
}

void appendPadded(std::string& out, uint64_t value, int width) {
  char buffer[20];
  int length = 0;
  do {
    buffer[length++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  for (int i = length; i < width; ++i)
    out += '0';
  while (length > 0)
    out += buffer[--length];
}

// Reads exactly `width` digits at text[pos] as a number, advancing pos.
bool readFixed(std::string_view text, size_t& pos, int width, int& value) {
  if (text.size() - pos < static_cast<size_t>(width)) return false;
  value = 0;
  for (int i = 0; i < width; ++i) {
    const char c = text[pos + static_cast<size_t>(i)];
    if (!isDigit(c)) return false;
    value = value * 10 + (c - '0');
  }
  pos += static_cast<size_t>(width);
  return true;
}

bool expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::string formatDuration(int64_t millis) {
  if (millis == 0) return "0s";
  std::string out;
  if (millis < 0) out += '-';
  // The magnitude in unsigned arithmetic, so that INT64_MIN has one too.
  uint64_t rest = millis < 0 ? 0 - static_cast<uint64_t>(millis) : static_cast<uint64_t>(millis);
  static constexpr std::pair<uint64_t, std::string_view> kUnits[] = {
      {kMillisPerWeek, "w"},   {kMillisPerDay, "d"},    {kMillisPerHour, "h"},
      {kMillisPerMinute, "m"}, {kMillisPerSecond, "s"}, {1, "ms"}};
  for (const auto& [size, unit] : kUnits) {
    if (rest >= size) {
      out += std::to_string(rest / size);
      out += unit;
      rest %= size;
    }
  }
  return out;
}

std::string formatTime(int64_t millis_since_epoch) {
  // Floor division: an instant before 1970 belongs to the earlier day.
  int64_t days = millis_since_epoch / kMillisPerDay;
  int64_t in_day = millis_since_epoch % kMillisPerDay;
  if (in_day < 0) {
    in_day += kMillisPerDay;
    --days;
  }
  const CivilDate date = civilFromDays(days);
  std::string out;
  out.reserve(32);
  if (date.year < 0) {
    out += '-';
    appendPadded(out, static_cast<uint64_t>(-date.year), 4);
  } else {
    if (date.year > 9999) out += '+';
    appendPadded(out, static_cast<uint64_t>(date.year), 4);
  }
  out += '-';
  appendPadded(out, static_cast<uint64_t>(date.month), 2);
  out += '-';
  appendPadded(out, static_cast<uint64_t>(date.day), 2);
  out += 'T';
  appendPadded(out, static_cast<uint64_t>(in_day / kMillisPerHour), 2);
  out += ':';
  appendPadded(out, static_cast<uint64_t>(in_day / kMillisPerMinute % 60), 2);
  out += ':';
  appendPadded(out, static_cast<uint64_t>(in_day / kMillisPerSecond % 60), 2);
  if (const int64_t millis = in_day % kMillisPerSecond; millis != 0) {
    out += '.';
    appendPadded(out, static_cast<uint64_t>(millis), 3);
  }
  out += 'Z';
  return out;
}

Result<int64_t> parseTime(std::string_view text) {
  constexpr auto kInvalid = ArithmeticError::kInvalidText;
  size_t pos = 0;
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!readFixed(text, pos, 4, year) || !expect(text, pos, '-') ||
      !readFixed(text, pos, 2, month) || !expect(text, pos, '-') || !readFixed(text, pos, 2, day)) {
    return kInvalid;
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return kInvalid;
  ++pos;
  if (!readFixed(text, pos, 2, hour) || !expect(text, pos, ':') ||
      !readFixed(text, pos, 2, minute) || !expect(text, pos, ':') ||
      !readFixed(text, pos, 2, second)) {
    return kInvalid;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return kInvalid;
  if (hour > 23 || minute > 59 || second > 59) return kInvalid;

  int64_t fraction_millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const size_t first = pos;
    int64_t scale = 100;
    while (pos < text.size() && isDigit(text[pos])) {
      fraction_millis += (text[pos] - '0') * scale;  // digits past the third add 0
      scale /= 10;
      ++pos;
    }
    if (pos == first) return kInvalid;
  }

  int64_t offset_minutes = 0;
  if (pos >= text.size()) return kInvalid;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    const int64_t sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int offset_hours = 0;
    int offset_mins = 0;
    if (!readFixed(text, pos, 2, offset_hours) || !expect(text, pos, ':') ||
        !readFixed(text, pos, 2, offset_mins) || offset_hours > 23 || offset_mins > 59) {
      return kInvalid;
    }
    offset_minutes = sign * (offset_hours * 60 + offset_mins);
  } else {
    return kInvalid;
  }
  if (pos != text.size()) return kInvalid;

  // Local time minus its offset is UTC; four-digit years keep all of this far from
  // overflow.
  return daysFromCivil(year, month, day) * kMillisPerDay + hour * kMillisPerHour +
         minute * kMillisPerMinute + second * kMillisPerSecond + fraction_millis -
         offset_minutes * kMillisPerMinute;
}

}  // namespace rflow::base
