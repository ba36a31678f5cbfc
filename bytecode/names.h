// How the verifier's messages and the disassembler show a module's parts: type names
// ("list<int>", "retail.common.Store", "int?"), qualified function, workflow and op
// names, and strings clipped and escaped so that one line of a listing stays one line.
//
// Safe on modules that did not pass verifyModule(): an index out of range shows as
// "#99?", text that is not UTF-8 shows its bytes escaped, a type nested deeper than
// kMaxShownTypeDepth (or cyclic) ends in "…", and every name is clipped to
// kMaxShownBytes, so the output is bounded by the module's size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bytecode/module.h"

namespace rflow::bytecode {

inline constexpr size_t kMaxShownBytes = 160;
inline constexpr uint32_t kMaxShownTypeDepth = 32;

// The length of the UTF-8 sequence at text[at], or 0 when it is not valid UTF-8
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t utf8SequenceLength(std::string_view text, size_t at);
bool isValidUtf8(std::string_view text);

// `text` with control characters, `\` and (with `quote`) `"` escaped, and invalid UTF-8
// bytes as \xNN; clipped after `max_bytes` bytes with "…" and the full length. Quoted
// when `quote` is set.
std::string escapeText(std::string_view text, bool quote, size_t max_bytes = kMaxShownBytes);

// strings[id] escaped and clipped, or "#id?" when there is no such string.
std::string stringText(const Module& module, uint32_t id);
std::string typeName(const Module& module, TypeId type);
std::string functionName(const Module& module, FunctionId function);
std::string workflowName(const Module& module, uint32_t workflow);
// "retail.systems.wms.availability": the op's connector, a dot, the op.
std::string opName(const Module& module, uint32_t op);

// "fn", "decision", "workflow", "workflow key", … ("kind 42?" for an unknown value).
std::string functionKindName(FunctionKind kind);

}  // namespace rflow::bytecode
