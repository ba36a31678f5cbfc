// The VM's limits, in one place. Each is enforced with a clear error: at run time a
// runtime error that fails the instance (kind "runtime", never caught by `try`), when a
// host hands in a value a refusal, and when a state is decoded a StateError. The
// defaults of the two limits a host may change live in Options (interpreter.h).
//
// Why these numbers: the call depth is the language's (language.md §4); the value depth
// equals the deepest constant a verified module may hold (bytecode::kMaxConstantDepth),
// so every constant fits, and it bounds every recursive walk over a value (equality,
// printing, encoding, destruction) to a few hundred C++ frames. The sizes are far above
// what a retail workflow keeps and far below what would hurt an engine that runs
// thousands of instances.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bytecode/module.h"

namespace rflow::vm {

// Frames on one branch's call stack, counting the frames of the branches it was forked
// from (language.md §4: "call depth above 10,000 is a runtime error").
inline constexpr uint32_t kDefaultMaxCallDepth = 10'000;

// Instructions one run() may execute before the step fails ("a loop that never ends").
// language.md says a workflow step has no budget the language defines; this is the
// engine's guard against a hung worker, far above any real step (about 3 s of work).
inline constexpr uint64_t kDefaultMaxInstructions = 1'000'000'000;

// Aggregates inside aggregates: a list of records of lists … A scalar or a string has
// depth 0, a list of ints depth 1.
inline constexpr uint32_t kMaxValueDepth = bytecode::kMaxConstantDepth;

// Bytes of one string (also a printed form, an interpolation, a join).
inline constexpr size_t kMaxStringBytes = size_t{4} << 20;

// Elements of one list, entries of one map.
inline constexpr size_t kMaxListLength = size_t{1} << 20;

// Value slots of one instance's stacks: the locals and operand stacks of every frame of
// every branch, as allocated (24 bytes each, so at most 48 MiB). A verified function
// needs at most kMaxSlots + kMaxStack of them. Counted for the whole instance so that
// neither many branches nor a small decoded state can claim memory without bound.
inline constexpr size_t kMaxStackSlots = size_t{1} << 21;

// Branches alive at once in one instance (parallel blocks, nested or in loops).
inline constexpr uint32_t kMaxBranches = 10'000;

// Bytes of one encoded state; encodeState refuses a larger one, decodeState rejects it.
inline constexpr size_t kMaxStateBytes = size_t{64} << 20;

}  // namespace rflow::vm
