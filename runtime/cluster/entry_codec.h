// The persisted body of a log entry (the payload of a message in stream RF_P<nn>). Stored
// in NATS for as long as the entry is not trimmed and read back by any later version of
// rflow, so the format is versioned and old versions keep decoding
// (tests/cluster/samples/).
//
// Format 1, all integers unsigned LEB128 varints:
//   byte   format (1)
//   byte   kind (EntryKind: 1 genesis, 2 records, 3 claim)
//   varint epoch
//   genesis: nothing more
//   records: varint count, then per record: varint length, bytes
//   claim:   varint length, node name bytes
// Nothing may follow. The epoch is also in the message's Rflow-Epoch header (for people
// and tools reading the stream); a reader refuses an entry where the two disagree.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "cluster/partition_log.h"

namespace rflow::cluster {

inline constexpr uint8_t kEntryFormat = 1;

std::string encodeRecords(Epoch epoch, std::span<const std::string_view> records);
std::string encodeClaim(const Claim& claim);
std::string encodeGenesis();

// Fills entry.kind, epoch, records / node from `body` (seq and msg_id are the caller's).
// kCorrupt with what is wrong when the body is not a well-formed entry.
Status decodeEntry(std::string_view body, LogEntry& entry);

}  // namespace rflow::cluster
