// The redo copy and the repair of a shortened log (redo.h).
#include "replay/redo.h"

#include <fmt/format.h>

#include <algorithm>

#include "cluster/entry_codec.h"

namespace rflow::replay {

namespace {

std::string seqKey(cluster::Seq seq) {
  std::string key;
  store::appendU64(key, seq);
  return key;
}

bool sameEntry(const cluster::LogEntry& a, const cluster::LogEntry& b) {
  return a.kind == b.kind && a.epoch == b.epoch && a.records == b.records && a.node == b.node;
}

std::string describeEntry(const cluster::LogEntry& e) {
  switch (e.kind) {
    case cluster::EntryKind::kGenesis:
      return "the genesis entry";
    case cluster::EntryKind::kClaim:
      return fmt::format("{}'s claim at epoch {}", e.node, e.epoch);
    case cluster::EntryKind::kRecords:
      break;
  }
  return fmt::format("a group of epoch {}", e.epoch);
}

// Appends `e` again at e.seq; nullopt when it is there now (appended, or found there, the
// same), else why not.
std::optional<std::string> appendAgain(cluster::PartitionLog& log, const cluster::LogEntry& e,
                                       std::chrono::steady_clock::time_point deadline,
                                       bool& appended) {
  appended = false;
  if (e.kind == cluster::EntryKind::kGenesis)
    return fmt::format("sequence {} was the genesis entry, which only creating the log writes",
                       e.seq);
  std::vector<std::string_view> records(e.records.begin(), e.records.end());
  for (;;) {
    cluster::AppendResult result = e.kind == cluster::EntryKind::kClaim
                                       ? log.claim({e.epoch, e.node}, e.seq - 1)
                                       : log.append(records, e.seq - 1, e.epoch);
    if (const cluster::Appended* a = result.appended()) {
      if (a->seq != e.seq)
        return fmt::format("the log put it at sequence {}, not {}", a->seq, e.seq);
      appended = !a->was_duplicate;
      return std::nullopt;
    }
    if (result.fenced()) {
      // Another node repairing at the same moment appended it first, or another history
      // sits there: only the entry itself tells.
      auto there = log.read(e.seq, 1);
      if (there.ok() && !there.value().empty() && there.value()[0].seq == e.seq &&
          sameEntry(there.value()[0], e))
        return std::nullopt;
      return fmt::format(
          "another entry is at sequence {} now ({}): the partition was written "
          "after the loss, and this node's copy is another history",
          e.seq, result.describe());
    }
    if (result.unknown() && std::chrono::steady_clock::now() < deadline) continue;
    return result.describe();
  }
}

}  // namespace

store::Status keepEntry(store::Store& store, cluster::Seq seq, std::string_view entry_body,
                        int64_t now_ms) {
  store::Batch batch;
  batch.put(store::Column::kRedo, seqKey(seq), cluster::encodeRedo(now_ms, entry_body));
  return store.commit(batch);
}

store::Result<std::vector<cluster::RedoEntry>> readRedo(const store::Store& store,
                                                        uint32_t partition, cluster::Seq from) {
  std::vector<cluster::RedoEntry> out;
  std::optional<std::string> problem;
  store::Status read = store.scanFrom(
      store::Column::kRedo, seqKey(from), [&](std::string_view k, std::string_view v) {
        const std::optional<uint64_t> seq = store::readU64(k);
        auto decoded = seq ? cluster::decodeRedo(v, partition, *seq)
                           : cluster::Result<cluster::RedoEntry>(cluster::Status::failure(
                                 cluster::ErrorKind::kCorrupt, "a redo key is not 8 bytes"));
        if (!decoded.ok()) {
          problem = decoded.status().message();
          return false;
        }
        out.push_back(std::move(decoded.value()));
        return true;
      });
  if (!read.ok()) return read;
  if (problem) return store::Status::failure(*problem);
  return out;
}

store::Result<size_t> trimRedo(store::Store& store, int64_t older_than_ms,
                               cluster::Seq position) {
  store::Batch batch;
  store::Status read =
      store.scan(store::Column::kRedo, "", [&](std::string_view k, std::string_view v) {
        const std::optional<uint64_t> seq = store::readU64(k);
        if (!seq || *seq + kRedoKeptEntries >= position) return false;
        const std::optional<int64_t> at = cluster::redoKeptAt(v);
        if (!at || *at >= older_than_ms) return false;
        batch.remove(store::Column::kRedo, k);
        return true;
      });
  if (!read.ok()) return read;
  if (batch.empty()) return size_t{0};
  if (store::Status written = store.commit(batch); !written.ok()) return written;
  return batch.count();
}

std::variant<RepairReport, std::string> repairFromRedo(cluster::PartitionLog& log,
                                                       const store::Store& store,
                                                       std::chrono::milliseconds deadline) {
  const uint32_t p = log.partition();
  const auto until = std::chrono::steady_clock::now() + deadline;
  RepairReport report;
  auto applied = store.appliedSeq();
  if (!applied.ok()) return applied.status().message();
  auto last_kept = store.lastKey(store::Column::kRedo);
  if (!last_kept.ok()) return last_kept.status().message();
  report.held = std::max(applied.value(),
                         last_kept.value() ? store::readU64(*last_kept.value()).value_or(0) : 0);
  auto bounds = log.bounds();
  if (!bounds.ok()) return bounds.status().message();
  report.log_last = bounds.value().last;
  if (report.held <= report.log_last) return report;
  const cluster::Seq lost_from = report.log_last + 1;
  auto kept = readRedo(store, p, report.log_last);
  if (!kept.ok()) return kept.status().message();
  const std::vector<cluster::RedoEntry>& entries = kept.value();
  if (entries.empty() || entries.front().entry.seq != report.log_last)
    return fmt::format(
        "partition {}'s log ends at sequence {}, and this node holds up to {}, but its redo "
        "copy {}: entries {} to {} cannot be appended again from here. Keep the partition "
        "stopped; look for a node (or a NATS server's older store) that still holds them",
        p, report.log_last, report.held,
        entries.empty() ? std::string("does not reach back that far")
                        : fmt::format("starts at {}", entries.front().entry.seq),
        lost_from, report.held);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].entry.seq != report.log_last + i)
      return fmt::format(
          "partition {}'s redo copy has a gap before sequence {}; nothing was "
          "appended",
          p, entries[i].entry.seq);
  }
  auto at_end = log.read(report.log_last, 1);
  if (!at_end.ok()) return at_end.status().message();
  if (at_end.value().empty() || !sameEntry(at_end.value()[0], entries.front().entry))
    return fmt::format(
        "partition {}'s log ends at sequence {} with {}, but this node applied {} there: the "
        "log is another history now (a node wrote it after the loss). Nothing was appended; "
        "keep the partition stopped and decide which history to keep",
        p, report.log_last,
        at_end.value().empty() ? std::string("nothing") : describeEntry(at_end.value()[0]),
        describeEntry(entries.front().entry));
  for (size_t i = 1; i < entries.size(); ++i) {
    bool appended = false;
    if (auto problem = appendAgain(log, entries[i].entry, until, appended))
      return fmt::format(
          "partition {}: appending sequence {} again (of {} to {}) failed: {}; {} re-appended "
          "before it",
          p, entries[i].entry.seq, lost_from, report.held, *problem, report.reappended);
    if (appended) ++report.reappended;
  }
  return report;
}

}  // namespace rflow::replay
