// The stdlib natives of natives.def as an enum and a lookup table. A native's id is the
// first operand of CallNative and is persisted: ids are never renumbered or reused, so
// the table may have holes (a retired id), and nativeInfo() answers nullopt for them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace rflow::bytecode {

enum class Native : uint16_t {
#define RFLOW_NATIVE(Name, id, arity) k##Name = id,
#include "bytecode/natives.def"
#undef RFLOW_NATIVE
};

struct NativeInfo {
  std::string_view name;  // "Join"
  uint8_t arity;          // the number of arguments CallNative pops
};

std::optional<NativeInfo> nativeInfo(uint32_t id);

}  // namespace rflow::bytecode
