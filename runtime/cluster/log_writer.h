// The owner's side of a partition log: the tail it knows, the epoch it writes at, and the
// rules of the protocol (partition_log.h), so that the engine's commit pipeline cannot get
// them wrong. A group of step batches goes in as one append(); after Appended{seq} the
// pipeline writes the batches with applied_seq = seq to RocksDB (synced), then releases
// the steps' effects; after Unknown it repeats the group with retryPending() and writes
// nothing else; after Fenced or Regressed the writer refuses everything (the partition
// stops at once: no timers, no new calls) until the caller builds a new one.
//
// Invariants: tail() is the last sequence this owner knows to be in the log (its own
// appends included); at most one append is pending, and while it is, append() refuses a
// different one; once stopped() the writer does no I/O again.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cluster/partition_log.h"

namespace rflow::cluster {

class LogWriter {
 public:
  // An owner (or a candidate) that has read the log up to `tail`, where the latest epoch
  // is `epoch`.
  LogWriter(PartitionLog& log, Seq tail, Epoch epoch) : log_(log), tail_(tail), epoch_(epoch) {}

  // Becomes the owner: a claim at epoch() + 1 appended after tail(). Appended: this
  // writer now writes at the new epoch.
  AppendResult claim(const std::string& node);
  // One group as one entry after tail().
  AppendResult append(std::span<const std::string_view> records);
  // Repeats the pending append (the one that came back Unknown), unchanged.
  AppendResult retryPending();

  bool pending() const { return pending_.has_value(); }
  // Fenced or Regressed: nothing more goes through this writer.
  bool stopped() const { return stop_.has_value(); }
  Seq tail() const { return tail_; }
  uint32_t partition() const { return log_.partition(); }
  Epoch epoch() const { return epoch_; }
  // From any thread: an append in progress gives up after its current try
  // (PartitionLog::interrupt).
  void interrupt() { log_.interrupt(); }

 private:
  struct Pending {
    bool is_claim = false;
    std::string node;
    std::vector<std::string> records;
  };
  // Books the outcome of an append of `what` (kept as pending if Unknown).
  AppendResult settle(AppendResult result, Pending what, Epoch epoch);

  PartitionLog& log_;
  Seq tail_;
  Epoch epoch_;
  std::optional<Pending> pending_;
  std::optional<AppendResult> stop_;
};

}  // namespace rflow::cluster
