#include "check/natives.h"

#include <algorithm>
#include <array>

namespace rflow::check {

namespace {

constexpr std::array<std::string_view, 30> kNames = {
    "len",        "contains", "starts_with", "ends_with", "lower",     "upper",
    "trim",       "split",    "join",        "append",    "keys",      "values",
    "abs",        "min",      "max",         "sum",       "round",     "decimal",
    "int",        "string",   "money",       "user",      "parse_int", "parse_decimal",
    "parse_time", "days",     "hours",       "minutes",   "format",    "now"};

}  // namespace

std::span<const std::string_view> nativeNames() {
  return kNames;
}

bool isNativeName(std::string_view name) {
  const auto names = nativeNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace rflow::check
