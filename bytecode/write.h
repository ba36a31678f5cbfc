// The module writer: a Module in memory -> the bytes of a .rfc file (format in module.h,
// each section's entries in write.cpp).
//
// Deterministic: equal modules give equal bytes, so equal programs give equal content
// hashes. The writer does not verify: give it a module verifyModule() accepts, or the
// loader will refuse the file it writes.
#pragma once

#include <cstdint>
#include <vector>

#include "bytecode/module.h"

namespace rflow::bytecode {

// Serializes `module` and stores the content hash both in the bytes and in
// module.content_hash.
std::vector<uint8_t> writeModule(Module& module);

}  // namespace rflow::bytecode
