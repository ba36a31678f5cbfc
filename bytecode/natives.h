// The stdlib natives (stdlib/functions.def) as an enum and a lookup by id. A native's id
// is the first operand of CallNative and is persisted: ids are never renumbered or reused,
// so the ids may have holes (a retired id), and nativeInfo() answers nullopt for them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace rflow::bytecode {

enum class Native : uint16_t {
#define RFLOW_STDLIB_NATIVE(name, Native, id, signature) k##Native = id,
#include "stdlib/functions.def"
};

struct NativeInfo {
  std::string_view name;  // "Join"
  uint8_t arity;          // the number of arguments CallNative pops
};

std::optional<NativeInfo> nativeInfo(uint32_t id);

}  // namespace rflow::bytecode
