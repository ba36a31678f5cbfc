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
// The rf-cluster key of the token the outbox relays present to each other (admin).
constexpr std::string_view kRelayTokenKey = "relay_token";
// How long the outbox relay's hop waits for the owner (HttpRequest::forward_timeout).
constexpr std::chrono::milliseconds kRelayHopTimeout{5000};

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
  no.engine.commits.nice = config.engine.commit_nice;
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

std::optional<std::string> Server::clusterRelay() {
  Parts& p = *parts_;
  std::optional<std::string> token = newAdminToken();
  if (!token) return "the system could not provide random bytes for the outbox relay's token";
  // One token for the whole cluster, kept in NATS (bucket rf-cluster) like the settings:
  // whoever can read the cluster's NATS can rewrite its logs anyway.
  auto recorded = p.node->recordOnce(std::string(kRelayTokenKey), *token);
  if (!recorded.ok())
    return "the cluster's relay token cannot be read from NATS: " + recorded.status().message();
  if (recorded.value().size() < 32)
    return fmt::format(
        "the cluster's relay token in NATS (bucket {}, key {}) is too short; delete the key "
        "and restart the nodes",
        node::kClusterBucket, kRelayTokenKey);
  p.relay_token = recorded.value();
  p.auth->add({"cluster-relay", {std::string(kAdminRole)}, sha256(p.relay_token)});
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

  node::NodeOptions no =
      nodeOptionsFor(p.config, data_, *o.clock, *p.calls, *o.built.module, p.models, log);
  no.docs = compiler::collectDocs(o.built.check.program);
  // Outbox messages for partitions owned elsewhere go through this node's front door: one
  // hop to the owner's inbound route, a 421 refreshed and retried once, like any request.
  no.send_inbound = [&p](uint32_t target, const std::string& message) -> node::Delivery {
    const PartitionRouter* front = p.relay_front.load();
    if (!front) return {false, "this node's front door is not serving yet"};
    HttpRequest request;
    request.method = "POST";
    request.path = fmt::format("/v1/cluster/partitions/{}/inbound", target);
    request.authorization = "Bearer " + p.relay_token;
    request.content_type = "application/octet-stream";
    request.body = message;
    // Applying a message is one step: a healthy owner answers in milliseconds. A hung one
    // is retried after the relay's backoff; meanwhile the relay stays free to stop.
    request.forward_timeout = kRelayHopTimeout;
    const HttpReply reply = front->handle(request);
    if (reply.status == 200) return {true, {}};
    return {false, fmt::format("HTTP {}: {}", reply.status, reply.body.substr(0, 300))};
  };
  auto started = node::Node::start(std::move(no));
  if (auto* problem = std::get_if<std::string>(&started))
    return "this node cannot join the cluster: " + *problem;
  p.node = std::move(std::get<std::unique_ptr<node::Node>>(started));

  p.auth = std::make_unique<Authenticator>(Authenticator::fromConfig(p.config));
  if (p.auth->empty()) {
    if (auto problem = clusterAdmin(log)) return *problem;
  }
  if (auto problem = clusterRelay()) return *problem;

  PartitionServing serving;
  serving.connectors = p.connectors.get();
  serving.config = &p.config;
  serving.auth = p.auth.get();
  serving.limits = options.limits;
  serving.breakers = [calls = p.calls.get()] { return calls->breakers(); };
  serving.models = &p.models;
  serving.poll_ms = options.poll_ms;
  serving.log = [&log](const std::string& line) { log.info(line); };
  p.directory = std::make_unique<NodeDirectory>(*p.node, std::move(serving));
  p.front = std::make_unique<PartitionRouter>(*p.directory, options.limits);
  if (auto problem = bindHttp(options, o, *p.front)) return *problem;
  checkAdvertise(cluster.advertise, port_, log);

  p.relay_front = p.front.get();
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
  p.relay_front = nullptr;
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
