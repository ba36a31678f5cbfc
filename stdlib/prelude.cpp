#include "stdlib/prelude.h"

namespace rflow::stdlib {

std::string_view preludeSource() {
  static constexpr std::string_view kText =
#include "prelude_text.inc"
      ;
  return kText;
}

}  // namespace rflow::stdlib
