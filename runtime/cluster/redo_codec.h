// A redo entry: a cluster node's own copy of one partition log entry it applied or
// appended, kept in its store's kRedo column under the entry's sequence (H3 of
// ../shared/design/scaleout.md; replay/redo.h reads, trims and re-appends them).
//
// Why: nats-server 2.9.10 acknowledges an append before it is on disk, so a power loss of
// a NATS majority can take back entries an owner already applied and released. The owner
// and the standby keep the recent entries themselves, so that such a tail can be appended
// again, exactly as it was (same epoch, same sequence, same bytes, hence the same
// Nats-Msg-Id), instead of being lost.
//
// Format 1 (PERSISTED in kRedo; a newer format is refused, never misread):
//   byte   format (1)
//   8      wall time the entry was kept, ms since the epoch, big-endian (for retention)
//   rest   the entry's body as the log stores it (entry_codec.h)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cluster/partition_log.h"

namespace rflow::cluster {

inline constexpr uint8_t kRedoFormat = 1;

std::string encodeRedo(int64_t kept_at_ms, std::string_view entry_body);
// The wall clock a redo entry is stamped with (retention only: never an ordering).
int64_t redoClockMs();

struct RedoEntry {
  int64_t kept_at_ms = 0;
  LogEntry entry;  // seq and msg_id filled from `seq` and `partition`
};

// When a redo entry was kept (its header's wall time), or nullopt when `value` is shorter
// than the header; the format byte is not checked (decodeRedo does).
std::optional<int64_t> redoKeptAt(std::string_view value);

// kCorrupt with what is wrong when `value` is not a redo entry this rflow reads.
Result<RedoEntry> decodeRedo(std::string_view value, uint32_t partition, Seq seq);

}  // namespace rflow::cluster
