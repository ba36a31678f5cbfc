// Compile-time evaluation support: printing constants the way the language prints
// values (language.md §3), used by dumps and the disassembler's constant listing.
#pragma once

#include <string>

#include "check/const_value.h"

namespace rflow::check {

struct Program;

// `20.00 USD`, `1h30m`, `High`, `[1, 2]`; strings quoted unless `quote_strings` is false
// (interpolation prints them bare).
std::string formatConst(const ConstValue& value, const Program& program, bool quote_strings = true);

}  // namespace rflow::check
