// The owner map of a cluster node as the front door's directory, and the services of the
// partitions it owns (node_directory.h).
#include "service/node_directory.h"

#include <fmt/format.h>

#include "engine/partition.h"
#include "service/service.h"

namespace rflow::service {

struct NodeDirectory::Served {
  std::shared_ptr<engine::Engine> engine;
  std::shared_ptr<Service> service;
  std::shared_ptr<Router> router;
  std::unique_ptr<Scheduler> scheduler;
};

Service::DeploymentPublisher deploymentPublisher(node::Node& node, std::chrono::milliseconds wait) {
  return [&node, wait](std::vector<uint8_t> module, const std::string& version,
                       const std::string& by, const runtime::DocTable& docs) -> Outcome {
    auto published =
        node.publishDeployment(std::move(module), version, by.empty() ? "(unnamed)" : by, docs);
    if (!published.ok())
      return ApiError{published.status().kind() == cluster::ErrorKind::kRefused
                          ? ApiError::Code::kTooLarge
                          : ApiError::Code::kUnavailable,
                      "the deployment could not be added to the cluster's deployment log, so "
                      "nothing was deployed: " +
                          published.status().message()};
    const cluster::Seq seq = published.value().seq;
    nlohmann::json applied = nlohmann::json::array();
    nlohmann::json pending = nlohmann::json::array();
    for (const node::DeploymentProgress& d : node.awaitDeployment(seq, wait)) {
      if (d.deployed >= seq) {
        applied.push_back(d.partition);
        continue;
      }
      pending.push_back({{"partition", d.partition},
                         {"owner", d.owner.empty() ? nlohmann::json() : nlohmann::json(d.owner)},
                         {"deployed", d.deployed}});
    }
    const bool complete = pending.empty();
    return nlohmann::json{{"sequence", seq},
                          {"appended", published.value().appended},
                          {"complete", complete},
                          {"applied", std::move(applied)},
                          {"pending", std::move(pending)}};
  };
}

uint32_t schedulePartition(std::string_view qualified_workflow, uint32_t partitions) {
  return engine::partitionFor(qualified_workflow, "", partitions);
}

NodeDirectory::NodeDirectory(node::Node& node, PartitionServing serving)
    : node_(node), serving_(std::move(serving)), served_(node.partitions()) {}

NodeDirectory::~NodeDirectory() {
  stop();
}

void NodeDirectory::say(const std::string& line) const {
  if (serving_.log) serving_.log(line);
}

std::shared_ptr<NodeDirectory::Served> NodeDirectory::build(
    uint32_t partition, std::shared_ptr<engine::Engine> engine) const {
  auto s = std::make_shared<Served>();
  s->engine = std::move(engine);
  s->service = std::make_shared<Service>(*s->engine, *serving_.connectors, *serving_.config);
  // Whichever version the partition runs, its doc comments are those its deployment log
  // entry keeps: the project this node was started with may be another version.
  s->service->setDocsSource(
      [&node = node_](std::string_view version) { return node.docsOf(version); });
  s->service->setPartition(partition);
  s->service->setDeploymentPublisher(deploymentPublisher(node_, serving_.deployment_wait));
  if (serving_.breakers) s->service->setBreakers(serving_.breakers);
  // Model uploads are kept per store and are not served in a cluster yet (501): no store.
  s->service->setModels(serving_.models, nullptr);
  s->router = std::make_shared<Router>(*s->service, *serving_.auth,
                                       serving_.config->service.metrics_open, serving_.limits);
  const uint32_t n = count();
  SchedulerOptions so;
  so.poll_ms = serving_.poll_ms;
  so.timers = false;  // the partition host's timer thread fires them
  so.fires = [partition, n](std::string_view workflow) {
    return schedulePartition(workflow, n) == partition;
  };
  so.log = [this, partition](const std::string& line) {
    say(fmt::format("partition {}: {}", partition, line));
  };
  s->scheduler = std::make_unique<Scheduler>(*s->engine, std::move(so));
  s->scheduler->start();
  say(fmt::format("partition {}: served here", partition));
  return s;
}

std::shared_ptr<NodeDirectory::Served> NodeDirectory::reconcile(uint32_t partition) const {
  std::shared_ptr<engine::Engine> engine = node_.engineFor(partition);
  std::shared_ptr<Served> dropped;
  std::lock_guard lock(mutex_);
  std::shared_ptr<Served>& entry = served_.at(partition);
  if (entry && entry->engine == engine) return entry;
  if (entry) {
    // Lost (another owner, fenced, the node stopping) or claimed again with a new engine.
    entry->scheduler->stop();
    dropped = std::move(entry);
    say(fmt::format("partition {}: no longer served here", partition));
  }
  if (engine && !stopped_) entry = build(partition, std::move(engine));
  return entry;
}

PartitionTarget NodeDirectory::target(uint32_t partition) const {
  if (partition >= count()) return UnknownTarget{"no such partition"};
  if (std::shared_ptr<Served> s = reconcile(partition)) {
    // Aliasing pointers: each keeps the whole entry (and so the engine) alive.
    return LocalTarget{std::shared_ptr<const Router>(s, s->router.get()),
                       std::shared_ptr<Service>(s, s->service.get())};
  }
  node::OwnerEntry owner = node_.ownerOf(partition);
  // None known at the last control pass: perhaps claimed since (another node's claim is
  // seen here only at the next pass); ask NATS now rather than answer 503.
  if (owner.node.empty()) owner = node_.refreshOwner(partition);
  if (owner.node.empty()) return UnknownTarget{"no node has claimed it yet"};
  if (owner.node == node_.name())
    return UnknownTarget{"this node is claiming it or giving it up; its engine is not open"};
  if (owner.url.empty())
    return UnknownTarget{fmt::format("its owner {} advertised no URL", owner.node)};
  return RemoteTarget{owner.url, owner.node, owner.epoch};
}

void NodeDirectory::refresh(uint32_t partition) const {
  if (partition < count()) (void)node_.refreshOwner(partition);
}

void NodeDirectory::sync() const {
  for (uint32_t p = 0; p < count(); ++p)
    (void)reconcile(p);
}

std::vector<uint32_t> NodeDirectory::served() const {
  std::vector<uint32_t> out;
  std::lock_guard lock(mutex_);
  for (uint32_t p = 0; p < served_.size(); ++p) {
    if (served_[p]) out.push_back(p);
  }
  return out;
}

void NodeDirectory::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(wake_mutex_);
    while (!stopping_) {
      lock.unlock();
      sync();
      lock.lock();
      wake_.wait_for(lock, std::chrono::milliseconds(serving_.poll_ms),
                     [this] { return stopping_; });
    }
  });
}

void NodeDirectory::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<std::shared_ptr<Served>> dropped;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    dropped.swap(served_);
    served_.resize(dropped.size());
  }
  for (auto& s : dropped) {
    if (s) s->scheduler->stop();
  }
}

}  // namespace rflow::service
