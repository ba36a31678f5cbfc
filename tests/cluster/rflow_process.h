// Helpers for the tests that run `rflow serve --cluster` as processes
// (serve_cluster_test.cpp, scenario_test.cpp; and bench/cluster): a free loopback port, bounded
// waits, and one node's process. A node is started with fork/exec of the built rflow
// (RFLOW_BINARY), its output appended to its own log file; it dies with the test
// (PR_SET_PDEATHSIG), and it is signalled only through the PID recorded when it was started.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/partition.h"
#include "nats_harness.h"

namespace rflow::cluster::testing {

inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Polls `pred` every 100 ms until it holds or `limit` has passed; its last answer.
template <typename Pred>
bool waitFor(std::chrono::milliseconds limit, Pred pred) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return pred();
}

struct Reply {
  int status = 0;  // 0: no answer (refused, reset, timed out)
  nlohmann::json body;
  std::string text;
};

// One `rflow serve --cluster` process.
struct RflowNode {
  std::string name;
  int port = 0;
  std::filesystem::path log;
  pid_t pid = 0;
  // Where it listens and is reached (another address for a node in a network namespace).
  std::string host = "127.0.0.1";
  // Run before the binary, e.g. {"ip", "netns", "exec", NS}: it execs rflow in place, so
  // the PID recorded is still rflow's.
  std::vector<std::string> prefix;

  std::string url() const { return fmt::format("http://{}:{}", host, port); }

  Reply send(const std::string& method, const std::string& path, const nlohmann::json& body,
             const std::string& token, httplib::Headers headers = {},
             std::chrono::seconds read_timeout = std::chrono::seconds(30)) const {
    httplib::Client client(host, port);
    client.set_connection_timeout(std::chrono::seconds(2));
    client.set_read_timeout(read_timeout);
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    httplib::Result r = method == "GET"
                            ? client.Get(path, headers)
                            : client.Post(path, headers, body.dump(), "application/json");
    Reply out;
    if (!r) return out;
    out.status = r->status;
    out.text = r->body;
    out.body = nlohmann::json::parse(r->body, nullptr, false);
    return out;
  }

  // 404 for a forwarded request naming an id on `p`: the node owns p; 421: it does not.
  bool owns(uint32_t p, const std::string& token) const {
    const std::string id = fmt::format("in-0999999999{}", engine::partitionSuffix(p));
    return send("GET", "/v1/instances/" + id, nullptr, token, {{"Rflow-Forwarded", "1"}},
                std::chrono::seconds(5))
               .status == 404;
  }
};

// Starts the built rflow (RFLOW_BINARY) with `args` after the program name, and `env`
// (NAME=value) added to its environment, its output appended to node.log. The PID is
// recorded in node.pid; 0 when fork failed.
inline void launchRflow(RflowNode& node, std::vector<std::string> args,
                        const std::vector<std::string>& env = {}) {
  args.insert(args.begin(), RFLOW_BINARY);
  args.insert(args.begin(), node.prefix.begin(), node.prefix.end());
  const std::string program = args.front();
  std::vector<char*> argv;
  for (std::string& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = node.log.string();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    node.pid = 0;
    return;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    for (const std::string& e : env)
      putenv(const_cast<char*>(e.c_str()));
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execvp(program.c_str(), argv.data());
    _exit(127);
  }
  node.pid = pid;
}

// Starts `rflow serve PROJECT --cluster CLUSTER_FILE --data DATA --listen 127.0.0.1:PORT`
// with `extra` arguments after, and `env` (NAME=value) added to its environment. The PID is
// recorded in node.pid; 0 when fork failed.
inline void launchNode(RflowNode& node, const std::string& project, const std::string& cluster,
                       const std::string& data, const std::vector<std::string>& extra,
                       const std::vector<std::string>& env = {}) {
  std::vector<std::string> args = {
      "serve",  project, "--cluster", cluster,
      "--data", data,    "--listen",  fmt::format("{}:{}", node.host, node.port)};
  args.insert(args.end(), extra.begin(), extra.end());
  launchRflow(node, std::move(args), env);
}

inline void kill9(RflowNode& node) {
  if (node.pid <= 0) return;
  ::kill(node.pid, SIGCONT);  // a stopped process dies on SIGKILL too; this is for clarity
  ::kill(node.pid, SIGKILL);
  int status = 0;
  waitpid(node.pid, &status, 0);
  node.pid = 0;
}

