// What a cluster looks like, read from NATS alone (`rflow cluster status`, issue 19): the
// settings recorded in rf-cluster, the live members and what their heartbeats say they
// hold, the owner map, each partition's log as its stream's leader sees it, and the
// deployment log's tail against the deployment each partition's owner says it applied.
//
// Invariants: reading creates nothing (no bucket, no stream) and joins nothing, so it is
// safe against a running cluster and says "no cluster" when there is none. Everything
// but the logs' sequences and replicas is a hint (membership.h): the report shows what
// the nodes last said, never who may write; the warnings name what an operator should
// look at.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cluster/nats_client.h"
#include "node/membership.h"

namespace rflow::node {

// A standby that has applied fewer than this many of its log's entries is reported as
// lagging (it would replay them before it could take over).
inline constexpr uint64_t kLaggingEntries = 1000;

struct HolderReport {
  std::string node;
  cluster::Epoch epoch = 0;
  cluster::Seq applied = 0;   // as its last heartbeat said
  cluster::Seq deployed = 0;  // an owner's: the deployment log entry it applied last
};

struct PartitionReport {
  uint32_t partition = 0;
  bool has_log = false;  // its stream exists
  cluster::Seq last_seq = 0;
  std::string leader;                            // the NATS server leading the stream
  std::vector<cluster::ReplicaState> followers;  // the other replicas, as the leader sees them
  OwnerInfo owner;                               // rf-owners; node empty when none
  bool owner_live = false;                       // the owner has a live member entry
  std::optional<HolderReport> owner_said;        // the owner's heartbeat about it
  std::vector<HolderReport> standbys;            // live members that say they follow it
};

struct ClusterReport {
  std::string where;  // the NATS servers asked
  ClusterSettings settings;
  std::vector<MemberInfo> members;
  std::vector<PartitionReport> partitions;
  // The deployment log (stream RF_DEPLOY): its last entry, and that entry's version and
  // sender; nullopt when the stream does not exist (a cluster from before it).
  std::optional<cluster::Seq> deployments_tail;
  std::string deployed_version;
  std::string deployed_by;
  std::vector<std::string> warnings;
};

// The report; a kNotFound Status when no rflow cluster was created on these servers.
cluster::Result<ClusterReport> readClusterReport(cluster::NatsClient& nats);

// As a table for people, and as JSON for scripts.
std::string formatReport(const ClusterReport& report);
std::string reportJson(const ClusterReport& report);

}  // namespace rflow::node
