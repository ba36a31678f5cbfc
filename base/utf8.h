// Writing UTF-8: one code point appended as its bytes. Shared by the compiler (string
// literals' escapes), the VM (upper and lower case) and the benches' JSON reader.
//
// Invariant: a code point that is not a Unicode scalar value (a surrogate, or past
// U+10FFFF) is the caller's to refuse; it is written by the same bit pattern regardless.
#pragma once

#include <cstdint>
#include <string>

namespace rflow::base {

void appendUtf8(std::string& out, uint32_t code_point);

}  // namespace rflow::base
