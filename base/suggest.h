// "Did you mean …?" suggestions: the closest candidate by edit distance, if it is close
// enough to be a plausible typo. Here, below both, so that the compiler's diagnostics and
// the runtime's messages (rflow.toml keys, wire values, stub operations) suggest alike.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace rflow::base {

// Levenshtein distance between two ASCII-ish strings (bytes), case-sensitive.
size_t editDistance(std::string_view a, std::string_view b);

// The candidate closest to `word`, when the distance is at most a third of the word's
// length (at least 1, at most 3) and the candidate is not `word` itself. Ties go to the
// earlier candidate, so callers list more likely candidates first.
std::optional<std::string> closestMatch(std::string_view word,
                                        std::span<const std::string_view> candidates);

}  // namespace rflow::base
