#include "parse/literals.h"

#include <cctype>
#include <limits>

#include "syntax/dump.h"

namespace rflow::parse {

namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

std::optional<int64_t> unitMillis(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1'000;
  if (unit == "m") return 60'000;
  if (unit == "h") return 3'600'000;
  if (unit == "d") return 86'400'000;
  if (unit == "w") return 604'800'000;
  return std::nullopt;
}

// Words people write for units, mapped to rflow's unit letters.
std::string_view unitFor(std::string_view word) {
  std::string lower;
  for (char c : word)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::pair<std::string_view, std::string_view> kWords[] = {
      {"ms", "ms"},          {"msec", "ms"},         {"msecs", "ms"}, {"millis", "ms"},
      {"millisecond", "ms"}, {"milliseconds", "ms"}, {"sec", "s"},    {"secs", "s"},
      {"second", "s"},       {"seconds", "s"},       {"min", "m"},    {"mins", "m"},
      {"minute", "m"},       {"minutes", "m"},       {"hr", "h"},     {"hrs", "h"},
      {"hour", "h"},         {"hours", "h"},         {"day", "d"},    {"days", "d"},
      {"wk", "w"},           {"wks", "w"},           {"week", "w"},   {"weeks", "w"},
  };
  for (const auto& [w, unit] : kWords) {
    if (lower == w) return unit;
  }
  return {};
}

}  // namespace

std::string stripUnderscores(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != '_') out += c;
  }
  return out;
}

std::optional<int64_t> parseIntLiteral(std::string_view text) {
  int64_t value = 0;
  for (char c : text) {
    if (c == '_') continue;
    if (!isDigit(c)) return std::nullopt;
    const int digit = c - '0';
    if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

size_t significantDigits(std::string_view digits) {
  size_t count = 0;
  bool leading = true;
  for (char c : digits) {
    if (!isDigit(c)) continue;
    if (leading && c == '0') continue;
    leading = false;
    ++count;
  }
  return count;
}

std::optional<int64_t> parseDurationLiteral(std::string_view text) {
  size_t digits_end = 0;
  while (digits_end < text.size() && (isDigit(text[digits_end]) || text[digits_end] == '_'))
    ++digits_end;
  const auto count = parseIntLiteral(text.substr(0, digits_end));
  const auto unit = unitMillis(text.substr(digits_end));
  if (!count || !unit) return std::nullopt;
  if (*count > std::numeric_limits<int64_t>::max() / *unit) return std::nullopt;
  return *count * *unit;
}

BadNumber classifyBadNumber(std::string_view text) {
  size_t number_end = 0;
  while (number_end < text.size() &&
         (isDigit(text[number_end]) || text[number_end] == '_' || text[number_end] == '.')) {
    ++number_end;
  }
  const std::string_view number = text.substr(0, number_end);
  const std::string_view word = text.substr(number_end);
  const bool upper3 = word.size() == 3 && std::isupper(static_cast<unsigned char>(word[0])) &&
                      std::isupper(static_cast<unsigned char>(word[1])) &&
                      std::isupper(static_cast<unsigned char>(word[2]));
  if (upper3) return {BadNumber::Kind::kNeedsSpace, std::string(number) + " " + std::string(word)};

  std::string_view unit = unitMillis(word) ? word : unitFor(word);
  if (number.find('.') != std::string_view::npos) {
    // `1.5h`: say how many smaller units that is, when it is a whole number of them.
    if (unit.empty()) return {BadNumber::Kind::kFractional, ""};
    const std::string digits = stripUnderscores(number);
    const size_t dot = digits.find('.');
    const auto whole = parseIntLiteral(digits.substr(0, dot));
    const std::string fraction = digits.substr(dot + 1);
    const int64_t unit_ms = *unitMillis(unit);
    if (!whole || fraction.size() > 9) return {BadNumber::Kind::kFractional, ""};
    int64_t scale = 1;
    for (size_t i = 0; i < fraction.size(); ++i)
      scale *= 10;
    const auto frac = parseIntLiteral(fraction);
    // fraction has at most 9 digits and a unit is at most a week, so frac * unit_ms fits.
    if (!frac || *whole > std::numeric_limits<int64_t>::max() / unit_ms / 2) {
      return {BadNumber::Kind::kFractional, ""};
    }
    const int64_t fraction_ms = *frac * unit_ms;
    if (fraction_ms % scale != 0) return {BadNumber::Kind::kFractional, ""};
    const int64_t total = *whole * unit_ms + fraction_ms / scale;
    if (total <= 0) return {BadNumber::Kind::kFractional, ""};
    // Prefer one unit (`90m`) over a compound (`1h30m`): that is what a person would write.
    const int64_t millis = total;
    for (std::string_view u : {"w", "d", "h", "m", "s", "ms"}) {
      const int64_t size = *unitMillis(u);
      if (millis % size == 0)
        return {BadNumber::Kind::kFractional, std::to_string(millis / size) + std::string(u)};
    }
    return {BadNumber::Kind::kFractional, syntax::formatDuration(millis)};
  }
  if (!unit.empty())
    return {BadNumber::Kind::kUnknownSuffix, std::string(number) + std::string(unit)};
  return {BadNumber::Kind::kUnknownSuffix, ""};
}

}  // namespace rflow::parse
