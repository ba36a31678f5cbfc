// Limits on the shape of source code. Each one is diagnosed where it is first exceeded
// (never a crash, never silent truncation) and tested in tests/golden/syntax/limits/.
#pragma once

#include <cstddef>

namespace rflow::syntax {

// How deeply expressions, blocks and types may nest, counted as the height of the
// syntax tree below a statement. Every recursive phase after parsing (checker, code
// generator, formatter) relies on this bound for its stack use.
inline constexpr size_t kMaxNestingDepth = 256;

}  // namespace rflow::syntax
