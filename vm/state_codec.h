// The state codec: the complete state of a waiting instance as a compact byte string
// and back (runtime.md §4: the engine checkpoints the continuation itself, no replay).
//
// Format, version 1 (varint/svarint and values as in value_codec.h; u16 little endian):
//
//   magic           8 bytes  "RFLOWST\0"
//   format version  u16      kStateFormatVersion; decodeState accepts
//                            [kMinStateFormatVersion, kMaxStateFormatVersion]
//   flags           u16      0 (reserved)
//   module hash     32 bytes the content hash of the module the state runs on: a state
//                            resumes only on that module version
//   next request    varint   the id the next request will get
//   next branch     varint   the id the next forked branch will get
//   branch count    varint   then the branches by increasing id, each:
//     id            varint   0 for the main line (always first)
//     parent        varint   0 for the main line, else the parent's id + 1
//     status        u8       a FiberCode
//     waiting, joining:
//       frame count varint   then each frame, outermost first: function varint, pc
//                            varint (a caller's Call, the top frame's effect or Join)
//       values               the branch's stack, bottom up: each frame's locals (not for
//                            a branch's first frame, which shares the forking frame's)
//                            and operands; how many follows from the frames and the
//                            code, so no count is written
//       handler count varint then each try handler: frame, handler pc, operand depth
//     waiting:
//       request id  varint
//       effect args          the values the effect popped, as many as it pops
//     raised:
//       kind, message        strings (varint length, UTF-8)
//       function, pc varint  where the error was raised
//   (nothing follows)
//
// A branch's parent is joining, and its forks are exactly the branches whose parent it
// is, in id order (Fork order); ended and raised branches wait there for their siblings.
//
// Persisted enums: ValueCode (value_codec.h) and FiberCode below. Explicit values,
// never renumbered or reused; a retired value stays as a comment.
//
// Decoding is safe on any bytes: it never reads outside the span, every count is checked
// against the bytes left before anything is allocated for it, recursion is bounded by
// kMaxValueDepth, and the whole state by kMaxStateBytes. A state it accepts is checked
// against the module: the hash; functions, pcs at reachable instruction starts, a
// caller's Call naming the next frame's function, a top frame at an effect (waiting) or a
// Join (joining); the number of values each frame holds (from the stack depths the
// verifier computes); locals against their declared types; every value well formed
// (value_check.h); handlers at handler code with their depth; each waiting effect's
// request rebuilt as at run time; the call depth within Options. A state it accepts
// re-encodes to exactly the same bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "vm/interpreter.h"

namespace rflow::vm {

inline constexpr uint16_t kStateFormatVersion = 1;
inline constexpr uint16_t kMinStateFormatVersion = 1;
inline constexpr uint16_t kMaxStateFormatVersion = 1;
inline constexpr std::array<uint8_t, 8> kStateMagic = {'R', 'F', 'L', 'O', 'W', 'S', 'T', 0};
inline constexpr size_t kStateHeaderBytes = 8 + 2 + 2 + 32;

// A branch's status in the format. 0 is reserved (a branch that is ready to run is never
// written: only a waiting instance is encoded).
enum class FiberCode : uint8_t {
  kWaiting = 1,
  kJoining = 2,
  kEnded = 3,
  kRaised = 4,
};

struct StateError {
  size_t offset = 0;    // of the byte where the problem was found
  std::string message;  // "the state belongs to another version of the module"
};

// The bytes of `instance`, which must be waiting: run() returned Waiting and no resume()
// came after it. On a problem (not waiting, larger than kMaxStateBytes): why.
std::variant<std::vector<uint8_t>, std::string> encodeState(const Instance& instance);

// The instance `bytes` hold, on `program` (which must be the module version the state
// names), with `options` as its limits.
std::variant<Instance, StateError> decodeState(std::shared_ptr<const Program> program,
                                               std::span<const uint8_t> bytes,
                                               Options options = {});

// The module hash a state's header names (to find the program to decode it with), or
// nullopt when `bytes` does not start with a state header of a known version.
std::optional<std::array<uint8_t, 32>> stateModuleHash(std::span<const uint8_t> bytes);

}  // namespace rflow::vm
