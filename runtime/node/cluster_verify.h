// `rflow cluster verify` (issue 19; docs/cluster.md "Verifying a cluster"): for each
// partition, checks its log alone (every entry decodes, sequences gap-free from the first
// kept entry, epochs never go down and every claim is above all before it), then rebuilds
// the partition in a scratch directory from its newest snapshot and its log, with the
// replay a standby and a new owner use (replay/replay.h), up to the position the owner's
// digest was taken at, and compares the two digests (replay/state_digest.h). Where they
// differ, it pages through the owner's keys of the first differing column family and
// names the first key that differs, with both values.
//
// Invariants: it creates nothing in NATS (a partition whose log or the snapshot stream is
// not there is reported, not made) and writes only under VerifyOptions::work_dir, which it
// empties of its rebuilds afterwards. The owner is asked through OwnerAsk (the CLI's is
// HTTP with the cluster's admin token; runtime/node links no HTTP client). Everything it
// reports says what was found, where, and what to do.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cluster/nats_client.h"
#include "cluster/partition_log.h"
#include "node/membership.h"
#include "replay/state_digest.h"

namespace rflow::node {

// How the verifier reaches a partition's owner: its digest, and a page of one column's
// keys after `after` (replay::StatePage). An error Status says why not (unreachable,
// token refused, not the owner any more), for the operator.
struct OwnerAsk {
  std::function<cluster::Result<replay::StateDigest>(const OwnerInfo& owner, uint32_t partition)>
      digest;
  std::function<cluster::Result<replay::StatePage>(
      const OwnerInfo& owner, uint32_t partition, store::Column column,
      const std::optional<std::string>& after, size_t limit)>
      page;
};

struct VerifyOptions {
  std::optional<uint32_t> partition;  // only this one; all when none
  std::filesystem::path work_dir;     // the rebuilds go under it (and are removed)
  OwnerAsk ask;
  size_t page_keys = 500;  // keys per page when looking for the first difference
};

// The first key where the owner's store and the rebuild differ.
struct Mismatch {
  store::Column column = store::Column::kMeta;
  std::string key;
  std::optional<std::string> owner_value;    // none: the owner has no such key
  std::optional<std::string> rebuilt_value;  // none: the rebuild has no such key
  cluster::Seq at = 0;                       // the applied log position compared
};

struct PartitionVerdict {
  uint32_t partition = 0;
  OwnerInfo owner;  // from rf-owners; node empty when none
  cluster::LogBounds log;
  cluster::Seq position = 0;             // where the owner's state and the rebuild were compared
  std::optional<cluster::Seq> snapshot;  // the snapshot's sequence the rebuild started from
  uint64_t replayed = 0;                 // commit groups the rebuild applied from the log
  bool compared = false;                 // the owner's digest was compared with a rebuild
  std::optional<Mismatch> mismatch;
  std::vector<std::string> problems;  // each says what, where and what to do; none: clean
  bool ok() const { return problems.empty(); }
};

struct VerifyReport {
  std::string where;  // the NATS servers asked
  uint32_t partitions = 0;
  std::vector<PartitionVerdict> verdicts;
  bool ok() const;
};

// The whole check; a failed Status only when the cluster cannot be read at all (no NATS,
// no cluster created there, --partition out of range).
cluster::Result<VerifyReport> verifyCluster(std::shared_ptr<cluster::NatsClient> nats,
                                            const VerifyOptions& options);

// The log alone (above): one problem per finding, in log order; none when it holds.
std::vector<std::string> checkLog(cluster::PartitionLog& log);

// As text for people, and as JSON for scripts.
std::string formatVerify(const VerifyReport& report);
std::string verifyJson(const VerifyReport& report);

}  // namespace rflow::node
