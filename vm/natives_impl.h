// Internal to the natives: one function per native of stdlib/functions.def (declared here
// from the .def, so a native without an implementation does not link), and the helpers
// they share.
// natives.cpp holds the numeric, list, map and conversion natives and the table;
// natives_text.cpp the string ones.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vm/natives.h"

namespace rflow::vm::natives {

using Status = std::optional<NativeError>;

#define RFLOW_STDLIB_NATIVE(name, Native, id, signature) \
  Status native##Native(std::span<Value> args, Value& result);
#include "stdlib/functions.def"

// The arguments' tags do not fit the native.
Status wrongArguments(std::string_view native, std::span<const Value> args);
// A runtime error "native: message".
Status failure(std::string_view native, std::string_view message);

inline bool tagsAre(std::span<const Value> args, Tag a) {
  return args[0].tag() == a;
}
inline bool tagsAre(std::span<const Value> args, Tag a, Tag b) {
  return args[0].tag() == a && args[1].tag() == b;
}

// A string result, or an error when it is longer than kMaxStringBytes.
Status stringResult(std::string_view native, std::string text, Value& result);

}  // namespace rflow::vm::natives
