// PartitionHost: one partition on one node (issue 19, Design A). It holds the partition's
// RocksDB (its own directory, e.g. <data>/p07) and its log, and plays one of three roles:
//   - OWNER: it has replayed the log to the tail, appended a claim at epoch+1 after it,
//     and runs an Engine whose every commit group goes through the log (EngineOptions::log),
//     with the global deployment log's entries applied, recover()ed, its workers and a
//     timer thread. While it owns the partition, applyDeployments() applies entries
//     appended since, in order, each through the engine's commit pipeline with the
//     entry's sequence (kMeta deployment-seq), so the partition log, a standby and a
//     rebuilt store know which deployment the partition runs.
//   - STANDBY: no engine and no VM; follow() replays the log into the store, so that a
//     takeover only has the last few entries to apply before it claims.
//   - IDLE: neither; the store stays as it was.
// When the engine's pipeline reports that the log stopped it (fenced by another owner's
// claim, a regressed log, a group the store could not take), the host is told at once
// (EngineOptions::on_log_stopped): the timer thread fires nothing more, and the next
// release() (the node's control thread, woken by `on_stopped`) stops the workers and
// drops the engine. Nothing more is stored or sent from the moment the pipeline stopped:
// every later group fails before it reaches the store, effects are released only from
// committed groups, and connector answers arriving afterwards are dropped (the new owner
// re-sends pending calls with the same Idempotency-Key).
//
// Invariants:
//   - At most one engine per host, and only while role() is kOwner; its epoch is the one
//     of the claim this host appended. epoch() never goes down.
//   - Role changes (follow, becomeOwner, release, idle) come from one thread at a time
//     (the node's control thread); role(), epoch(), owner(), engine() from any thread.
//   - An engine handed out by engine() keeps what it needs alive (its log writer and its
//     connector gate) but not the store and the log: whoever holds one drops it before the
//     host is destroyed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "cluster/deployment_log.h"
#include "cluster/partition_log.h"
#include "cluster/snapshot_store.h"
#include "engine/engine.h"
#include "node/outbox_relay.h"
#include "store/store.h"

namespace rflow::node {

enum class Role : uint8_t { kIdle, kStandby, kOwner };
std::string_view roleName(Role role);

struct HostOptions {
  uint32_t partition = 0;
  std::string node;           // this node's name: the claims it appends carry it
  std::filesystem::path dir;  // the partition's RocksDB directory
  store::Durability durability = store::Durability::kSync;
  bool in_memory = false;                   // tests: a memory store
  const engine::Clock* clock = nullptr;     // not owned; outlives the host
  engine::CallDispatcher* calls = nullptr;  // not owned; outlives the host
  // The cluster's deployment log (shared by the node's hosts): what an owner applies.
  std::shared_ptr<cluster::DeploymentLog> deployments;
  engine::EngineOptions engine;  // log and on_log_stopped are the host's
  size_t workers = 1;
  std::chrono::milliseconds timer_poll{200};
  // A claim whose outcome stays Unknown is repeated for this long, then given up.
  std::chrono::milliseconds claim_deadline{10000};
  // Told (on the committer thread: only note and wake) that the engine was stopped by the
  // log, with why.
  std::function<void(uint32_t partition, const std::string& why)> on_stopped;
  std::function<void(const std::string&)> log;
  // Where snapshots go and come from (shared by the node's hosts); null: none are taken,
  // and a log trimmed past this host's store cannot be caught up with.
  std::shared_ptr<cluster::SnapshotStore> snapshots;
  // An owner takes a snapshot once its log has grown this many entries past the last one.
  cluster::Seq snapshot_every = 10'000;
  // How long the redo copy keeps an entry (H3, replay/redo.h): a loss of the log's tail
  // older than this cannot be repaired from this node (beyond replay::kRedoKeptEntries).
  std::chrono::milliseconds redo_keep{std::chrono::minutes(10)};
  // The cluster's partition count, and how an outbox message reaches another partition
  // (engine/outbox.h). With both (and more than one partition) the owner's engine places
  // keyed children and trigger starts by key, and a relay thread delivers its outbox while
  // it owns the partition. Unset: every instance is created where it is asked for.
  uint32_t partitions = 0;
  Deliver deliver;
};

class PartitionHost {
 public:
  static std::variant<std::unique_ptr<PartitionHost>, std::string> open(
      HostOptions options, std::unique_ptr<cluster::PartitionLog> log);
  ~PartitionHost();
  PartitionHost(const PartitionHost&) = delete;
  PartitionHost& operator=(const PartitionHost&) = delete;

