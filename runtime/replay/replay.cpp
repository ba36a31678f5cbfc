// Replay of a partition log into a store (replay.h).
#include "replay/replay.h"

#include <fmt/format.h>

#include <algorithm>

#include "cluster/entry_codec.h"
#include "cluster/redo_codec.h"
#include "replay/redo.h"

namespace rflow::replay {

namespace {

// Applies one entry (or skips it), in order after `report.tail`.
std::string applyEntry(const cluster::LogEntry& entry, store::Store& store, uint32_t partition,
                       const ReplayOptions& options, ReplayReport& report) {
  if (entry.seq != report.tail + 1)
    return fmt::format(
        "partition {}'s log gave sequence {} after {}: a gap; nothing after {} was applied. "
        "Read the log again (a server may have been catching up)",
        partition, entry.seq, report.tail, report.tail);
  report.tail = entry.seq;
  report.epoch = std::max(report.epoch, entry.epoch);
  if (entry.kind != cluster::EntryKind::kRecords) {
    if (entry.kind == cluster::EntryKind::kClaim) report.owner = entry.node;
    ++report.skipped;
    if (options.keep_redo) {
      const std::string body = entry.kind == cluster::EntryKind::kClaim
                                   ? cluster::encodeClaim({entry.epoch, entry.node})
                                   : cluster::encodeGenesis();
      if (store::Status kept = keepEntry(store, entry.seq, body, cluster::redoClockMs());
          !kept.ok())
        return fmt::format("partition {}'s log entry {}: {}", partition, entry.seq, kept.message());
    }
    return {};
  }
  if (entry.records.size() != 1)
    return fmt::format(
        "partition {}'s log entry {} holds {} records, and a commit group is one; nothing of "
        "it was applied. Check that every node runs the same rflow",
        partition, entry.seq, entry.records.size());
  const auto started = std::chrono::steady_clock::now();
  const std::string_view group[] = {entry.records[0]};
  const std::string redo =
      options.keep_redo
          ? cluster::encodeRedo(cluster::redoClockMs(), cluster::encodeRecords(entry.epoch, group))
          : std::string();
  if (store::Status applied = store.applyGroup(entry.records[0], entry.seq, redo); !applied.ok())
    return fmt::format("partition {}'s log entry {}: {}", partition, entry.seq, applied.message());
  if (options.on_group_applied)
    options.on_group_applied(std::chrono::steady_clock::now() - started);
  ++report.groups;
  return {};
}

}  // namespace

std::variant<ReplayReport, std::string> replay(cluster::PartitionLog& log, store::Store& store,
                                               const ReplayOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const uint32_t partition = log.partition();
  auto applied = store.appliedSeq();
  if (!applied.ok()) return applied.status().message();
  auto bounds = log.bounds();
  if (!bounds.ok()) return bounds.status().message();
  if (applied.value() > bounds.value().last)
    return fmt::format(
        "the data directory `{}` has applied partition {}'s log up to sequence {}, but the log "
        "ends at {}: the log lost acknowledged entries. Do not serve the partition from either; "
        "check the NATS servers and their disks",
        store.directory(), partition, applied.value(), bounds.value().last);
  const cluster::Seq last =
      std::min(options.up_to.value_or(bounds.value().last), bounds.value().last);
  // The entry at applied_seq itself is read again (not applied), when the log still has
  // it, for its epoch: an owner that replays up to date still learns the epoch to claim
  // above.
  ReplayReport report;
  report.from = applied.value() >= std::max<cluster::Seq>(1, bounds.value().first)
                    ? applied.value()
                    : applied.value() + 1;
  report.tail = report.from - 1;
  const cluster::Seq first_to_apply = applied.value() + 1;
  while (report.tail < last) {
    const size_t wanted =
        std::min<cluster::Seq>(std::max<size_t>(1, options.read_batch), last - report.tail);
    auto read = log.read(report.tail + 1, wanted);
    if (!read.ok()) {
      if (read.status().kind() == cluster::ErrorKind::kNotFound)
        return fmt::format(
            "partition {}'s log no longer holds sequence {} (trimmed behind a snapshot), and "
            "the data directory `{}` has applied only up to {}: restore the partition's "
            "newest snapshot into an empty directory, then replay ({})",
            partition, report.tail + 1, store.directory(), applied.value(),
            read.status().message());
      return read.status().message();
    }
    if (read.value().empty()) break;
    for (const cluster::LogEntry& entry : read.value()) {
      if (entry.seq < first_to_apply) {
        report.tail = entry.seq;
        report.epoch = std::max(report.epoch, entry.epoch);
        if (entry.kind == cluster::EntryKind::kClaim) report.owner = entry.node;
        continue;
      }
      if (std::string problem = applyEntry(entry, store, partition, options, report);
          !problem.empty())
        return problem;
    }
  }
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return report;
}

}  // namespace rflow::replay
