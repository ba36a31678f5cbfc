// Serve: `rflow serve` assembled (runtime.md §2, §7) — the project built and deployed,
// rflow.toml's connectors and users, the store in the data directory, the engine with
// its workers, the scheduler (timers and cron triggers) and the HTTP server. The CLI and
// the tests both start the service through Server::open, so what is tested is what runs.
//
// HTTPS when rflow.toml's [service] has tls_cert and tls_key (tls.h); otherwise plain
// HTTP, with a warning at start when the address is reachable from other machines.
//
// Data directory: --data, else `.rflow-data` inside the project directory (inside the
// directory holding the file, when PATH is one .rflow file). It holds the RocksDB
// database and, when rflow.toml configures no users, admin-token.sha256.
//
// Shutdown order matters and is fixed in stop(): stop taking requests, stop the
// scheduler, stop the engine's workers, drain the connector pool (its answers go to the
// engine, which must still exist), then close the engine and the store.
//
// A cluster node (docs/cluster.md, "Running a cluster") when the configuration has a
// [cluster] section (rflow.toml's, or the one of ServeOptions::cluster, which replaces
// it): a node::Node instead of one engine (each partition it owns is a store in
// <data>/p07 with its own engine, the project deployed on each claim), a NodeDirectory
// over it (each owned partition's Service, Router and cron Scheduler) and a
// PartitionRouter as the front door. Data directory default: <project>/.rflow-cluster/
// <node>, so that two nodes started by hand from one project do not share one. With no
// [[auth.users]], the admin token is the cluster's: made and printed by the first node,
// its hash recorded in NATS (rf-cluster), accepted by every node. Its stop: no new
// requests, the directory's schedulers and services dropped, the node stopped (engines
// released, its member entry deleted so the others take its partitions at once), then
// the connector pool drained.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "engine/engine.h"
#include "service/log.h"
#include "service/router.h"

namespace rocksdb {
class Env;
}

namespace rflow::node {
class Node;
}

namespace rflow::service {

struct ServeOptions {
  std::string path = ".";  // the project: a directory or one .rflow file
  std::string data;        // default: <project>/.rflow-data
  std::string listen;      // "host:port"; default: [service] listen of rflow.toml
  std::string config;      // default: <project>/rflow.toml if it exists
  // A TOML file holding only a [cluster] section: this process is a cluster node with
  // those settings, whatever [cluster] the project's rflow.toml has. Empty: the
  // project's [cluster], if it has one.
  std::string cluster;
  // Tests: a clock to use instead of the system's, and a shorter scheduler poll.
  const engine::Clock* clock = nullptr;
  // Demos: the engine's time runs this many times faster than the wall clock
  // (scaled_clock.h); 1 is real time. Ignored when `clock` is set.
  double time_scale = 1;
  // Demos: the time the scaled clock starts at (ms since the epoch, not after now);
  // unset: the wall clock. Ignored when `clock` is set.
  std::optional<int64_t> clock_start;
  int64_t poll_ms = 200;
  RequestLimits limits;
  // Fault drills and tests: the RocksDB Env to open the store with (for instance
  // store::faultInjectingEnv, to make the disk fail on demand); null: the real one.
  std::shared_ptr<rocksdb::Env> store_env;
  // Where the URL, the first-start admin token, warnings and scheduler notes go, and (in
  // JSON mode) one line per request: `log`, which must outlive the Server; else a text
  // log whose lines go to `print` (default stdout).
  const Log* log = nullptr;
  std::function<void(const std::string&)> print;
};

// "127.0.0.1:8080", "[::1]:0", "localhost:9000" -> host and port, or why not.
std::variant<std::pair<std::string, uint16_t>, std::string> parseListen(std::string_view text);

class Server {
 public:
  // Builds, deploys, opens, recovers and starts serving. The error says what is wrong
  // and what to do (diagnostics of the project, the config file's problems, a data
  // directory in use, an address that cannot be bound).
  static std::variant<std::unique_ptr<Server>, std::string> open(const ServeOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  const std::string& url() const { return url_; }
  const std::string& dataDirectory() const { return data_; }
  // One node's engine; a cluster node has one per owned partition (node()), not this.
  engine::Engine& engine() { return *engine_; }
  // The cluster node, or null when this is a single node.
  node::Node* node();
  // rflow.toml's [service] shutdown_grace: how long stop() may take after SIGTERM.
  int64_t shutdownGraceMs() const { return grace_ms_; }
  // Serves one HTTP request read from `raw` exactly as if it had arrived on a socket
  // (the same limits, pre-routing checks, router and error shapes) and returns the bytes
  // of the reply. For fuzzing the request decoding without the network.
  std::string serveRaw(std::string_view raw);
  void stop();

 private:
  struct Parts;
  struct Opening;
  Server();
  // The steps of open(): what both kinds of node need (the project built, rflow.toml and
  // the connectors, HTTPS, the models, the clock and the connector pool), then one of
  // them. Each answers why it failed, or nullopt.
  std::optional<std::string> prepare(const ServeOptions& options, Opening& o);
  std::optional<std::string> openSingle(const ServeOptions& options, Opening& o);
  std::optional<std::string> openCluster(const ServeOptions& options, Opening& o);
  std::optional<std::string> clusterAdmin(const Log& log);
  // The token the nodes' outbox relays send to each other's inbound route with (admin).
  std::optional<std::string> clusterRelay();
  // Binds the HTTP server for `handler` on --listen (else [service] listen) and sets
  // port_ and url_ (not started yet).
  std::optional<std::string> bindHttp(const ServeOptions& options, const Opening& o,
                                      const RequestHandler& handler);
  void stopCluster();
  std::unique_ptr<Parts> parts_;
  engine::Engine* engine_ = nullptr;
  int port_ = 0;
  int64_t grace_ms_ = 30'000;
  std::string url_;
  std::string data_;
};

}  // namespace rflow::service
