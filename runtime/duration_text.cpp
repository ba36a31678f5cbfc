#include "runtime/duration_text.h"

#include <fmt/format.h>

#include <array>
#include <limits>

#include "base/time_text.h"

namespace rflow::runtime {
namespace {

struct Unit {
  std::string_view name;
  int64_t millis;
};

// Largest first: a group's unit must come later in this table than the previous one's.
constexpr std::array<Unit, 6> kUnits = {{
    {"w", base::kMillisPerWeek},
    {"d", base::kMillisPerDay},
    {"h", base::kMillisPerHour},
    {"m", base::kMillisPerMinute},
    {"s", base::kMillisPerSecond},
    {"ms", 1},
}};

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

std::variant<int64_t, std::string> parseDurationText(std::string_view text) {
  const std::string quoted = fmt::format("`{}`", text);
  if (text.empty()) return std::string("an empty text is not a duration: write e.g. \"5s\"");
  int64_t total = 0;
  size_t previous_unit = 0;  // index into kUnits + 1 of the last group's unit; 0 before any
  size_t i = 0;
  while (i < text.size()) {
    if (!isDigit(text[i])) {
      if (text[i] == '-' || text[i] == '+')
        return fmt::format("{} has a sign: a duration here is never negative", quoted);
      return fmt::format(
          "{} is not a duration: expected digits and a unit, like \"5s\" or \"1m30s\"", quoted);
    }
    int64_t number = 0;
    bool overflow = false;
    while (i < text.size() && (isDigit(text[i]) || text[i] == '_')) {
      if (text[i] == '_') {
        if (i + 1 >= text.size() || !isDigit(text[i + 1]) || !isDigit(text[i - 1]))
          return fmt::format("{}: `_` may only stand between two digits", quoted);
      } else if (__builtin_mul_overflow(number, int64_t{10}, &number) ||
                 __builtin_add_overflow(number, int64_t{text[i] - '0'}, &number)) {
        overflow = true;
      }
      ++i;
    }
    const size_t unit_begin = i;
    while (i < text.size() && isLetter(text[i]))
      ++i;
    const std::string_view unit_text = text.substr(unit_begin, i - unit_begin);
    if (unit_text.empty()) {
      if (i < text.size() && text[i] == '.')
        return fmt::format(
            "{} has a fraction: write a whole number of a smaller unit, like \"1500ms\"", quoted);
      return fmt::format("{} has no unit: write ms, s, m, h, d or w after the number", quoted);
    }
    size_t unit = kUnits.size();
    for (size_t u = 0; u < kUnits.size(); ++u) {
      if (kUnits[u].name == unit_text) unit = u;
    }
    if (unit == kUnits.size())
      return fmt::format("{}: `{}` is not a unit; the units are ms, s, m, h, d and w", quoted,
                         unit_text);
    if (unit + 1 <= previous_unit)
      return fmt::format("{}: write the units largest first and each once, like \"1h30m\"", quoted);
    previous_unit = unit + 1;
    int64_t millis = 0;
    if (overflow || __builtin_mul_overflow(number, kUnits[unit].millis, &millis) ||
        __builtin_add_overflow(total, millis, &total))
      return fmt::format("{} is too long a duration", quoted);
  }
  return total;
}

}  // namespace rflow::runtime
