// A commit group (the store::Batch writes of its steps, in order) as ONE partition-log entry
// payload (issue 19, Design A: the log is the truth, RocksDB its projection), and back. The
// commit pipeline encodes a group once, appends it to the partition log, and applies the
// same bytes with Store::applyGroup; replay applies the log's payloads the same way, so a
// store rebuilt from the log holds exactly what the owner's store holds.
//
// PERSISTED (log entries are kept until a snapshot covers them; never change format 1):
//   u8     format           1
//   varint write count      (LEB128, at most 10 bytes)
//   per write, in the order the steps made them:
//     u8     kind           1 put, 2 remove, 3 merge (kMetrics counters, counters.h)
//     u8     column         Column's value (store.h; PERSISTED by number here), < kColumnCount
//     varint key size, key bytes
//     varint value size, value bytes (a remove: size 0)
// Nothing may follow the last write. The committed sample tests/store/samples/
// group_format_1/ must keep decoding.
//
// Invariants: decodeGroup() accepts exactly what encodeGroup() writes; anything else (a
// wrong format, an unknown kind or column, a size past the end, bytes after the last write,
// a remove with a value) is refused whole with what is wrong and where, never half-read.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"
#include "store/store.h"

namespace rflow::store {

inline constexpr uint8_t kGroupFormat = 1;

// The payload of `group`'s writes, in order.
std::string encodeGroup(std::span<const Batch* const> group);

struct GroupWrite {
  Batch::Kind kind = Batch::Kind::kPut;
  Column column = Column::kMeta;
  std::string_view key;    // into the decoded bytes
  std::string_view value;  // into the decoded bytes
};

// The writes of a payload (views into `bytes`), or why it is not a group payload.
Result<std::vector<GroupWrite>> decodeGroup(std::string_view bytes);

}  // namespace rflow::store
