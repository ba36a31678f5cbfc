// NodeDirectory: the front door's PartitionDirectory (partition_directory.h) on a cluster
// node (runtime/node/node.h; docs/cluster.md, "Running a cluster"). For each partition:
//   - LOCAL when the node owns it now (Node::engineFor(p) is an engine): its own Service,
//     Router and cron Scheduler over that engine, built when the node took the partition
//     and dropped when it lost it or was fenced (the engine handed out changed or went);
//   - REMOTE when another node owns it: the owner's advertised URL from Node::ownerOf(p)
//     (the node's owner map, a hint: a stale one costs a 421 and a refresh(); when the
//     map knows no owner yet, the partition's entry is read from NATS at once);
//   - UNKNOWN when no owner is known, or the map names this node while it has no engine
//     (a claim under way, or a partition being given up).
//
// Schedules: every partition has the same deployment, so each `on schedule` trigger fires
// on one partition only, the one its workflow's name hashes to:
// partitionFor(qualified workflow, "") (engine/partition.h), on whichever node owns it.
// Each owned partition's Scheduler fires only those triggers, and no timers (the
// partition host fires its own).
//
// Invariants: a Served entry holds the engine it was built over, so a LocalTarget handed
// to a request keeps the engine, Service and Router alive until the request ends, even if
// the partition is dropped meanwhile (the request then fails in the engine, fenced).
// Thread-safe: target()/refresh()/sync() from any thread. stop() drops every entry and
// must come before the Node stops (the engines are the node's to release).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "node/node.h"
#include "runtime/config.h"
#include "runtime/connector.h"
#include "service/partition_directory.h"
#include "service/router.h"
#include "service/scheduler.h"
#include "service/service.h"

namespace rflow::runtime {
class ModelRegistry;
}

namespace rflow::service {

// What each owned partition's Service and Router are made with (shared by all of them;
// everything pointed to outlives the directory).
struct PartitionServing {
  const runtime::ConnectorSet* connectors = nullptr;
  const runtime::Config* config = nullptr;
  const Authenticator* auth = nullptr;
  RequestLimits limits;
  std::function<std::vector<runtime::BreakerView>()> breakers;
  runtime::ModelRegistry* models = nullptr;
  int64_t poll_ms = 200;  // the schedulers' and sync()'s period
  // How long POST /v1/deployments waits for every partition to apply a deployment.
  std::chrono::milliseconds deployment_wait{5000};
  std::function<void(const std::string&)> log;
};

// A cluster node's deployment publisher (Service::setDeploymentPublisher): appends the
// module to the cluster's deployment log and waits up to `wait` for every partition's
// owner to apply it. Answers {"sequence", "appended" (false: the log's latest entry was
// this version already), "complete", "applied": [p…], "pending":
// [{"partition", "owner", "deployed"}]}; a log that cannot be written is 503.
Service::DeploymentPublisher deploymentPublisher(node::Node& node, std::chrono::milliseconds wait);

// The partition a workflow's `on schedule` triggers fire on.
uint32_t schedulePartition(std::string_view qualified_workflow, uint32_t partitions);

class NodeDirectory final : public PartitionDirectory {
 public:
  NodeDirectory(node::Node& node, PartitionServing serving);
  ~NodeDirectory() override;
  NodeDirectory(const NodeDirectory&) = delete;
  NodeDirectory& operator=(const NodeDirectory&) = delete;

  uint32_t count() const override { return node_.partitions(); }
  PartitionTarget target(uint32_t partition) const override;
  void refresh(uint32_t partition) const override;
  bool sharedDeployments() const override { return true; }

  // Builds what the partitions the node took need, and drops what those it lost had:
  // every poll_ms on its own thread once started (and for a partition on each target()).
  void sync() const;
  void start();
  // Stops the thread and the schedulers, and drops every entry.
  void stop();
  // The partitions served here now, in order (what sync() last saw).
  std::vector<uint32_t> served() const;

 private:
  struct Served;
  // The entry for `partition` matching the node's engine now: kept, built or dropped.
  std::shared_ptr<Served> reconcile(uint32_t partition) const;
  std::shared_ptr<Served> build(uint32_t partition, std::shared_ptr<engine::Engine> engine) const;
  void say(const std::string& line) const;

  node::Node& node_;
  PartitionServing serving_;
  mutable std::mutex mutex_;  // served_, stopped_
  mutable std::vector<std::shared_ptr<Served>> served_;
  bool stopped_ = false;  // after stop(), nothing is built again

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rflow::service
