// Internal to serve.cpp and serve_cluster.cpp: what a running Server holds, and what
// opening one has prepared before it becomes a single node or a cluster node (serve.h).
// Member order is destruction order in reverse: whatever a part points to is declared
// before it (stop() also resets them explicitly, in the order serve.h gives).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "driver/build.h"
#include "engine/engine.h"
#include "node/node.h"
#include "runtime/config.h"
#include "runtime/connector.h"
#include "runtime/connector_calls.h"
#include "runtime/model_registry.h"
#include "runtime/model_store.h"
#include "service/auth.h"
#include "service/backups.h"
#include "service/http_server.h"
#include "service/log.h"
#include "service/node_directory.h"
#include "service/partition_router.h"
#include "service/scaled_clock.h"
#include "service/scheduler.h"
#include "service/serve.h"
#include "service/service.h"
#include "service/tls.h"

namespace rflow::service {

struct Server::Parts {
  // First: the server's threads log until they are joined, so it goes last.
  std::unique_ptr<Log> own_log;
  runtime::Config config;
  std::unique_ptr<runtime::ConnectorSet> connectors;
  std::unique_ptr<store::Store> store;
  engine::SystemClock system_clock;
  std::optional<ScaledClock> scaled_clock;
  std::unique_ptr<runtime::ConnectorCalls> calls;
  // Before the engine, which asks it from its workers: destroyed after it.
  runtime::ModelRegistry models;
  std::unique_ptr<runtime::ModelStore> model_store;
  // After the store (it backs it up), before the service (which asks it).
  std::unique_ptr<Backups> backups;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<Authenticator> auth;
  std::unique_ptr<Service> service;
  std::unique_ptr<Router> router;
  // A cluster node instead of engine/service/router: the node (its partitions' engines),
  // the directory over it (each owned partition's Service, Router and cron Scheduler) and
  // the front door.
  // The outbox relay's way out (NodeOptions::send_inbound): the front door once it serves
  // (null before and while stopping), and the cluster's relay token. Declared before the
  // node, whose relay threads read them until it stops.
  std::atomic<const PartitionRouter*> relay_front{nullptr};
  std::string relay_token;
  std::unique_ptr<node::Node> node;
  std::unique_ptr<NodeDirectory> directory;
  std::unique_ptr<PartitionRouter> front;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<Scheduler> scheduler;
};

// What Server::open prepared for either kind of node.
struct Server::Opening {
  const Log* log = nullptr;
  compiler::BuildResult built;
  std::filesystem::path project_dir;
  std::optional<TlsFiles> tls;
  const engine::Clock* clock = nullptr;
};

}  // namespace rflow::service
