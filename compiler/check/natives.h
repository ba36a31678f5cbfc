// The standard library as the checker sees it: which names are stdlib functions, and
// the ids of their concrete operations (bytecode/natives.def).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace rflow::check {

enum class NativeId : uint16_t {
#define RFLOW_NATIVE(Name, id, arity) k##Name = id,
#include "bytecode/natives.def"
#undef RFLOW_NATIVE
};

// The names of language.md §5a's functions, `now` included.
std::span<const std::string_view> nativeNames();
bool isNativeName(std::string_view name);

}  // namespace rflow::check