// SIGTERM, then the exit status (-1 when it did not exit within `limit`).
inline int stopNode(RflowNode& node, std::chrono::milliseconds limit) {
  ::kill(node.pid, SIGTERM);
  int status = 0;
  const bool exited = waitFor(limit, [&] { return waitpid(node.pid, &status, WNOHANG) > 0; });
  if (!exited) return -1;
  node.pid = 0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The admin token the one node that made it printed, and how many nodes printed one.
inline std::string tokenFromLogs(const std::vector<RflowNode>& nodes, int* printed_by) {
  static const std::regex kToken("rflow_[0-9a-f]{64}");
  std::string token;
  *printed_by = 0;
  for (const RflowNode& node : nodes) {
    std::smatch m;
    const std::string log = readFile(node.log);
    if (std::regex_search(log, m, kToken)) {
      token = m.str();
      ++*printed_by;
    }
  }
  return token;
}

// Writes node's cluster file, <dir>/<name>.toml: every URL of `nats_urls`, its url() as
// the address it advertises, `replicas`, `partitions`, `member_ttl` as rflow.toml writes it.
inline void writeClusterFile(const std::filesystem::path& dir, const RflowNode& node,
                             const std::vector<std::string>& nats_urls, uint32_t partitions,
                             int replicas, std::string_view member_ttl) {
  std::string nats;
  for (const std::string& url : nats_urls)
    nats += fmt::format("{}\"{}\"", nats.empty() ? "" : ", ", url);
  std::ofstream(dir / (node.name + ".toml")) << fmt::format(
      "[cluster]\nnode = \"{}\"\nnats = [{}]\nadvertise = \"{}\"\npartitions = {}\n"
      "replicas = {}\nmember_ttl = \"{}\"\n",
      node.name, nats, node.url(), partitions, replicas, member_ttl);
}

// Nodes named `names` on free ports, each with its log and its cluster file
// (writeClusterFile). Not started.
inline std::vector<RflowNode> clusterNodes(const std::filesystem::path& dir,
                                           const std::vector<std::string>& names,
                                           const std::vector<std::string>& nats_urls,
                                           uint32_t partitions, int replicas,
                                           std::string_view member_ttl) {
  std::vector<RflowNode> nodes;
  for (const std::string& name : names) {
    RflowNode node;
    node.name = name;
    node.port = freePort();
    node.log = dir / (name + ".log");
    writeClusterFile(dir, node, nats_urls, partitions, replicas, member_ttl);
    nodes.push_back(node);
  }
  return nodes;
}

// "node-a" and "node-b" on free ports, each with its log and its cluster file
// (<dir>/<name>.toml: every server of `nats`, as many replicas as servers, `partitions`,
// `member_ttl` as rflow.toml writes it). Not started.
inline std::vector<RflowNode> twoNodes(const std::filesystem::path& dir, const NatsServers& nats,
                                       uint32_t partitions, std::string_view member_ttl) {
  return clusterNodes(dir, {"node-a", "node-b"}, nats.clientUrls(), partitions, nats.size(),
                      member_ttl);
}

struct CommandRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// `rflow cluster verify --nats URL…` with `token` in RFLOW_TOKEN (never an argument),
// bounded by `timeout` seconds.
inline CommandRun clusterVerify(const std::vector<std::string>& nats_urls, const std::string& token,
                                int timeout = 120) {
  std::string command =
      fmt::format("RFLOW_TOKEN='{}' timeout {} '{}' cluster verify", token, timeout, RFLOW_BINARY);
  for (const std::string& url : nats_urls)
    command += fmt::format(" --nats '{}'", url);
  command += " 2>&1";
  CommandRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return run;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    run.output.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// The oracle's last check: `rflow cluster verify` clean. Partitions still changing hands
// (a handover just after the load) are not a finding: it is asked again, up to 3 times.
// A store that differs is reported at once.
inline CommandRun verifiedClean(const std::vector<std::string>& nats_urls,
                                const std::string& token) {
  CommandRun run;
  for (int attempt = 0; attempt < 3; ++attempt) {
    run = clusterVerify(nats_urls, token);
    if (run.exit_code == 0 || run.output.find("differs") != std::string::npos) return run;
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  return run;
}

// Kills every node this test started; when it failed, prints their logs first.
inline void killAll(std::vector<RflowNode>& nodes, bool failed) {
  for (RflowNode& node : nodes)
    kill9(node);
  if (failed)
    for (const RflowNode& node : nodes)
      std::fprintf(stderr, "---- %s's log:\n%s\n", node.name.c_str(), readFile(node.log).c_str());
}

}  // namespace rflow::cluster::testing
