// The one text normalization of classifiers: `rflow train` writes its training lines with
// it, and `rflow classify` and the runtime normalize what they predict on with it, so a
// model always sees text shaped the way it was trained on (spec intelligence.md §1).
//
// Invariants of the result: no ASCII upper-case letter; every ASCII punctuation character
// (std::ispunct in the C locale) is a token of its own; tokens are separated by exactly
// one space, with none at either end; bytes >= 0x80 (UTF-8) pass through unchanged. It is
// idempotent: normalize(normalize(x)) == normalize(x).
#pragma once

#include <string>
#include <string_view>

namespace rflow::classifier {

// "Freezer in AISLE 4 is warm,  dripping!!" -> "freezer in aisle 4 is warm , dripping ! !".
// Whitespace is the C locale's (space, \t, \n, \v, \f, \r) plus NUL, which fastText also
// splits words on: a NUL kept inside a token would split it at predict time but not here.
std::string normalize(std::string_view text);

}  // namespace rflow::classifier
