// `rflow cluster status` and `rflow cluster verify` (issue 19; docs/cluster.md "Watching a
// cluster", "Verifying a cluster").
//
// status: partitions, owners, standbys, epochs and lag, read from the cluster's NATS
// servers alone, so it works from any machine that reaches them and whether or not any
// node is up (runtime/node/cluster_report.h). Exit codes: 0 the report was read (its
// warnings are in it), 1 it could not be read (no NATS, no cluster there), 2 misuse.
//
// verify: each partition's log checked, rebuilt from snapshot + log, and compared with its
// owner's state (runtime/node/cluster_verify.h). The owners are asked over HTTP at their
// advertised URLs (GET /v1/cluster/partitions/{p}/digest) with the cluster's admin token
// from RFLOW_TOKEN or --token-file. Exit codes: 0 clean, 1 a problem found or the check
// could not run (each said), 2 misuse.
#include <fmt/format.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/report.h"
#include "cluster/nats_client.h"
#include "node/cluster_report.h"
#include "node/cluster_verify.h"
#include "runtime/cluster_file.h"
#include "runtime/config.h"

namespace rflow::cli {

namespace {

struct ClusterArgs {
  std::string config;
  std::string cluster;  // a file with only [cluster] (as `rflow serve --cluster`)
  std::vector<std::string> nats;
  bool json = false;
  // verify
  std::optional<uint32_t> partition;
  std::string token_file;
};

// The NATS servers: --nats, else --cluster's [cluster], else --config's (./rflow.toml).
// Empty with `problem` saying what to give.
std::vector<std::string> natsServers(const ClusterArgs& args, std::string& problem) {
  if (!args.nats.empty()) return args.nats;
  std::string path = args.config.empty() ? "rflow.toml" : args.config;
  runtime::ClusterConfig cluster;
  if (!args.cluster.empty()) {
    path = args.cluster;
    auto loaded = runtime::loadClusterFile(args.cluster);
    if (auto* error = std::get_if<std::string>(&loaded)) {
      problem = *error;
      return {};
    }
    cluster = std::get<runtime::ClusterConfig>(std::move(loaded));
  } else {
    auto loaded = runtime::Config::load(path, /*required=*/true);
    if (auto* errors = std::get_if<runtime::ConfigErrors>(&loaded)) {
      problem = runtime::describe(*errors);
      return {};
    }
    cluster = std::get<runtime::Config>(std::move(loaded)).cluster;
  }
  if (!cluster.enabled || cluster.nats.empty())
    problem = path +
              " has no [cluster] section with `nats`: give the NATS servers with --nats "
              "nats://HOST:PORT";
  return cluster.nats;
}

cluster::Result<std::shared_ptr<cluster::NatsClient>> connectTo(const ClusterArgs& args,
                                                                const char* name) {
  std::string problem;
  cluster::NatsOptions options;
  options.servers = natsServers(args, problem);
  if (!problem.empty()) return cluster::Status::failure(cluster::ErrorKind::kRefused, problem);
  options.name = name;
  auto nats = cluster::NatsClient::connect(options);
  if (!nats.ok()) return nats.status();
  return std::shared_ptr<cluster::NatsClient>(std::move(nats).value());
}

int runStatus(const ClusterArgs& args) {
  constexpr std::string_view kCommand = "cluster status";
  auto nats = connectTo(args, "rflow cluster status");
  if (!nats.ok()) return commandFailed(kCommand, nats.status().message());
  auto report = node::readClusterReport(*nats.value());
  if (!report.ok()) return commandFailed(kCommand, report.status().message());
  std::cout << (args.json ? node::reportJson(report.value()) + "\n"
                          : node::formatReport(report.value()));
  return 0;
}

// GET `path` on the owner's advertised URL with the admin token; the JSON answer, or why
// not, for the operator.
cluster::Result<nlohmann::json> askOwner(const node::OwnerInfo& owner, const std::string& token,
                                         const std::string& path) {
  const auto failed = [&](std::string why) {
    return cluster::Status::failure(
        cluster::ErrorKind::kUnavailable,
        fmt::format("the owner {} at {} (epoch {}) {}", owner.node, owner.url, owner.epoch, why));
  };
  httplib::Client client(owner.url);
  if (!client.is_valid()) return failed("has a URL this command cannot use");
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(120, 0);
  client.set_bearer_token_auth(token);
  auto reply = client.Get(path);
  if (!reply)
    return failed(
        fmt::format("cannot be reached ({}): is it running? `rflow cluster status` "
                    "shows the live members; run verify again once it is up",
                    httplib::to_string(reply.error())));
  auto body = nlohmann::json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  const std::string said = body.is_object() && body.contains("error")
                               ? body["error"].value("message", reply->body)
                               : reply->body;
  if (reply->status == 401 || reply->status == 403)
    return failed(
        fmt::format("refused the token ({}): give the cluster's admin token in "
                    "RFLOW_TOKEN or with --token-file",
                    reply->status));
  if (reply->status != 200)
    return failed(fmt::format("answered {} to GET {}: {}", reply->status, path, said));
  return body;
}

node::OwnerAsk httpOwnerAsk(const std::string& token) {
  node::OwnerAsk ask;
  ask.digest = [token](const node::OwnerInfo& owner,
                       uint32_t p) -> cluster::Result<replay::StateDigest> {
    auto body = askOwner(owner, token, fmt::format("/v1/cluster/partitions/{}/digest", p));
    if (!body.ok()) return body.status();
    if (auto digest = replay::parseDigest(body.value())) return *digest;
    return cluster::Status::failure(cluster::ErrorKind::kCorrupt,
                                    fmt::format("the owner {}'s digest of partition {} does not "
                                                "read: is it another rflow version?",
                                                owner.node, p));
  };
  ask.page = [token](const node::OwnerInfo& owner, uint32_t p, store::Column column,
                     const std::optional<std::string>& after,
                     size_t limit) -> cluster::Result<replay::StatePage> {
    std::string path = fmt::format("/v1/cluster/partitions/{}/digest?column={}&limit={}", p,
                                   store::columnName(column), limit);
    if (after) path += "&after=" + replay::toHex(*after);
    auto body = askOwner(owner, token, path);
    if (!body.ok()) return body.status();
    if (auto page = replay::parsePage(body.value())) return *page;
    return cluster::Status::failure(
        cluster::ErrorKind::kCorrupt,
        fmt::format("the owner {}'s keys of partition {} do not read", owner.node, p));
  };
  return ask;
}

int runVerify(const ClusterArgs& args) {
  constexpr std::string_view kCommand = "cluster verify";
  std::string problem;
  const std::string token = adminToken(args.token_file, problem);
  if (!problem.empty()) return commandFailed(kCommand, problem);
  auto nats = connectTo(args, "rflow cluster verify");
  if (!nats.ok()) return commandFailed(kCommand, nats.status().message());
  node::VerifyOptions options;
  options.partition = args.partition;
  options.ask = httpOwnerAsk(token);
  std::error_code ec;
  options.work_dir =
      std::filesystem::temp_directory_path(ec) / fmt::format("rflow-cluster-verify-{}", ::getpid());
  auto report = node::verifyCluster(nats.value(), options);
  std::filesystem::remove_all(options.work_dir, ec);
  if (!report.ok()) return commandFailed(kCommand, report.status().message());
  std::cout << (args.json ? node::verifyJson(report.value()) + "\n"
                          : node::formatVerify(report.value()));
  return report.value().ok() ? 0 : 1;
}

void addWhere(CLI::App* cmd, ClusterArgs& args) {
  cmd->add_option("--config", args.config,
                  "An rflow.toml with a [cluster] section (default: ./rflow.toml)");
  cmd->add_option("--cluster", args.cluster, "A file with only [cluster], as for rflow serve");
  cmd->add_option("--nats", args.nats, "NATS server URLs (instead of --config)");
  cmd->add_flag("--json", args.json, "One JSON document for scripts");
}

}  // namespace

void addClusterCommand(CLI::App& app, std::function<int()>& run) {
  CLI::App* cmd = app.add_subcommand("cluster", "Look at an rflow cluster");
  auto status_args = std::make_shared<ClusterArgs>();
  CLI::App* status = cmd->add_subcommand(
      "status", "Partitions, owners, standbys, epochs and lag, read from the cluster's NATS");
  addWhere(status, *status_args);
  status->callback(
      [status_args, &run] { run = [status_args] { return runStatus(*status_args); }; });
  auto verify_args = std::make_shared<ClusterArgs>();
  CLI::App* verify = cmd->add_subcommand(
      "verify",
      "Check each partition's log, rebuild it from snapshot + log and compare with its owner");
  addWhere(verify, *verify_args);
  verify->add_option("--partition", verify_args->partition, "Only this partition");
  verify->add_option("--token-file", verify_args->token_file,
                     "A file whose first line is the cluster's admin token (default: "
                     "$RFLOW_TOKEN)");
  verify->callback(
      [verify_args, &run] { run = [verify_args] { return runVerify(*verify_args); }; });
  cmd->callback([status, verify, &run] {
    if (status->parsed() || verify->parsed()) return;
    run = [] {
      std::cerr << "rflow cluster: say what to do: `rflow cluster status` (partitions, owners, "
                   "standbys, epochs, lag) or `rflow cluster verify` (rebuild each partition "
                   "and compare with its owner)\n";
      return 2;
    };
  });
}

}  // namespace rflow::cli
