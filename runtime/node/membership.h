// Membership and the cluster's hints in NATS key-value buckets (scaleout.md §4):
//   rf-cluster  the settings fixed when the cluster was created (partitions, replicas,
//               member TTL), written create-only by the first node; a node configured
//               otherwise refuses to start.
//   rf-members  one key per live node: {node, url, started_ms, partitions}, the bucket's
//               TTL the member TTL, written every TTL/5 (a heartbeat); `partitions` is
//               what the node holds (role, epoch, the last log entry applied, and an
//               owner's last deployment applied), for
//               `rflow cluster status`. A node whose key expired
//               is taken for dead, and its partitions are claimed by their standbys.
//   rf-owners   partition ("p07") -> {node, url, epoch}: who owns it, for routing. Written
//               with a plain Put by the owner after its claim is in the log.
//
// Invariant (H1): everything here is a HINT. No safety decision reads KV: a partition's
// owner is the latest claim in its log, and an owner that is wrong about it is fenced by
// the log's sequence check. Reading a stale value here costs a needless claim or a
// forwarded request that is refused and retried, never two owners writing.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/nats_client.h"
#include "cluster/partition_log.h"

namespace rflow::node {

inline constexpr std::string_view kClusterBucket = "rf-cluster";
inline constexpr std::string_view kMembersBucket = "rf-members";
inline constexpr std::string_view kOwnersBucket = "rf-owners";

struct ClusterSettings {
  uint32_t partitions = 0;
  int replicas = 0;
  int64_t member_ttl_ms = 0;
};

// Records `wanted` as the cluster's settings if none are recorded yet, then reads back what
// is recorded: nullopt when it matches, else what differs and what to do, naming the
// rflow.toml keys. (Two first nodes racing with different settings: each reads back the
// one value that stuck, and the one whose value lost refuses.)
cluster::Result<std::optional<std::string>> checkClusterSettings(cluster::NatsClient& nats,
                                                                 const ClusterSettings& wanted);
// The settings recorded in rf-cluster; nullopt when no node has recorded any (or the
// bucket does not exist). Does not create anything.
cluster::Result<std::optional<ClusterSettings>> readClusterSettings(cluster::NatsClient& nats);

// A partition a member owns or follows, as its last heartbeat said.
struct MemberPartition {
  uint32_t partition = 0;
  std::string role;  // "owner" or "standby" (roleName)
  cluster::Epoch epoch = 0;
  cluster::Seq applied = 0;
  // An owner's: the global deployment log's entry the partition applied last (0: none, or
  // a node from before the deployment log).
  cluster::Seq deployed = 0;
  bool operator==(const MemberPartition&) const = default;
};

struct MemberInfo {
  std::string node;
  std::string url;  // the node's advertised HTTP base URL
  int64_t started_ms = 0;
  std::vector<MemberPartition> partitions;  // entries written before carry none
  // The KV revision the entry was read at (not encoded: each heartbeat has a higher one).
  uint64_t revision = 0;
};

std::string encodeMember(const MemberInfo& m);
std::optional<MemberInfo> decodeMember(std::string_view text);

struct OwnerInfo {
  std::string node;
  std::string url;
  cluster::Epoch epoch = 0;
};

std::string encodeOwner(const OwnerInfo& o);
std::optional<OwnerInfo> decodeOwner(std::string_view text);
// "p07": the rf-owners key of a partition.
std::string ownerKey(uint32_t partition);

// The members whose entries have not expired, by name (entries that do not decode are
// skipped: a newer node's format). kNotFound when rf-members does not exist.
cluster::Result<std::vector<MemberInfo>> readMembers(cluster::NatsClient& nats);

// `node`'s entry among `members`; null when it has none.
const MemberInfo* memberNamed(const std::vector<MemberInfo>& members, std::string_view node);

// This node's entry in rf-members, and the members' list.
class Membership {
 public:
  Membership(std::shared_ptr<cluster::NatsClient> nats, MemberInfo self,
             std::chrono::milliseconds ttl, int replicas)
      : nats_(std::move(nats)), self_(std::move(self)), ttl_(ttl), replicas_(replicas) {}
  // Creates (or binds) rf-members with the TTL, and rf-owners.
  cluster::Status open();
  // Writes this node's entry again (its TTL starts over), saying it holds `partitions`.
  // From any thread (the heartbeat, and a control pass that just handed partitions over).
  cluster::Status beat(std::vector<MemberPartition> partitions = {});
  // Removes this node's entry (a clean stop: the others need not wait for the TTL).
  cluster::Status leave();
  // The members whose entries have not expired, by name (entries that do not decode are
  // skipped: a newer node's format).
  cluster::Result<std::vector<MemberInfo>> live();
  const MemberInfo& self() const { return self_; }
  std::chrono::milliseconds ttl() const { return ttl_; }

 private:
  std::shared_ptr<cluster::NatsClient> nats_;
  std::mutex mutex_;  // self_.partitions
  MemberInfo self_;
  std::chrono::milliseconds ttl_;
  int replicas_;
};

}  // namespace rflow::node
