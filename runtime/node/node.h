// Node: one rflow process in a cluster (issue 19, Design A; docs/cluster.md). It checks
// the cluster's settings, keeps its member entry alive, and runs one PartitionHost per
// partition, deciding each host's role every member_ttl/5 from the live members:
//   - it OWNS a partition whose placement (placement.h: sticky rendezvous hashing) names
//     it and whose current owner is not a live member (dead, or none yet): it replays,
//     claims in the log and opens the engine;
//   - it is the STANDBY of a partition placement gives it as the standby, and follows
//     the log;
//   - an owner whose engine the log stopped (fenced) releases it at once (woken, not at
//     the next tick); an owner that sees in rf-owners another node at a higher epoch
//     checks its log and releases when a later claim is there.
// After it claims it writes rf-owners (partition -> node, URL, epoch) for routing.
//
// The interface for the service (protocol-neutral): owned() / engineFor() — the engines
// of the partitions this node owns now; owners() / ownerOf() — the owner map, as the last
// tick read it (a hint: a request forwarded on a stale entry reaches a node that no
// longer owns the partition, which answers so, and the caller reads the map again).
//
// Invariants: every safety decision is the log's (a claim lands only after the tail its
// claimant replayed; a fenced engine stores and sends nothing); KV (members, owners,
// settings) is a hint. The first placement waits `settle` after start, so that nodes
// started together share the partitions instead of the first one taking all. Placement
// is sticky (a live owner keeps a partition), but an owner hands over, at most kMaxMoves
// at a time, a partition whose preferred node follows it and has caught up, so a node
// that joins later gets its share: the owner releases its engine, says so in its
// heartbeat, and the preferred node claims (the log fences anything the old owner would
// still try). Thread-safe: the
// accessors may be called from any thread; engines handed out must be dropped before the
// Node is destroyed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "cluster/nats_client.h"
#include "engine/engine.h"
#include "node/membership.h"
#include "node/partition_host.h"
#include "runtime/config.h"

