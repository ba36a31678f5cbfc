// The prelude: stdlib/prelude.rflow, embedded in the binary. The compiler adds it to
// every project as its first file, module `rflow`, whose names are visible everywhere.
#pragma once

#include <string_view>

namespace rflow::stdlib {

inline constexpr std::string_view kPreludePath = "<prelude>";

std::string_view preludeSource();

}  // namespace rflow::stdlib
