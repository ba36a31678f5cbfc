// H3 of ../shared/design/scaleout.md: a cluster node's redo copy of the partition log's
// recent entries (store kRedo, cluster/redo_codec.h), and the repair of a log that lost
// acknowledged entries from that copy.
//
// Who keeps what: the owner keeps every group it appends, in the same synced write that
// applies it (EngineOptions::keep_redo), and its claims; a standby keeps every entry it
// replays (ReplayOptions::keep_redo). Both trim what is older than the retention and more
// than kRedoKeptEntries behind their position.
//
// The repair (repairFromRedo): when the log ends at L below what this node holds (its
// applied_seq, or a later claim it kept), and its copy holds L itself and every entry
// after it, the entry at L in the log must be the one this node holds (same epoch, kind
// and bytes); then L+1, L+2 … are appended again in order, each with its own epoch at the
// sequence it had, so it gets its old Nats-Msg-Id. Another node (the standby) may repair
// at the same time with the same entries: the second append of an entry finds it there
// (Appended, a duplicate) or is fenced by it; either way the result is the same log.
// Refused, saying why, with nothing appended after the point of refusal: the copy does not
// reach back to L (the loss is larger than what was kept), or the log's entry at L (or at
// any sequence being re-appended) is another history's (a node claimed the partition
// after the loss: the design's residual risk; the partition must stay frozen and an
// operator decide).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cluster/partition_log.h"
#include "cluster/redo_codec.h"
#include "store/store.h"

namespace rflow::replay {

// Entries a node keeps behind its position whatever their age, so that the entry at the
// end of a shortened log can be checked before anything is appended after it.
inline constexpr cluster::Seq kRedoKeptEntries = 1000;

// Keeps `entry_body` (entry_codec.h) as the redo copy of the log entry at `seq`, in a
// write of its own: for claims and the genesis entry (a group is kept in the write that
// applies it, Store::applyGroup).
store::Status keepEntry(store::Store& store, cluster::Seq seq, std::string_view entry_body,
                        int64_t now_ms);

// Every redo entry from `from` on, in sequence order.
store::Result<std::vector<cluster::RedoEntry>> readRedo(const store::Store& store,
                                                        uint32_t partition, cluster::Seq from);

// Drops the entries kept before `older_than_ms` that are also more than kRedoKeptEntries
// behind `position`. How many were dropped.
store::Result<size_t> trimRedo(store::Store& store, int64_t older_than_ms,
                               cluster::Seq position);

struct RepairReport {
  cluster::Seq log_last = 0;    // where the log ended
  cluster::Seq held = 0;        // the last entry this node holds
  cluster::Seq reappended = 0;  // entries appended again (0: nothing was lost)
};

// Appends again what the log lost (above). An append whose outcome stays unknown is
// repeated until `deadline` passes, then the repair stops with what it did.
std::variant<RepairReport, std::string> repairFromRedo(cluster::PartitionLog& log,
                                                       const store::Store& store,
                                                       std::chrono::milliseconds deadline);

}  // namespace rflow::replay