namespace rflow::node {

// Partitions moving off one node at once, and how far behind a standby may be to take one.
inline constexpr size_t kMaxMoves = 2;
inline constexpr cluster::Seq kHandoverLag = 1000;

struct NodeOptions {
  std::string node;
  std::string advertise;          // this node's HTTP base URL
  std::vector<std::string> nats;  // client URLs
  uint32_t partitions = 16;
  int replicas = 3;
  std::chrono::milliseconds member_ttl{10'000};
  // How long after start the first placement waits for the other members to appear;
  // default (0): member_ttl / 2.
  std::chrono::milliseconds settle{0};
  std::filesystem::path data_dir;  // partition p's store is <data_dir>/p<pp>
  bool in_memory = false;          // tests: memory stores (data_dir only names them)
  store::Durability durability = store::Durability::kSync;
  const engine::Clock* clock = nullptr;     // not owned
  engine::CallDispatcher* calls = nullptr;  // not owned; shared by the partitions
  // The project: the deployment log's first entry when the log is empty (a node started
  // with another project than the log's latest says so and does not deploy it).
  std::vector<uint8_t> module;
  // The project's doc comments (the module keeps none), kept with its entry when it seeds
  // the log.
  cluster::DocComments docs;
  engine::EngineOptions engine;
  size_t workers_per_partition = 1;
  std::chrono::milliseconds timer_poll{200};
  std::chrono::milliseconds nats_timeout{2000};
  std::chrono::milliseconds append_deadline{10'000};
  // An owner stores a snapshot of its partition in stream RF_SNAP, and trims the log
  // behind it, each time the log has grown this many entries; 0: never (nor with
  // in_memory stores). Restoring one does not depend on it.
  cluster::Seq snapshot_every = 10'000;
  // How often a standby reads its partitions' logs between control passes; 0: only at the
  // control passes (every member_ttl / 5).
  std::chrono::milliseconds follow_every{200};
  // A node that joins takes over, by handover, the partitions placement prefers it for
  // (scaleout.md §3 "Rebalancing"); false: placement is sticky (a live owner keeps all).
  bool rebalance = true;
  // Fault drills and tests: the node follows as a standby but never claims, like a node
  // whose claims never land (a control thread stuck, a log it cannot append to).
  bool drill_never_claim = false;
  std::function<void(const std::string&)> log;
  // How an outbox message reaches a partition this node does not own (engine/outbox.h;
  // the service: one hop to its owner's POST /v1/cluster/partitions/{p}/inbound). Unset:
  // only partitions owned here are reached, the others wait (a node in a test alone).
  Deliver send_inbound;
};

// rflow.toml's [cluster] in NodeOptions (the engine's parts are the caller's to add).
NodeOptions nodeOptions(const runtime::ClusterConfig& cluster);

struct OwnedPartition {
  uint32_t partition = 0;
  cluster::Epoch epoch = 0;
  std::shared_ptr<engine::Engine> engine;
};

struct OwnerEntry {
  uint32_t partition = 0;
  std::string node;  // empty: no owner known
  std::string url;
  cluster::Epoch epoch = 0;
};

struct PartitionStatus {
  uint32_t partition = 0;
  Role role = Role::kIdle;
  cluster::Epoch epoch = 0;
  std::string owner;          // the latest claim this node has seen
  cluster::Seq applied = 0;   // the last log entry read or written here (PartitionHost::position)
  cluster::Seq deployed = 0;  // an owner's last deployment log entry applied
};

// Where one partition is with a deployment (Node::deploymentProgress).
struct DeploymentProgress {
  uint32_t partition = 0;
  std::string owner;          // empty: no live owner known
  cluster::Seq deployed = 0;  // the entry its owner last said it applied
};

class Node {
 public:
  // Connects, checks the settings, joins, opens every partition's log and store, and
  // starts the heartbeat and control threads. The error says what is wrong and what to
  // do (NATS unreachable, settings that differ from the cluster's, a data directory).
  static std::variant<std::unique_ptr<Node>, std::string> start(NodeOptions options);
  // stop(): engines released, member entry deleted.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  void stop();

  const std::string& name() const { return options_.node; }
  uint32_t partitions() const { return options_.partitions; }

  std::vector<OwnedPartition> owned() const;
  std::shared_ptr<engine::Engine> engineFor(uint32_t partition) const;
  // An outbox message for `target`: applied by its engine when this node owns it, else
  // sent with NodeOptions::send_inbound. Acknowledged, or why not (the relay retries).
  Delivery deliverInbound(uint32_t target, const std::string& message) const;
  std::vector<OwnerEntry> owners() const;
  OwnerEntry ownerOf(uint32_t partition) const;
  // Reads the partition's rf-owners entry now (not at the next tick) and keeps it when its
  // epoch is not below the one known: for a front door whose forward met a node that no
  // longer owns the partition (421). The owner known afterwards.
  OwnerEntry refreshOwner(uint32_t partition);
  std::vector<PartitionStatus> status() const;

  // A value recorded once for the whole cluster in rf-cluster under `key` (create-only:
  // the first node's value sticks), read back: `value` when this call recorded it, else
  // the value another node recorded first. For settings every node must share that no
  // rflow.toml holds (the admin token's hash when no users are configured). A hint like
  // every KV value: never a safety decision.
  cluster::Result<std::string> recordOnce(const std::string& key, const std::string& value);

  // Appends a deployment to the cluster's deployment log (deployment_log.h: the same
  // version as the log's latest is not appended again) and has this node's partitions
  // apply it at once; the others' owners apply it at their next follow pass.
  cluster::Result<cluster::Published> publishDeployment(std::vector<uint8_t> module,
                                                        std::string version, std::string by,
                                                        cluster::DocComments docs = {});
  // The doc comments of deployed version `version`, as its deployment log entry keeps
  // them: the entries this node wrote, else the log's latest entry when it is that
  // version (read from NATS once, then kept). Null when neither is: an older version, or
  // an entry of format 1 (no doc comments), or a log that cannot be read now.
  std::shared_ptr<const cluster::DocComments> docsOf(std::string_view version);
  // The deployment log's last sequence (0: empty).
  cluster::Result<cluster::Seq> deploymentTail();
  // For every partition, the deployment its owner applied last: this node's own owners
  // from their engines, the others from their last heartbeat (rf-members).
  std::vector<DeploymentProgress> deploymentProgress();
  // Waits until every partition's owner has applied `seq`, or `limit` passes: the last
  // progress read.
  std::vector<DeploymentProgress> awaitDeployment(cluster::Seq seq,
                                                  std::chrono::milliseconds limit);

  // Runs one control pass now, on the calling thread (the control thread's work; tests).
  void tick();
  // Stops the heartbeat, control and follower threads WITHOUT leaving and without touching the
  // engines: the node looks to the others like one that hangs (a long pause, SIGSTOP),
  // and its member entry expires. For fault drills and tests.
  void pauseMembership();

 private:
  explicit Node(NodeOptions options);
  void heartbeatLoop();
  // How long ago the last beat reached NATS, when beats have failed since for longer than
  // the member TTL; nullopt otherwise.
  std::optional<std::chrono::milliseconds> cutOffFromNats() const;
  // A standby replays what its owner appended every follow_every, so that it is caught up
  // when it must take over, and its lag (the heartbeat's `applied`) stays small.
  void followLoop();
  // The partitions this node owns or follows, as its heartbeat publishes them.
  std::vector<MemberPartition> held() const;
  void controlLoop();
  // Snapshots of the owned partitions that are due, trimming behind what each one's
  // standby said it applied; and the redo copies of owned and followed partitions trimmed.
  void maintainHeld(const std::vector<MemberInfo>& members);
  void placePartition(PartitionHost& host, const std::vector<std::string>& live,
                      const std::map<uint32_t, OwnerInfo>& hints,
                      const std::vector<MemberInfo>& members);
  // Rebalancing: releases, at most kMaxMoves at a time, partitions this node owns whose
  // preferred owner (the first by rankFor) is another live node that follows them and has
  // caught up; that node claims them when its heartbeat read says we let go. A handover
  // whose claim is not in the log after 3 member TTLs is taken back (reclaimMoves).
  void handOver(const std::vector<std::string>& live, const std::vector<MemberInfo>& members);
  // Claims again the partitions handed over whose new owner never claimed: our claim is
  // still the latest in the log, and no one else would claim them while we are alive.
  void reclaimMoves(std::chrono::steady_clock::time_point now);
  // Whether `owner`, live, has let partition p (its claim at `epoch`) go: its heartbeat
  // says it is a standby at that epoch or later, or no longer lists p in an entry written
  // after this node learned of the claim.
  bool letGo(uint32_t p, const std::string& owner, cluster::Epoch epoch,
             const std::vector<MemberInfo>& members);
  void publishOwner(PartitionHost& host);
  // Owners behind the deployment log's tail apply what is new; a heartbeat says so at
  // once when one did. Under tick_mutex_.
  void applyDeployments();
  // Opens the deployment log and, when it is empty, makes this node's project its first
  // entry. nullopt, or why the node cannot start.
  std::optional<std::string> seedDeployments();
  // Keeps `docs` as version's doc comments (docsOf) and returns them.
  std::shared_ptr<const cluster::DocComments> keepDocs(const std::string& version,
                                                       cluster::DocComments docs);
  void say(const std::string& line) const;

  NodeOptions options_;
  std::shared_ptr<cluster::NatsClient> nats_;
  std::unique_ptr<Membership> members_;
  std::shared_ptr<cluster::DeploymentLog> deployments_;
  std::vector<std::unique_ptr<PartitionHost>> hosts_;
  std::chrono::steady_clock::time_point started_;

  std::mutex tick_mutex_;  // one control pass at a time
  mutable std::mutex owners_mutex_;
  std::mutex docs_mutex_;
  std::map<std::string, std::shared_ptr<const cluster::DocComments>, std::less<>> docs_;
  std::map<uint32_t, OwnerInfo> owners_;  // the last rf-owners read, with our own claims

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool paused_ = false;
  bool woken_ = false;
  bool deployment_due_ = false;  // a deployment was published here: the follower applies it
  // Our rf-members entry was written (and not yet deleted): stop() deletes it. Not set by
  // a start refused for a live twin, whose entry is not ours. Under tick_mutex_.
  bool joined_ = false;
  // Set by the heartbeat thread, read by the control pass: when the last beat reached
  // NATS (steady clock), and whether a beat failed since. A node whose beats fail for
  // longer than the TTL has lost its member entry, and another node may claim its
  // partitions: it lets them go (cutOffFromNats). Beats that were not tried (a stopped
  // process) do not count: the log fences such an owner's first append (S4).
  std::atomic<int64_t> last_beat_ms_{0};
  std::atomic<bool> beat_failing_{false};
  std::thread heartbeat_;
  std::thread control_;
  std::thread follower_;
  // Partitions handed over whose new owner's claim is not seen yet, with when to give up
  // waiting. Control thread only.
  std::map<uint32_t, std::chrono::steady_clock::time_point> moving_;
  // Partitions whose handover did not land, and until when none is tried again (so that a
  // preferred node that cannot claim does not make the partition change hands every
  // few seconds). Control thread only.
  std::map<uint32_t, std::chrono::steady_clock::time_point> not_before_;
  // Per partition, the latest owner's claim this node learned of and the revision of that
  // owner's member entry at the time (letGo). Control thread only.
  struct ClaimSeen {
    std::string owner;
    cluster::Epoch epoch = 0;
    uint64_t revision = 0;  // the latest revision of its entry seen since
    int newer = 0;          // how many newer entries were seen since
  };
  std::map<uint32_t, ClaimSeen> claims_seen_;
  // Per partition, the last problem applying deployments that was said. Under tick_mutex_.
  std::map<uint32_t, std::string> deploy_problems_;
};

}  // namespace rflow::node
