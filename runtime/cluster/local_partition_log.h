// The local partition log: today's single node. It writes nothing and keeps no entry: the
// step batches' durable write is the engine's synced RocksDB commit, which stores
// applied_seq with them, so a restart opens this log at that sequence. What it keeps is
// the sequence, the epoch and the owner, so the engine runs one code path, fenced or not,
// and a single node pays a mutex per group commit and nothing more.
//
// Invariants: every entry is trimmed as soon as it is appended (bounds().first is
// last + 1), so read() returns nothing and never a gap; an append lands only at last + 1
// and only at the current epoch; a claim raises the epoch.
#pragma once

#include <mutex>
#include <optional>

#include "cluster/partition_log.h"

namespace rflow::cluster {

class LocalPartitionLog final : public PartitionLog {
 public:
  // A log whose newest entry is last_seq (the store's applied_seq; 1, the genesis entry,
  // for a new store), owned at `epoch` (0 before any claim).
  explicit LocalPartitionLog(uint32_t partition, Seq last_seq = 1, Epoch epoch = 0,
                             std::string owner = {});

  uint32_t partition() const override { return partition_; }
  AppendResult append(std::span<const std::string_view> records, Seq expected_last_seq,
                      Epoch epoch) override;
  AppendResult claim(const Claim& claim, Seq expected_last_seq) override;
  Result<std::vector<LogEntry>> read(Seq from_seq, size_t max) override;
  Status trim(Seq up_to) override;
  Result<LogBounds> bounds() override;

 private:
  // The fence: nullopt when an append at expected_last_seq may go ahead (mu_ held).
  std::optional<AppendResult> checkTail(Seq expected_last_seq) const;

  const uint32_t partition_;
  mutable std::mutex mu_;
  Seq last_;
  Epoch epoch_;
  std::string owner_;
};

}  // namespace rflow::cluster
