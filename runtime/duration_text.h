// Duration text in configuration files: "5s", "500ms", "1m30s" — the language's duration
// literal units (language.md §2: ms s m h d w), optionally several of them largest first,
// as rflow prints durations (base::formatDuration: "1h30m"). So a literal from a .rflow
// file and a printed duration both parse. base/time_text.h formats durations but has no
// parser; the language's literals are parsed by the compiler's lexer, which the runtime
// does not link.
//
// Accepted: one or more groups of digits (with '_' only between two digits, as in
// literals) followed by a unit; units strictly decreasing ("1h30m", never "30m1h" or
// "1s1s"); no sign, spaces or fractions. The total must fit in int64 milliseconds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace rflow::runtime {

// Milliseconds, or why the text is not a duration (lower case, no trailing period, e.g.
// "`5x` has no unit: write ms, s, m, h, d or w after the number").
std::variant<int64_t, std::string> parseDurationText(std::string_view text);

}  // namespace rflow::runtime
