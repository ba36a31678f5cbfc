// PartitionDirectory: what a cluster's front door (partition_router.h) needs to know about
// partitions, and nothing more: how many there are (fixed when the cluster is created) and,
// for each, who serves it now. The node side (runtime/node/: claims, standbys, the owner
// map partition -> {node, url, epoch}) implements it; StaticDirectory is a fixed map, for
// tests and for a cluster whose placement is written in its configuration.
//
// Invariants an implementation keeps:
//   - count() never changes while a front door uses it, and is 1..engine::kMaxPartitions.
//   - target(p) is thread-safe and answers what this node believes NOW; it may change
//     between two calls (a claim, a fence). A LocalTarget's shared pointers keep the
//     partition's Router and Service alive for as long as a request holds them, even if
//     the node gives the partition up meanwhile (that request then fails in the engine,
//     fenced, and says who owns it).
//   - refresh(p) is thread-safe too; target(p) after it answers the refreshed owner.
//   - A partition is LOCAL only on the node whose engine has claimed it (its log writer is
//     not fenced); anything else is REMOTE (the owner's base URL) or UNKNOWN.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "service/router.h"
#include "service/service.h"

namespace rflow::service {

// This node serves the partition: requests go to its Router in-process.
struct LocalTarget {
  std::shared_ptr<const Router> router;
  std::shared_ptr<Service> service;
};
// Another node owns it: requests are forwarded to `base_url` ("http://10.0.0.2:8080").
struct RemoteTarget {
  std::string base_url;
  std::string node;    // the owner's name, for messages
  uint64_t epoch = 0;  // the owner's claim epoch, for messages
};
// Nobody is known to own it (no claim seen yet, the owner's membership expired): `why`
// says what this node knows, for the 503's message.
struct UnknownTarget {
  std::string why;
};
using PartitionTarget = std::variant<LocalTarget, RemoteTarget, UnknownTarget>;

class PartitionDirectory {
 public:
  virtual ~PartitionDirectory() = default;
  virtual uint32_t count() const = 0;
  virtual PartitionTarget target(uint32_t partition) const = 0;
  // Reads who owns `partition` again from the source of truth's hints (not a cache), after
  // a forwarded request met a node that no longer owns it (421). Default: nothing to
  // refresh (a fixed map).
  virtual void refresh(uint32_t /*partition*/) const {}
  // The partitions share one deployment log (a cluster node, docs/cluster.md
  // "Deployments"): a deployment is handed to ONE partition's Service, which appends it to
  // the log, instead of to each partition. False: each partition is sent it.
  virtual bool sharedDeployments() const { return false; }
};

// A fixed placement: one target per partition, given at construction.
class StaticDirectory final : public PartitionDirectory {
 public:
  explicit StaticDirectory(std::vector<PartitionTarget> targets) : targets_(std::move(targets)) {}
  uint32_t count() const override { return static_cast<uint32_t>(targets_.size()); }
  PartitionTarget target(uint32_t partition) const override {
    if (partition >= targets_.size()) return UnknownTarget{"no such partition"};
    return targets_[partition];
  }

 private:
  std::vector<PartitionTarget> targets_;
};

}  // namespace rflow::service
