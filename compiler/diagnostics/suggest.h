// "Did you mean …?" suggestions for the compiler's diagnostics: base's (base/suggest.h),
// under the diagnostics namespace the compiler's phases call them by.
#pragma once

#include "base/suggest.h"

namespace rflow::diagnostics {

using base::closestMatch;
using base::editDistance;

}  // namespace rflow::diagnostics
