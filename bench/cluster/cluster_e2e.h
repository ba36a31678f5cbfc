// bench/cluster, end to end: the order process (bench/order_process.h) over HTTP against
// real `rflow serve` processes on 127.0.0.1, a single node on its local log beside cluster
// nodes on NATS JetStream, and the failover time of a partition whose owner is killed.
//
// Every process is started with the cluster tests' harness (tests/cluster/nats_harness.h,
// rflow_process.h): free loopback ports, one temporary directory, and only the PIDs it
// started are signalled; they die with the bench (PR_SET_PDEATHSIG).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rflow::bench::cluster {

struct E2eOptions {
  std::filesystem::path dir;  // everything is written under it (removed by the caller)
  size_t orders = 2000;       // order instances per row
  size_t clients = 16;        // client threads, spread round-robin over the row's nodes
  uint32_t partitions = 6;    // a cluster's partitions
  int member_ttl_s = 5;       // the cluster's member TTL, in seconds
  int failovers = 3;          // kill -9 repeats in the failover part
};

// One row's layout: a single node with the local log (nats_servers 0), or `nodes` cluster
// nodes on `nats_servers` NATS servers (1: R1, 3: R3).
struct Layout {
  std::string name;
  int nats_servers = 0;
  int nodes = 1;
};

struct E2eRow {
  std::string name;
  std::string error;      // set when the row did not run; the rest is then empty
  size_t completed = 0;   // with the expected amount and path
  size_t approvals = 0;   // of those, how many took the approval
  size_t mismatches = 0;  // not completed, or another result
  size_t steps = 0;       // 201 starts + 200 decisions: each commits one step
  size_t retried = 0;     // requests sent again (no answer, or 503: orderOverHttp)
  double seconds = 0;
  std::vector<double> start_ms, decide_ms;  // sorted
  std::map<std::string, int> failures;      // the first words of each kind of failure
  std::vector<std::string> notes;           // what the reader must know about the row
  // Cluster rows: a standby's distance behind its log, sampled once a second during the
  // load from what `rflow cluster status` reads (the log's last sequence minus what the
  // standby's last heartbeat said it applied; heartbeats come every member_ttl/5).
  std::vector<double> standby_lag;  // entries, sorted
  // Cluster rows, after the load: every partition's log replayed in this process into an
  // empty store, as a standby applies it (replay::replay: read, Store::applyGroup synced).
  uint64_t replayed_groups = 0;
  double replay_seconds = 0;
  std::vector<double> apply_us;  // each group's synced Store::applyGroup in that replay
};

struct FailoverRun {
  double seconds = 0;  // kill -9 to the first start on the partition answered 201
  std::string victim;
  uint32_t partition = 0;
  size_t light_load_done = 0;  // orders the light load completed meanwhile
};

struct FailoverResult {
  std::string error;  // the part stopped early, why
  std::vector<FailoverRun> runs;
};

// Runs the row: starts its processes, waits until every partition has one owner, drives
// options.orders orders with options.clients clients, and stops everything.
E2eRow runRow(const Layout& layout, const E2eOptions& options);

// 3 NATS servers (R3) and 3 nodes; options.failovers times: the owner of one partition is
// killed with kill -9 while a light load (one client, one order at a time, through the
// others) runs, the time to the first start served on that partition measured, then the
// node started again on its port and data and the partitions left to settle.
FailoverResult runFailover(const E2eOptions& options);

double quantile(const std::vector<double>& sorted, double q);

}  // namespace rflow::bench::cluster
