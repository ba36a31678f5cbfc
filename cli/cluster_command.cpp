// `rflow cluster status` (issue 19; docs/cluster.md "Watching a cluster"): partitions,
// owners, standbys, epochs and lag, read from the cluster's NATS servers alone, so it
// works from any machine that reaches them and whether or not any node is up. The
// reading is runtime/node/cluster_report.h.
//
// Exit codes: 0 the report was read (its warnings are in it), 1 it could not be read (no
// NATS, no cluster there), 2 misuse of the command line.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/report.h"
#include "cluster/nats_client.h"
#include "node/cluster_report.h"
#include "runtime/config.h"

namespace rflow::cli {

namespace {

struct StatusArgs {
  std::string config;
  std::vector<std::string> nats;
  bool json = false;
};

constexpr std::string_view kCommand = "cluster status";

int runStatus(const StatusArgs& args) {
  std::vector<std::string> servers = args.nats;
  if (servers.empty()) {
    const std::string path = args.config.empty() ? "rflow.toml" : args.config;
    auto loaded = runtime::Config::load(path, /*required=*/true);
    if (auto* errors = std::get_if<runtime::ConfigErrors>(&loaded))
      return commandFailed(kCommand, runtime::describe(*errors));
    const auto& cluster = std::get<runtime::Config>(loaded).cluster;
    if (!cluster.enabled || cluster.nats.empty())
      return commandFailed(kCommand, path +
                                         " has no [cluster] section with `nats`: give the "
                                         "NATS servers with --nats nats://HOST:PORT");
    servers = cluster.nats;
  }
  cluster::NatsOptions options;
  options.servers = servers;
  options.name = "rflow cluster status";
  auto nats = cluster::NatsClient::connect(options);
  if (!nats.ok()) return commandFailed(kCommand, nats.status().message());
  auto report = node::readClusterReport(*nats.value());
  if (!report.ok()) return commandFailed(kCommand, report.status().message());
  std::cout << (args.json ? node::reportJson(report.value()) + "\n"
                          : node::formatReport(report.value()));
  return 0;
}

}  // namespace

void addClusterCommand(CLI::App& app, std::function<int()>& run) {
  CLI::App* cmd = app.add_subcommand("cluster", "Look at an rflow cluster");
  auto args = std::make_shared<StatusArgs>();
  CLI::App* status = cmd->add_subcommand(
      "status", "Partitions, owners, standbys, epochs and lag, read from the cluster's NATS");
  status->add_option("--config", args->config,
                     "An rflow.toml with a [cluster] section (default: ./rflow.toml)");
  status->add_option("--nats", args->nats, "NATS server URLs (instead of --config)");
  status->add_flag("--json", args->json, "One JSON document for scripts");
  status->callback([args, &run] { run = [args] { return runStatus(*args); }; });
  cmd->callback([status, &run] {
    if (status->parsed()) return;
    run = [] {
      std::cerr << "rflow cluster: say what to look at: `rflow cluster status` (partitions, "
                   "owners, standbys, epochs, lag)\n";
      return 2;
    };
  });
}

}  // namespace rflow::cli
