// `rflow serve` as one node of a cluster (serve.h; docs/cluster.md "Running a cluster"):
// a node::Node for the partitions, a NodeDirectory over it, a PartitionRouter in front.
#include <fmt/format.h>

#include <filesystem>

#include "bytecode/write.h"
#include "driver/docs.h"
#include "service/serve_parts.h"

namespace rflow::service {

namespace fs = std::filesystem;

namespace {

// The rf-cluster key of the admin token's hash, when rflow.toml configures no users.
constexpr std::string_view kAdminTokenKey = "admin_token_sha256";

node::NodeOptions nodeOptionsFor(const runtime::Config& config, const std::string& data,
                                 const engine::Clock& clock, engine::CallDispatcher& calls,
                                 bytecode::Module& module, runtime::ModelRegistry& models,
                                 const Log& log) {
  node::NodeOptions no = node::nodeOptions(config.cluster);
  no.data_dir = data;
  no.durability = config.engine.durability == runtime::Durability::kSync
                      ? store::Durability::kSync
                      : store::Durability::kAsync;
  no.clock = &clock;
  no.calls = &calls;
  no.module = bytecode::writeModule(module);
  no.engine.classifiers = &models;
  // [engine] workers is the node's: shared out over the partitions (each one at least).
  no.workers_per_partition = std::max<size_t>(1, config.engine.workers / config.cluster.partitions);
  no.log = [&log](const std::string& line) { log.info(line); };
  return no;
}

// A warning when the URL the other nodes forward to names another port than the one this
// node listens on (they would forward into nothing, or to another process).
void checkAdvertise(const std::string& advertise, int port, const Log& log) {
  auto url = runtime::parseHttpUrl(advertise);
  if (auto* endpoint = std::get_if<runtime::HttpEndpoint>(&url); endpoint && endpoint->port != port)
    log.warning(fmt::format(
        "cluster.advertise is {}, but this node listens on port {}: the other nodes forward "
        "requests to the advertised URL, so it must reach this node (set it, or --listen)",
        advertise, port));
}

}  // namespace

std::optional<std::string> Server::clusterAdmin(const Log& log) {
  Parts& p = *parts_;
  std::optional<std::string> token = newAdminToken();
  if (!token) return "the system could not provide random bytes for an admin token";
  auto recorded = p.node->recordOnce(std::string(kAdminTokenKey), hexOf(sha256(*token)));
  if (!recorded.ok())
    return "the cluster's admin token cannot be read from NATS: " + recorded.status().message();
  auto digest = parseDigest(recorded.value());
  if (!digest)
    return fmt::format(
        "the cluster's admin token hash in NATS (bucket {}, key {}) is not 64 hex digits; "
        "delete the key to have the next node make a new token",
        node::kClusterBucket, kAdminTokenKey);
  if (recorded.value() == hexOf(sha256(*token))) {
    log.info(fmt::format(
        "rflow.toml configures no users, so an admin token was made for the whole cluster. "
        "It is shown only now, by this first node; every node accepts it (its SHA-256 is kept "
        "in NATS, bucket {}):\n\n    {}\n",
        node::kClusterBucket, *token));
  } else {
    log.info(
        "rflow.toml configures no users: this node accepts the cluster's admin token, the one "
        "its first node printed");
  }
  p.auth->add({"admin", {std::string(kAdminRole)}, *digest});
  return std::nullopt;
}

std::optional<std::string> Server::openCluster(const ServeOptions& options, Opening& o) {
  Parts& p = *parts_;
  const Log& log = *o.log;
  const runtime::ClusterConfig& cluster = p.config.cluster;
  data_ = options.data.empty() ? (o.project_dir / ".rflow-cluster" / cluster.node).string()
                               : options.data;
  std::error_code ec;
  fs::create_directories(data_, ec);
  if (ec) return fmt::format("cannot create the data directory {}: {}", data_, ec.message());
  if (!p.config.backup.dir.empty())
    log.warning(
        "[backup] is not used by a cluster node: backups of a partitioned store are not built "
        "yet (docs/cluster.md); the partition logs in NATS hold every committed step");

  auto started = node::Node::start(
      nodeOptionsFor(p.config, data_, *o.clock, *p.calls, *o.built.module, p.models, log));
  if (auto* problem = std::get_if<std::string>(&started))
    return "this node cannot join the cluster: " + *problem;
  p.node = std::move(std::get<std::unique_ptr<node::Node>>(started));

  p.auth = std::make_unique<Authenticator>(Authenticator::fromConfig(p.config));
  if (p.auth->empty()) {
    if (auto problem = clusterAdmin(log)) return *problem;
  }

  PartitionServing serving;
  serving.connectors = p.connectors.get();
  serving.config = &p.config;
  serving.auth = p.auth.get();
  serving.limits = options.limits;
  serving.docs = compiler::collectDocs(o.built.check.program);
  serving.breakers = [calls = p.calls.get()] { return calls->breakers(); };
  serving.models = &p.models;
  serving.poll_ms = options.poll_ms;
  serving.log = [&log](const std::string& line) { log.info(line); };
  p.directory = std::make_unique<NodeDirectory>(*p.node, std::move(serving));
  p.front = std::make_unique<PartitionRouter>(*p.directory, options.limits);
  if (auto problem = bindHttp(options, o, *p.front)) return *problem;
  checkAdvertise(cluster.advertise, port_, log);

  p.directory->start();
  p.http->start();
  log.info(fmt::format(
      "node {} of a cluster of {} partitions at {}/v1 (advertised as {}; NATS {}; data in {}): "
      "{} workflows in its project (the cluster runs its deployment log's latest)",
      cluster.node, cluster.partitions, url_, cluster.advertise, fmt::join(cluster.nats, ", "),
      data_, o.built.module->workflows.size()));
  return std::nullopt;
}

void Server::stopCluster() {
  Parts& p = *parts_;
  if (p.http) p.http->stop();
  // The services and schedulers first: they hold the node's engines.
  if (p.directory) p.directory->stop();
  // Engines released, the member entry deleted: the standbys claim at their next pass.
  p.node->stop();
  p.calls.reset();
  p.http.reset();
  p.front.reset();
  p.directory.reset();
  p.node.reset();
  parts_.reset();
  engine_ = nullptr;
}

}  // namespace rflow::service