  // Standby: brings the store up to the log's tail (an owner is released first: see
  // release()). nullopt, or what went wrong.
  std::optional<std::string> follow();
  // Owner: replays to the tail, claims at epoch + 1, opens the engine, deploys, recovers
  // and starts it. nullopt, or why not (another node's claim got in first: Fenced; the log
  // did not answer; the module did not deploy), and the host is a standby.
  // `may_take_from`: asked, after the replay, about the node of the latest claim when it
  // is another node; false (it is alive after all) leaves the partition to it.
  std::optional<std::string> becomeOwner(
      const std::function<bool(const std::string& owner)>& may_take_from = {});
  // Stops the engine at once, if there is one (workers, timer thread, connector answers),
  // and becomes a standby. `why` goes to the log.
  void release(const std::string& why);
  // Before releasing several partitions whose log is out of reach: an append in progress
  // gives up after its current try instead of waiting out the append deadline (so the
  // releases that follow take about one try each, not a deadline each).
  void interruptLog();
  // Idle: no engine, no following.
  void idle();
  // The engine's pipeline said it must stop (not yet released).
  bool stoppedByLog() const { return stopped_by_log_.load(); }
  // Owner: when the log has grown snapshot_every entries past the last snapshot, stores
  // a checkpoint of the store as a snapshot, then trims the log behind it, but never past
  // what `standby_applied` (the standby's last heartbeat) has read: a standby that is
  // behind replays from the log, not from a snapshot. The entry at the trim point stays
  // (its epoch is what a replay from the snapshot learns). nullopt, or what went wrong
  // (nothing is trimmed then).
  std::optional<std::string> snapshotIfDue(std::optional<cluster::Seq> standby_applied);
  // Drops redo entries older than redo_keep (and far enough behind position()). nullopt,
  // or what went wrong. The node's control pass calls it for owners; a standby trims as it
  // follows.
  std::optional<std::string> trimRedo();
  // Owner: applies the deployment log's entries after the one this partition applied
  // last, in order, up to `tail` (the log's, read by the caller). nullopt, or what stopped
  // it (the entries before stay applied; the next call goes on from there).
  std::optional<std::string> applyDeployments(cluster::Seq tail);
  // The deployment log's entry this partition applied last, as the owner here knows it
  // (0: none, or not the owner).
  cluster::Seq deployed() const { return deployed_.load(); }
  // An owner's check, without appending: the log's last entry has a higher epoch than
  // this owner's claim (another node claimed). Reads the log; false when it cannot.
  bool supersededInLog();

  uint32_t partition() const { return options_.partition; }
  Role role() const;
  cluster::Epoch epoch() const;  // the highest epoch this host has seen in the log
  std::string owner() const;     // the node of the latest claim seen; empty when unknown
  // The last log entry this host has read or written: its store's applied sequence, or a
  // claim or genesis after it (those change no state, so the store does not mark them).
  cluster::Seq position() const;
  std::shared_ptr<engine::Engine> engine() const;  // null unless kOwner
  cluster::PartitionLog& log() { return *log_; }

 private:
  struct Tenure;
  PartitionHost(HostOptions options, std::unique_ptr<cluster::PartitionLog> log,
                std::unique_ptr<store::Store> store);
  // Replays into the store; updates epoch_ and owner_. The report's tail, or why not.
  std::variant<cluster::Seq, std::string> catchUp();
  // When the log no longer holds the entries after the store's applied_seq: replaces the
  // store with the newest snapshot that covers them. Only without an engine (the engine
  // holds the store). nullopt, or why not (the old store is kept then).
  std::optional<std::string> restoreIfTrimmed();
  std::optional<std::string> restoreSnapshot(const cluster::SnapshotManifest& manifest);
  void say(const std::string& line) const;
  void timerLoop(std::shared_ptr<Tenure> tenure);
  void relayLoop(std::shared_ptr<Tenure> tenure);
  // Applies the deployment log's entries after the engine's deploymentSeq() up to `tail`.
  std::optional<std::string> applyDeploymentsTo(engine::Engine& engine, cluster::Seq tail);

  HostOptions options_;
  std::unique_ptr<cluster::PartitionLog> log_;
  // Replaced only by restoreSnapshot (no engine then), under store_mutex_; read by
  // position() from other threads.
  std::unique_ptr<store::Store> store_;
  mutable std::shared_mutex store_mutex_;
  cluster::Seq last_snapshot_ = 0;  // control thread only
  std::atomic<bool> stopped_by_log_{false};
  std::atomic<cluster::Seq> seen_{0};      // the last replay's tail, or this host's claim
  std::atomic<cluster::Seq> deployed_{0};  // the owner's engine's deploymentSeq()

  mutable std::mutex mutex_;  // role_, epoch_, owner_, tenure_
  Role role_ = Role::kIdle;
  cluster::Epoch epoch_ = 0;
  std::string owner_;
  std::shared_ptr<Tenure> tenure_;
};

}  // namespace rflow::node
