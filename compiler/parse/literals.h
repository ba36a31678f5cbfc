// Decoding literal tokens (language.md §2) into syntax tree values, with the
// diagnostics for literals that lex but make no sense (`3days`, `10 USDX`, an int past
// 64 bits). Pure text in, values out; no ANTLR.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rflow::parse {

// Digits with `_` separators removed: "1_000.00" -> "1000.00".
std::string stripUnderscores(std::string_view text);

// A 64-bit int literal; nullopt when it does not fit.
std::optional<int64_t> parseIntLiteral(std::string_view text);

// Significant digits of a canonical decimal ("0.0750" has 3: leading zeros do not count,
// trailing ones do because they are written).
size_t significantDigits(std::string_view digits);

// `500ms`, `4h`: the length in milliseconds; nullopt on overflow.
std::optional<int64_t> parseDurationLiteral(std::string_view text);

// How a mistaken number-with-word token should be explained.
struct BadNumber {
  enum class Kind {
    kNeedsSpace,     // `10USD` -> `10 USD`
    kFractional,     // `1.5h` -> `90m` (replacement empty when not a whole number of ms)
    kUnknownSuffix,  // `3days` -> `3d` (replacement empty when there is no obvious unit)
  };
  Kind kind;
  std::string replacement;
};
BadNumber classifyBadNumber(std::string_view text);

}  // namespace rflow::parse
