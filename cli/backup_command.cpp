// `rflow backup`, `rflow backup list`, `rflow backup verify` and `rflow restore`
// (issue 16; docs/operations.md "Backups and restore"). The copying is
// runtime/store/backup.h.
//
// `rflow backup --data DIR --to BACKUP_DIR` backs DIR up itself when no process holds it.
// While `rflow serve` runs on DIR, RocksDB lets no second process open it for writing (and
// a read-only or secondary open cannot keep the running service from deleting the files
// it is copying), so the command asks that service instead: POST /v1/admin/backups at
// --url (or the [service] listen of --config), with the admin token in RFLOW_TOKEN or
// --token-file. The service writes only into its own [backup] dir, and refuses when --to
// is another directory, or when it serves another data directory than --data.
//
// Exit codes: 0 done, 1 it could not be done (the message says why and what to do),
// 2 misuse of the command line.
#include <fmt/format.h>
#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/time_text.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "runtime/config.h"
#include "store/backup.h"
#include "store/store.h"

namespace rflow::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct BackupArgs {
  std::string data;
  std::string to;
  std::string label;
  uint32_t keep = 0;
  // Reaching a running service.
  std::string url;
  std::string config;
  std::string token_file;
  std::string cacert;
};

std::string sizeText(uint64_t bytes) {
  if (bytes < 10'000) return fmt::format("{} bytes", bytes);
  if (bytes < 10'000'000) return fmt::format("{:.1f} kB", static_cast<double>(bytes) / 1e3);
  if (bytes < 10'000'000'000) return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
  return fmt::format("{:.1f} GB", static_cast<double>(bytes) / 1e9);
}

std::string absolute(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

// The service's address: --url, else the [service] listen of --config; empty when
// neither was given. `problem` says why --config cannot be read.
std::string serviceUrl(const BackupArgs& args, std::string& problem) {
  if (!args.url.empty()) return args.url;
  if (args.config.empty()) return {};
  auto loaded = runtime::Config::load(args.config, /*required=*/true);
  if (auto* errors = std::get_if<runtime::ConfigErrors>(&loaded)) {
    problem = runtime::describe(*errors);
    return {};
  }
  const runtime::ServiceConfig& service = std::get<runtime::Config>(loaded).service;
  // A service listening on every address is reached on this machine's loopback.
  const std::string host = service.host == "0.0.0.0" ? "127.0.0.1"
                           : service.host == "::"    ? "::1"
                                                     : service.host;
  const bool v6 = host.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", service.port);
}

// POST /v1/admin/backups on the service that holds the data directory.
int backupThroughService(const BackupArgs& args, const std::string& in_use) {
  std::string problem;
  const std::string base = serviceUrl(args, problem);
  if (!problem.empty()) return commandFailed("backup", problem);
  if (base.empty())
    return commandFailed(
        "backup",
        fmt::format("{}.\nTo back it up while it serves, ask the running service: give its "
                    "address with --url http://HOST:PORT (or its rflow.toml with "
                    "--config) and an admin token in RFLOW_TOKEN",
                    in_use));
  if (args.keep > 0)
    return commandFailed(
        "backup",
        "--keep: the running service keeps as many backups as its [backup] keep says; "
        "leave --keep out");
  const std::string token = adminToken(args.token_file, problem);
  if (!problem.empty()) return commandFailed("backup", problem);

  httplib::Client client(base);
  if (!client.is_valid())
    return commandFailed(
        "backup", fmt::format("--url {}: expected http://HOST:PORT or https://HOST:PORT", base));
  if (!args.cacert.empty()) client.set_ca_cert_path(args.cacert.c_str());
  client.set_connection_timeout(10, 0);
  // A large store takes a while to copy; the service answers when the backup is made.
  client.set_read_timeout(3600, 0);
  client.set_bearer_token_auth(token);
  json body = {{"dir", absolute(args.to)}, {"data", absolute(args.data)}};
  if (!args.label.empty()) body["label"] = args.label;
  auto reply = client.Post("/v1/admin/backups", body.dump(), "application/json");
  if (!reply)
    return commandFailed("backup",
                         fmt::format("the data directory is in use, and the service at {} "
                                     "cannot be reached ({}); is it the one serving `{}`?",
                                     base, httplib::to_string(reply.error()), args.data));
  const json answer = json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (reply->status != 201) {
    std::string message = reply->body;
    if (answer.is_object() && answer.contains("error") && answer["error"].contains("message"))
      message = answer["error"]["message"].get<std::string>();
    return commandFailed(
        "backup", fmt::format("the service at {} answered {}: {}", base, reply->status, message));
  }
  std::cout << fmt::format(
      "rflow backup: backup {} of {} made in {} by the service at {}: {} files, {}, {}\n",
      answer.value("id", 0), args.data, answer.value("dir", args.to), base,
      answer.value("files", 0), sizeText(answer.value("bytes", uint64_t{0})),
      answer.value("time", std::string()));
  return 0;
}

int runBackup(const BackupArgs& args) {
  if (args.data.empty() || args.to.empty()) {
    std::cerr << "rflow backup: give the data directory and where the backups go: rflow backup "
                 "--data DIR --to BACKUP_DIR\n";
    return 2;
  }
  std::error_code ec;
  if (!fs::exists(fs::path(args.data) / "CURRENT", ec))
    return commandFailed("backup",
                         fmt::format("there is no data directory at `{}` (no database in it); "
                                     "give the --data directory of rflow serve or rflow run",
                                     args.data));
  auto opened = store::Store::open(args.data);
  if (auto* problem = std::get_if<std::string>(&opened)) {
    // The store's words for RocksDB's lock held by another process (store.cpp explain()).
    if (problem->find("in use by another rflow process") != std::string::npos)
      return backupThroughService(args, *problem);
    return commandFailed("backup", *problem);
  }
  auto& store = *std::get<std::unique_ptr<store::Store>>(opened);
  auto made = store::createBackup(store, args.to, {args.label, args.keep});
  if (!made.ok()) return commandFailed("backup", made.status().message());
  const store::BackupInfo& info = made.value();
  std::cout << fmt::format("rflow backup: backup {} of {} made in {}: {} files, {}, {}\n", info.id,
                           args.data, args.to, info.files, sizeText(info.bytes),
                           base::formatTime(info.time_ms));
  return 0;
}

int runList(const std::string& dir) {
  auto listed = store::listBackups(dir);
  if (!listed.ok()) return commandFailed("backup list", listed.status().message());
  if (listed.value().empty()) {
    std::cout << fmt::format("no backups in {}\n", dir);
    return 0;
  }
  std::cout << fmt::format("{:>4}  {:<20}  {:>10}  {:>5}  {}\n", "id", "time (UTC)", "size",
                           "files", "label");
  for (const store::BackupInfo& info : listed.value())
    std::cout << fmt::format("{:>4}  {:<20}  {:>10}  {:>5}  {}\n", info.id,
                             base::formatTime(info.time_ms), sizeText(info.bytes), info.files,
                             info.label);
  return 0;
}

int runVerify(const std::string& dir, std::optional<uint32_t> id) {
  std::vector<uint32_t> ids;
  if (id) {
    ids.push_back(*id);
  } else {
    auto listed = store::listBackups(dir);
    if (!listed.ok()) return commandFailed("backup verify", listed.status().message());
    for (const store::BackupInfo& info : listed.value())
      ids.push_back(info.id);
    if (ids.empty())
      return commandFailed("backup verify", fmt::format("there are no backups in {}", dir));
  }
  int damaged = 0;
  for (uint32_t n : ids) {
    const store::Status verified = store::verifyBackup(dir, n);
    if (verified.ok()) {
      std::cout << fmt::format("backup {}: every file matches its checksum\n", n);
    } else {
      std::cout << fmt::format("backup {}: {}\n", n, verified.message());
      ++damaged;
    }
  }
  return damaged == 0 ? 0 : 1;
}

int runRestore(const std::string& from, std::optional<uint32_t> id, const std::string& data) {
  auto restored = store::restoreBackup(from, id, data);
  if (!restored.ok()) return commandFailed("restore", restored.status().message());
  const store::BackupInfo& info = restored.value();
  std::cout << fmt::format(
      "rflow restore: backup {} of {}{} restored into {} (every file matched its checksum).\n"
      "Check it with `rflow audit verify --data {}`, then serve it with --data {} (give the "
      "directory to the user that runs the service, e.g. chown -R rflow:rflow)\n",
      info.id, base::formatTime(info.time_ms), info.label.empty() ? "" : " (" + info.label + ")",
      data, data, data);
  return 0;
}

}  // namespace

void addBackupCommand(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<BackupArgs>();
  CLI::App* cmd = app.add_subcommand(
      "backup",
      "Back up a data directory, also while rflow serve runs on it (through the service)");
  cmd->add_option("--data", args->data, "The data directory to back up");
  cmd->add_option("--to", args->to,
                  "The backup directory (made if need be; backups are "
                  "incremental, so use the same one each time)");
  cmd->add_option("--label", args->label, "A note kept with the backup (at most 200 bytes)");
  cmd->add_option("--keep", args->keep, "Afterwards delete all but the newest N backups")
      ->check(CLI::Range(1u, 1000u));
  cmd->add_option("--url", args->url,
                  "While rflow serve holds --data: the service's address (http://HOST:PORT)");
  cmd->add_option("--config", args->config,
                  "While rflow serve holds --data: its rflow.toml, for the address");
  cmd->add_option("--token-file", args->token_file,
                  "A file whose first line is an admin token (default: $RFLOW_TOKEN)");
  cmd->add_option("--cacert", args->cacert, "The CA certificate of a service served over TLS");

  auto list_dir = std::make_shared<std::string>();
  CLI::App* list = cmd->add_subcommand("list", "List the backups in a backup directory");
  list->add_option("--to", *list_dir, "The backup directory")->required();
  list->callback([list_dir, &run] { run = [list_dir] { return runList(*list_dir); }; });

  auto verify_dir = std::make_shared<std::string>();
  auto verify_id = std::make_shared<std::optional<uint32_t>>();
  CLI::App* verify = cmd->add_subcommand(
      "verify", "Read every file of the backups and compare it with its recorded checksum");
  verify->add_option("--to", *verify_dir, "The backup directory")->required();
  verify->add_option("--id", *verify_id, "Only this backup (default: all)");
  verify->callback([verify_dir, verify_id, &run] {
    run = [verify_dir, verify_id] { return runVerify(*verify_dir, *verify_id); };
  });

  cmd->callback([args, list, verify, &run] {
    if (list->parsed() || verify->parsed()) return;
    run = [args] { return runBackup(*args); };
  });
}

void addRestoreCommand(CLI::App& app, std::function<int()>& run) {
  auto from = std::make_shared<std::string>();
  auto data = std::make_shared<std::string>();
  auto id = std::make_shared<std::optional<uint32_t>>();
  CLI::App* cmd = app.add_subcommand(
      "restore",
      "Restore a backup into a new data directory (checked against its checksums first)");
  cmd->add_option("--from", *from, "The backup directory")->required();
  cmd->add_option("--id", *id, "The backup to restore (default: the newest)");
  cmd->add_option("--data", *data, "The new data directory: must not exist or be empty")
      ->required();
  cmd->callback(
      [from, data, id, &run] { run = [from, data, id] { return runRestore(*from, *id, *data); }; });
}

}  // namespace rflow::cli
