// The standard library as the checker sees it: which names are stdlib functions, and
// the ids of their concrete operations (stdlib/functions.def).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace rflow::check {

enum class NativeId : uint16_t {
#define RFLOW_STDLIB_NATIVE(name, Native, id, signature) k##Native = id,
#include "stdlib/functions.def"
};

// The names of language.md §5a's functions, `now` included.
std::span<const std::string_view> nativeNames();
bool isNativeName(std::string_view name);

}  // namespace rflow::check
