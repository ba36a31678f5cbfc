// The local log's checks: the same fence and the same answers as the replicated log,
// without I/O.
#include "cluster/local_partition_log.h"

#include <fmt/format.h>

namespace rflow::cluster {

LocalPartitionLog::LocalPartitionLog(uint32_t partition, Seq last_seq, Epoch epoch,
                                     std::string owner)
    : partition_(partition),
      last_(last_seq < 1 ? 1 : last_seq),
      epoch_(epoch),
      owner_(std::move(owner)) {}

std::optional<AppendResult> LocalPartitionLog::checkTail(Seq expected_last_seq) const {
  if (expected_last_seq < 1) {
    return AppendResult(Rejected{
        "expected_last_seq 0: a log begins with its genesis entry at 1, so an append always "
        "names the sequence it follows (this is a bug in the caller)"});
  }
  if (expected_last_seq < last_) {
    return AppendResult(Fenced{expected_last_seq + 1, epoch_, owner_,
                               fmt::format("partition {} is at {} (epoch {}), not {}", partition_,
                                           last_, epoch_, expected_last_seq)});
  }
  if (expected_last_seq > last_) {
    return AppendResult(
        Regressed{last_, expected_last_seq,
                  fmt::format("partition {}'s local log is at {}", partition_, last_)});
  }
  return std::nullopt;
}

AppendResult LocalPartitionLog::append(std::span<const std::string_view> /*records*/,
                                       Seq expected_last_seq, Epoch epoch) {
  std::lock_guard lock(mu_);
  if (auto refused = checkTail(expected_last_seq)) return *std::move(refused);
  if (epoch < epoch_) {
    return Fenced{last_, epoch_, owner_,
                  fmt::format("partition {} was claimed at epoch {}; this owner writes at {}",
                              partition_, epoch_, epoch)};
  }
  if (epoch > epoch_) {
    return Rejected{
        fmt::format("epoch {} was never claimed on partition {} (its epoch is {}): claim it first",
                    epoch, partition_, epoch_)};
  }
  return Appended{++last_, false};
}

AppendResult LocalPartitionLog::claim(const Claim& claim, Seq expected_last_seq) {
  std::lock_guard lock(mu_);
  if (auto refused = checkTail(expected_last_seq)) return *std::move(refused);
  if (claim.epoch <= epoch_) {
    return Rejected{
        fmt::format("a claim must raise the epoch: partition {} is at epoch {}, the "
                    "claim by {} names {}",
                    partition_, epoch_, claim.node, claim.epoch)};
  }
  epoch_ = claim.epoch;
  owner_ = claim.node;
  return Appended{++last_, false};
}

Result<std::vector<LogEntry>> LocalPartitionLog::read(Seq from_seq, size_t /*max*/) {
  std::lock_guard lock(mu_);
  if (from_seq <= last_) {
    return Status::failure(
        ErrorKind::kNotFound,
        fmt::format("partition {}'s local log keeps no entries (the store holds their effect up "
                    "to {}); entries from {} cannot be read",
                    partition_, last_, from_seq));
  }
  return std::vector<LogEntry>{};
}

Status LocalPartitionLog::trim(Seq up_to) {
  std::lock_guard lock(mu_);
  if (up_to > last_) {
    return Status::failure(ErrorKind::kRefused,
                           fmt::format("cannot trim partition {} up to {}: its last entry is {}",
                                       partition_, up_to, last_));
  }
  return {};
}

Result<LogBounds> LocalPartitionLog::bounds() {
  std::lock_guard lock(mu_);
  return LogBounds{last_ + 1, last_};
}

}  // namespace rflow::cluster
