// `rflow cluster verify`: each partition's log checked alone, then rebuilt from snapshot +
// log and compared with its owner's state (cluster_verify.h).
#include "node/cluster_verify.h"

#include <fmt/format.h>

#include <algorithm>

#include "cluster/jetstream_partition_log.h"
#include "cluster/snapshot_store.h"
#include "replay/replay.h"
#include "store/group_codec.h"

namespace rflow::node {

using cluster::Epoch;
using cluster::Seq;
namespace fs = std::filesystem;

namespace {

constexpr size_t kReadBatch = 256;

// Epoch order along the log (cluster/partition_log.h): a claim above every epoch before
// it; any other entry at the epoch of the latest claim (or, the first kept entry, any).
struct EpochWalk {
  Epoch highest = 0;
  Seq highest_at = 0;
  bool started = false;

  std::optional<std::string> next(const cluster::LogEntry& e, uint32_t p) {
    std::optional<std::string> problem;
    const bool claim = e.kind == cluster::EntryKind::kClaim;
    if (started && (claim ? e.epoch <= highest : e.epoch < highest))
      problem = fmt::format(
          "partition {}'s log entry {} ({} by epoch {}) comes after epoch {} at entry {}: epochs "
          "must only increase along the log (a claim above every epoch before it). Two owners "
          "wrote, or an entry was appended by hand. The replay follows the log as it is: find "
          "which node wrote entry {} (its Msg-Id is {}) and stop it",
          p, e.seq, claim ? "a claim" : "written", e.epoch, highest, highest_at, e.seq, e.msg_id);
    else if (started && !claim && e.epoch > highest)
      problem = fmt::format(
          "partition {}'s log entry {} is written at epoch {} with no claim of that epoch before "
          "it (the last was {} at entry {}): an owner wrote without claiming. Find the node "
          "that wrote it (Msg-Id {}) and stop it",
          p, e.seq, e.epoch, highest, highest_at, e.msg_id);
    if (!started || e.epoch > highest) {
      highest = std::max(highest, e.epoch);
      highest_at = e.seq;
    }
    started = true;
    return problem;
  }
};

std::optional<std::string> checkRecords(const cluster::LogEntry& e, uint32_t p) {
  if (e.kind != cluster::EntryKind::kRecords) return std::nullopt;
  if (e.records.size() != 1)
    return fmt::format("partition {}'s log entry {} holds {} records, and a commit group is one", p,
                       e.seq, e.records.size());
  auto group = store::decodeGroup(e.records[0]);
  if (!group.ok())
    return fmt::format("partition {}'s log entry {} is not a commit group this rflow reads: {}", p,
                       e.seq, group.status().message());
  return std::nullopt;
}

}  // namespace

std::vector<std::string> checkLog(cluster::PartitionLog& log) {
  std::vector<std::string> problems;
  const uint32_t p = log.partition();
  auto bounds = log.bounds();
  if (!bounds.ok()) return {bounds.status().message()};
  EpochWalk epochs;
  Seq next = bounds.value().first;
  while (next <= bounds.value().last) {
    auto read = log.read(next, kReadBatch);
    if (!read.ok() && read.status().kind() == cluster::ErrorKind::kNotFound) {
      // The owner stored a snapshot and trimmed the log while it was read: what went is in
      // that snapshot (the rebuild starts from it); the check goes on from the new start.
      auto now = log.bounds();
      if (now.ok() && now.value().first > next) {
        next = now.value().first;
        bounds = std::move(now);
        continue;
      }
    }
    if (!read.ok()) {
      problems.push_back(fmt::format(
          "partition {}'s log cannot be read from entry {}: {}. Nothing after it was checked", p,
          next, read.status().message()));
      return problems;
    }
    if (read.value().empty()) break;
    for (const cluster::LogEntry& e : read.value()) {
      if (e.seq != next) {
        problems.push_back(fmt::format(
            "partition {}'s log has entry {} where {} was expected: a gap. Nothing after it "
            "was checked; the partition can be rebuilt only up to {}",
            p, e.seq, next, next - 1));
        return problems;
      }
      if (auto problem = epochs.next(e, p)) problems.push_back(std::move(*problem));
      if (auto problem = checkRecords(e, p)) problems.push_back(std::move(*problem));
      ++next;
    }
  }
  return problems;
}

namespace {

// One partition's rebuild: a store in a scratch directory, from a snapshot and the log.
struct Rebuild {
  std::unique_ptr<store::Store> store;
  fs::path dir;
  ~Rebuild() {
    store.reset();
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

// The newest snapshot at or below `position` (none when none is stored and the log still
// starts at 1). One is taken whenever there is one, even with the log whole: an owner may
// trim the log while the verifier reads it.
cluster::Result<std::optional<cluster::SnapshotManifest>> snapshotFor(
    cluster::SnapshotStore* snapshots, uint32_t p, Seq position, Seq log_first) {
  std::optional<cluster::SnapshotManifest> chosen;
  if (snapshots) {
    auto listed = snapshots->list(p);
    if (!listed.ok()) return listed.status();
    for (const cluster::SnapshotManifest& m : listed.value())
      if (m.seq <= position && (!chosen || m.seq > chosen->seq)) chosen = m;
  }
  if (log_first > 1 && (!chosen || chosen->seq + 1 < log_first))
    return cluster::Status::failure(
        cluster::ErrorKind::kNotFound,
        fmt::format("partition {}'s log starts at entry {}, and no snapshot at or below the "
                    "owner's position {} reaches it ({}): it cannot be rebuilt. Check stream {}",
                    p, log_first, position,
                    chosen ? fmt::format("the newest is at {}", chosen->seq) : "none stored",
                    cluster::SnapshotStore::kStream));
  return chosen;
}

std::optional<std::string> openRebuild(Rebuild& r, cluster::PartitionLog& log,
                                       cluster::SnapshotStore* snapshots, PartitionVerdict& v) {
  std::error_code ec;
  fs::remove_all(r.dir, ec);
  auto bounds = log.bounds();  // again: the owner may have trimmed since the log was checked
  if (!bounds.ok()) return bounds.status().message();
  auto chosen = snapshotFor(snapshots, v.partition, v.position, bounds.value().first);
  if (!chosen.ok()) return chosen.status().message();
  if (chosen.value()) {
    if (cluster::Status s = snapshots->restore(*chosen.value(), r.dir); !s.ok())
      return fmt::format(
          "snapshot {} of partition {} cannot be restored: {}. The partition's "
          "standby would meet the same: check stream {}",
          chosen.value()->id, v.partition, s.message(), cluster::SnapshotStore::kStream);
    v.snapshot = chosen.value()->seq;
  }
  auto opened = store::Store::open(
      r.dir.string(), {.durability = store::Durability::kAsync, .in_memory = false, .env = {}});
  if (auto* problem = std::get_if<std::string>(&opened)) return *problem;
  r.store = std::move(std::get<std::unique_ptr<store::Store>>(opened));
  return std::nullopt;
}

// Replays the rebuild up to `position` (the same replay a standby runs).
std::optional<std::string> replayTo(Rebuild& r, cluster::PartitionLog& log, Seq position,
                                    PartitionVerdict& v) {
  auto applied = r.store->appliedSeq();
  if (!applied.ok()) return applied.status().message();
  if (applied.value() >= position) return std::nullopt;
  // A log that ends below what the owner applied lost acknowledged entries (H3): say so
  // rather than suspect the owner's store.
  if (auto bounds = log.bounds(); bounds.ok() && bounds.value().last < position)
    return fmt::format(
        "partition {}'s log ends at entry {}, but its owner (node {}) has applied up to {}: "
        "the log lost acknowledged entries (its NATS servers lost writes they had "
        "acknowledged). A node whose redo copy holds them appends them again when it next "
        "catches up; if this stays, see docs/cluster.md, \"A log that lost its tail\"",
        v.partition, bounds.value().last, v.owner.node, position);
  auto replayed = replay::replay(
      log, *r.store, {.read_batch = kReadBatch, .up_to = position, .on_group_applied = {}});
  if (auto* problem = std::get_if<std::string>(&replayed)) return *problem;
  v.replayed += std::get<replay::ReplayReport>(replayed).groups;
  applied = r.store->appliedSeq();
  if (applied.ok() && applied.value() == position) return std::nullopt;
  return fmt::format(
      "partition {}'s owner has applied up to log entry {}, but a replay of the log reaches "
      "only {}: the owner holds a group that is not a commit group in its log. Stop the owner "
      "(node {}) and let its standby take over",
      v.partition, position, applied.ok() ? applied.value() : 0, v.owner.node);
}

// The first key where two sorted pages differ, in (after, end of `owner`'s page]; with the
// owner's page the column's last, to the end.
std::optional<Mismatch> firstDifference(const replay::StatePage& owner,
                                        const replay::StatePage& rebuilt) {
  size_t i = 0;
  size_t j = 0;
  const auto mismatch = [&](const std::string& key, const std::string* o, const std::string* b) {
    Mismatch m{owner.column, key, std::nullopt, std::nullopt, owner.applied};
    if (o) m.owner_value = *o;
    if (b) m.rebuilt_value = *b;
    return m;
  };
  while (i < owner.entries.size() || j < rebuilt.entries.size()) {
    const auto* o = i < owner.entries.size() ? &owner.entries[i] : nullptr;
    const auto* b = j < rebuilt.entries.size() ? &rebuilt.entries[j] : nullptr;
    if (!o)
      return owner.more ? std::nullopt : std::optional(mismatch(b->first, nullptr, &b->second));
    if (!b || o->first < b->first) return mismatch(o->first, &o->second, nullptr);
    if (b->first < o->first) return mismatch(b->first, nullptr, &b->second);
    if (o->second != b->second) return mismatch(o->first, &o->second, &b->second);
    ++i;
    ++j;
  }
  return std::nullopt;
}

// Pages through the owner's keys of `column`, the rebuild following to each page's
// position, until the first key that differs. nullopt, with `problem` empty, when none
// did (the owner's state moved on and agrees now).
std::optional<Mismatch> findMismatch(Rebuild& r, cluster::PartitionLog& log,
                                     const VerifyOptions& options, store::Column column,
                                     PartitionVerdict& v, std::string& problem) {
  std::optional<std::string> after;
  for (;;) {
    auto page = options.ask.page(v.owner, v.partition, column, after, options.page_keys);
    if (!page.ok()) {
      problem = page.status().message();
      return std::nullopt;
    }
    if (auto p = replayTo(r, log, page.value().applied, v)) {
      problem = *p;
      return std::nullopt;
    }
    auto mine = replay::readStatePage(*r.store, column, after, page.value().entries.size() + 1);
    if (!mine.ok()) {
      problem = mine.status().message();
      return std::nullopt;
    }
    if (auto m = firstDifference(page.value(), mine.value())) return m;
    if (!page.value().more || page.value().entries.empty()) return std::nullopt;
    after = page.value().entries.back().first;
  }
}

std::string mismatchProblem(const Mismatch& m, const PartitionVerdict& v) {
  return fmt::format(
      "partition {}: the owner {}'s store differs from its snapshot and log at log position "
      "{}, column family {}. Its store was changed outside rflow, its disk corrupted it, or "
      "nodes of different rflow versions applied a group differently. Do not serve from this "
      "copy: stop node {} (its standby replays the log and takes over), move its directory "
      "p{:02} aside to look at, and start it again to rebuild it from the snapshot and the log",
      v.partition, v.owner.node, m.at, store::columnName(m.column), v.owner.node, v.partition);
}

// The owner's digest compared with a rebuild at the same position.
void compareWithOwner(cluster::PartitionLog& log, cluster::SnapshotStore* snapshots,
                      const VerifyOptions& options, PartitionVerdict& v) {
  auto owners = options.ask.digest(v.owner, v.partition);
  if (!owners.ok()) {
    v.problems.push_back(owners.status().message());
    return;
  }
  v.position = owners.value().applied;
  Rebuild r{nullptr, options.work_dir / fmt::format("p{:02}", v.partition)};
  // Twice at most: the owner may snapshot and trim the log behind the rebuild's replay,
  // which then starts again from that snapshot.
  std::optional<std::string> rebuilt;
  for (int attempt = 0; attempt < 2; ++attempt) {
    r.store.reset();
    v.replayed = 0;
    v.snapshot.reset();
    rebuilt = openRebuild(r, log, snapshots, v);
    if (!rebuilt) rebuilt = replayTo(r, log, v.position, v);
    if (!rebuilt) break;
  }
  if (rebuilt) return v.problems.push_back(*rebuilt);
  auto mine = replay::digestState(*r.store);
  if (!mine.ok()) return v.problems.push_back(mine.status().message());
  v.compared = true;
  if (mine.value().sha256 == owners.value().sha256) return;
  store::Column column = store::Column::kMeta;
  for (size_t i = 0; i < mine.value().columns.size(); ++i)
    if (i >= owners.value().columns.size() ||
        mine.value().columns[i].sha256 != owners.value().columns[i].sha256) {
      column = mine.value().columns[i].column;
      break;
    }
  std::string problem;
  v.mismatch = findMismatch(r, log, options, column, v, problem);
  if (v.mismatch) return v.problems.push_back(mismatchProblem(*v.mismatch, v));
  v.problems.push_back(problem.empty()
                           ? fmt::format("partition {}: the owner's digest at log position {} "
                                         "differs from the rebuild's in column family {}, but no "
                                         "key differed when read again: run verify again",
                                         v.partition, v.position, store::columnName(column))
                           : problem);
}

PartitionVerdict verifyPartition(cluster::NatsClient& nats,
                                 std::shared_ptr<cluster::NatsClient> client, uint32_t p,
                                 int replicas, cluster::SnapshotStore* snapshots,
                                 const VerifyOptions& options) {
  PartitionVerdict v;
  v.partition = p;
  auto info = nats.streamInfo(cluster::JetStreamPartitionLog::streamName(p));
  if (!info.ok()) {
    v.problems.push_back(
        info.status().kind() == cluster::ErrorKind::kNotFound
            ? fmt::format("partition {} has no log (stream {}): no node has opened it yet; start "
                          "the cluster's nodes",
                          p, cluster::JetStreamPartitionLog::streamName(p))
            : info.status().message());
    return v;
  }
  auto opened = cluster::JetStreamPartitionLog::open(std::move(client), p, {.replicas = replicas});
  if (!opened.ok()) return v.problems.push_back(opened.status().message()), v;
  cluster::PartitionLog& log = *opened.value();
  if (auto bounds = log.bounds(); bounds.ok()) v.log = bounds.value();
  v.problems = checkLog(log);
  auto owner = nats.kvGet(std::string(kOwnersBucket), ownerKey(p));
  if (owner.ok())
    if (auto decoded = decodeOwner(owner.value().value)) v.owner = *decoded;
  if (v.owner.node.empty() || v.owner.url.empty()) {
    v.problems.push_back(fmt::format(
        "partition {} has no owner in {}: nothing to compare its log with. Start a node of the "
        "cluster (`rflow cluster status` shows who holds what)",
        p, kOwnersBucket));
    return v;
  }
  compareWithOwner(log, snapshots, options, v);
  return v;
}

}  // namespace

bool VerifyReport::ok() const {
  return std::all_of(verdicts.begin(), verdicts.end(),
                     [](const PartitionVerdict& v) { return v.ok(); });
}

cluster::Result<VerifyReport> verifyCluster(std::shared_ptr<cluster::NatsClient> nats,
                                            const VerifyOptions& options) {
  auto settings = readClusterSettings(*nats);
  if (!settings.ok()) return settings.status();
  if (!settings.value())
    return cluster::Status::failure(
        cluster::ErrorKind::kNotFound,
        fmt::format("{}: no rflow cluster was created on these NATS servers (bucket rf-cluster "
                    "has no settings): check the URLs",
                    nats->where()));
  VerifyReport report{nats->where(), settings.value()->partitions, {}};
  if (options.partition && *options.partition >= report.partitions)
    return cluster::Status::failure(
        cluster::ErrorKind::kRefused,
        fmt::format("--partition {}: the cluster has partitions 0 to {}", *options.partition,
                    report.partitions - 1));
  std::unique_ptr<cluster::SnapshotStore> snapshots;
  if (nats->streamInfo(cluster::SnapshotStore::kStream).ok()) {
    auto opened = cluster::SnapshotStore::open(nats, {.replicas = settings.value()->replicas});
    if (!opened.ok()) return opened.status();
    snapshots = std::move(opened).value();
  }
  (void)nats->bindKv(std::string(kOwnersBucket));  // none bound: every partition has no owner
  for (uint32_t p = 0; p < report.partitions; ++p)
    if (!options.partition || *options.partition == p)
      report.verdicts.push_back(
          verifyPartition(*nats, nats, p, settings.value()->replicas, snapshots.get(), options));
  return report;
}

}  // namespace rflow::node
