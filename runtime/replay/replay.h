// Replay: brings a store up to a partition log's tail by applying the commit groups the log
// holds after the store's applied_seq (store/group_codec.h, Store::applyGroup). It runs no
// VM: a group holds the writes its steps made, so applying them gives the owner's records
// exactly. The owner replays when it opens on a log, before the engine's recover(); a
// standby replays to keep up; an empty data directory replayed from a whole log ends with
// the records of the owner's (but what is local: deployments, which will come through the
// global log, and the schema marker).
//
// Invariants: entries are applied in log order, each once (applied_seq moves with each
// group's writes in one synced write, so a crash mid-replay resumes after the last one);
// genesis and claim entries carry no writes and are skipped; an entry that is not one
// group of a known format stops the replay with what is wrong and where, nothing of it
// applied; a store ahead of the log (the log lost entries: H3) or behind its first entry
// (trimmed: needs a snapshot) is refused, never silently skipped.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "cluster/partition_log.h"
#include "store/store.h"

namespace rflow::replay {

struct ReplayReport {
  cluster::Seq from = 0;     // the first sequence read: the store's applied_seq when the
                             // log still holds it (for its epoch), else the one after
  cluster::Seq tail = 0;     // the log's last sequence, now the store's applied_seq or a
                             // claim/genesis after it
  cluster::Epoch epoch = 0;  // the highest epoch seen from `from` on: a new owner claims
                             // at epoch + 1 (cluster::LogWriter(log, tail, epoch))
  // The node of the latest claim read from `from` on; empty when none was (a claim before
  // `from` is not read again: whoever replays keeps what it learnt before).
  std::string owner;
  uint64_t groups = 0;   // commit groups applied
  uint64_t skipped = 0;  // genesis and claim entries
  std::chrono::milliseconds took{0};
};

struct ReplayOptions {
  size_t read_batch = 256;  // entries per log read
  // Stop after this sequence instead of at the log's tail (`rflow cluster verify` rebuilds
  // up to the position the owner's digest was taken at). None: the tail.
  std::optional<cluster::Seq> up_to;
  // Told how long each commit group's synced apply took (bench_cluster's apply p50/p99).
  // Unset: nothing is timed.
  std::function<void(std::chrono::nanoseconds)> on_group_applied;
  // A cluster node's standby: every entry applied (or skipped: claims, genesis) is kept in
  // the store's redo copy too (redo.h, H3), a group in the same write as its apply.
  bool keep_redo = false;
};

// Applies every group after store.appliedSeq() up to the log's last entry (or
// options.up_to, when it is below that). On a problem:
// what went wrong, at which sequence, and what to do. For a log that keeps its entries
// (the JetStream log); the local log keeps none (the store is its only copy) and is opened
// at the store's applied_seq instead.
std::variant<ReplayReport, std::string> replay(cluster::PartitionLog& log, store::Store& store,
                                               const ReplayOptions& options = {});

}  // namespace rflow::replay
