// bench/cluster (issue 19), three parts in one run, each a table:
//
// 1. append: the partition log's append as the engine's group commit uses it (one append
//    in flight per partition, each append one group of step batches), on the local log
//    (the single node: no I/O), one NATS server (R1) and three (R3) that this program
//    starts on 127.0.0.1 (nats-server on PATH; tests/cluster/nats_harness.h): appends/s,
//    records/s, p50/p99 of one append. An append that comes back Unknown is repeated
//    (LogWriter::retryPending) and its time counts.
// 2. end to end: the order process over HTTP (cluster_e2e.h) against a single `rflow
//    serve` on its local log, one cluster node on 1 NATS server (R1) and on 3 (R3), and 3
//    nodes on 3 NATS servers (R3), all on 127.0.0.1, same run.
// 3. failover: kill -9 of a partition's owner among 3 nodes (R3), time to the first start
//    served on that partition.
//
//   bench_cluster [APPENDS] [RECORDS_PER_APPEND] [RECORD_BYTES]   (default 2000 8 2048)
//   bench_cluster --smoke                                         (tiny counts: the ctest)
//
// Environment: RFLOW_BENCH_ONLY=append|e2e|failover runs one part; RFLOW_BENCH_ORDERS
// (orders per row, default 2000), RFLOW_BENCH_CLIENTS (16), RFLOW_BENCH_PARTITIONS (6),
// RFLOW_BENCH_FAILOVERS (3), RFLOW_BENCH_TTL (member TTL in seconds, 5).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "cluster/jetstream_partition_log.h"
#include "cluster/local_partition_log.h"
#include "cluster/log_writer.h"
#include "cluster_e2e.h"
#include "nats_harness.h"

namespace {

using namespace rflow::cluster;
using Clock = std::chrono::steady_clock;

struct Row {
  std::string log;
  double seconds = 0;
  std::vector<double> latencies_us;
  int appends = 0;
  int records = 0;
  std::string error;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return rflow::bench::cluster::quantile(v, p);
}

Row run(const std::string& name, PartitionLog& log, int appends, int per_append, int bytes) {
  Row row;
  row.log = name;
  std::vector<std::string> batch(per_append, std::string(bytes, 'x'));
  std::vector<std::string_view> views(batch.begin(), batch.end());
  auto last = log.lastSeq();
  if (!last.ok()) {
    row.error = last.status().message();
    return row;
  }
  LogWriter writer(log, last.value(), 0);
  if (!writer.claim("bench").appended()) {
    row.error = "claim failed";
    return row;
  }
  row.latencies_us.reserve(appends);
  const auto start = Clock::now();
  for (int i = 0; i < appends; ++i) {
    batch[0].replace(0, 8, fmt::format("{:08}", i));
    const auto t = Clock::now();
    AppendResult r = writer.append(views);
    for (int tries = 0; r.unknown() && tries < 10; ++tries)
      r = writer.retryPending();
    if (!r.appended()) {
      row.error = r.describe();
      break;
    }
    row.latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
    ++row.appends;
    row.records += per_append;
  }
  row.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return row;
}

Row runNats(int servers, int appends, int per_append, int bytes) {
  const std::string name = servers == 1 ? "NATS, 1 server (R1)" : "NATS, 3 servers (R3)";
  Row failed;
  failed.log = name;
  std::string error;
  auto nats = rflow::cluster::testing::NatsServers::start(servers, &error);
  if (!nats) {
    failed.error = error;
    return failed;
  }
  NatsOptions o;
  o.servers = nats->clientUrls();
  o.name = "bench_cluster";
  auto client = NatsClient::connect(o);
  if (!client.ok()) {
    failed.error = client.status().message();
    return failed;
  }
  JetStreamLogOptions lo;
  lo.replicas = servers == 1 ? 1 : 3;
  const std::shared_ptr<NatsClient> shared = std::move(client).value();
  auto log = JetStreamPartitionLog::open(shared, 0, lo);
  // Three servers that just elected their meta leader may still time out the first
  // replicated stream when the machine is busy (the smoke run shares it with other
  // tests): asked again, as a node asks again, for up to 20 s.
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (!log.ok() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    log = JetStreamPartitionLog::open(shared, 0, lo);
  }
  if (!log.ok()) {
    failed.error = log.status().message();
    return failed;
  }
  return run(name, *log.value(), appends, per_append, bytes);
}

size_t envOr(const char* name, size_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && std::atoi(v) > 0 ? static_cast<size_t>(std::atoi(v)) : fallback;
}

bool wanted(const char* part) {
  const char* only = std::getenv("RFLOW_BENCH_ONLY");
  return only == nullptr || *only == 0 || std::string(only) == part;
}

int appendPart(int appends, int per_append, int bytes) {
  fmt::print(
      "1. The log's append: {} appends of {} records of {} bytes ({} KiB per append), one "
      "append in flight\n\n",
      appends, per_append, bytes, per_append * bytes / 1024);
  std::vector<Row> rows;
  LocalPartitionLog local(0);
  rows.push_back(run("local (single node, no I/O)", local, appends, per_append, bytes));
  if (rflow::cluster::testing::NatsServers::available()) {
    rows.push_back(runNats(1, appends, per_append, bytes));
    rows.push_back(runNats(3, appends, per_append, bytes));
  } else {
    fmt::print("(nats-server is not on PATH: only the local log is measured)\n\n");
  }
  fmt::print("| {:<28} | {:>10} | {:>10} | {:>9} | {:>9} |\n", "log", "appends/s", "records/s",
             "p50 (us)", "p99 (us)");
  fmt::print(
      "|------------------------------|------------|------------|-----------|-----------|\n");
  int status = 0;
  for (const Row& r : rows) {
    if (!r.error.empty()) {
      fmt::print("| {:<28} | failed: {}\n", r.log, r.error);
      status = 1;
      continue;
    }
    fmt::print("| {:<28} | {:>10.0f} | {:>10.0f} | {:>9.1f} | {:>9.1f} |\n", r.log,
               r.appends / r.seconds, r.records / r.seconds, percentile(r.latencies_us, 0.5),
               percentile(r.latencies_us, 0.99));
  }
  return status;
}

using rflow::bench::cluster::E2eOptions;
using rflow::bench::cluster::E2eRow;
using rflow::bench::cluster::quantile;

int e2ePart(const E2eOptions& options) {
  fmt::print(
      "\n2. End to end: the order process over HTTP, {} orders per row, {} clients spread over "
      "the row's nodes; clusters of {} partitions, member TTL {} s; durability sync\n\n",
      options.orders, options.clients, options.partitions, options.member_ttl_s);
  std::vector<rflow::bench::cluster::Layout> layouts = {{"single node, local log", 0, 1}};
  if (rflow::cluster::testing::NatsServers::available()) {
    layouts.push_back({"1 node, 1 NATS (R1)", 1, 1});
    layouts.push_back({"1 node, 3 NATS (R3)", 3, 1});
    layouts.push_back({"3 nodes, 3 NATS (R3)", 3, 3});
  } else {
    fmt::print("(nats-server is not on PATH: only the single node is measured)\n\n");
  }
  std::vector<E2eRow> rows;
  for (const auto& layout : layouts)
    rows.push_back(rflow::bench::cluster::runRow(layout, options));
  fmt::print(
      "| {:<24} | {:>9} | {:>11} | {:>7} | {:>9} | {:>9} | {:>10} | {:>10} | {:>11} | {:>9} | "
      "{:>11} |\n",
      "row", "completed", "instances/s", "steps/s", "start p50", "start p99", "decide p50",
      "decide p99", "standby lag", "replay", "apply");
  fmt::print(
      "| {:<24} | {:>9} | {:>11} | {:>7} | {:>9} | {:>9} | {:>10} | {:>10} | {:>11} | {:>9} | "
      "{:>11} |\n",
      "", "", "", "", "ms", "ms", "ms", "ms", "p50/p99", "groups/s", "p50/p99 µs");
  fmt::print(
      "|--------------------------|-----------|-------------|---------|-----------|-----------"
      "|------------|------------|-------------|-----------|-------------|\n");
  int status = 0;
  for (const E2eRow& r : rows) {
    if (!r.error.empty()) {
      fmt::print("| {:<24} | failed: {}\n", r.name, r.error);
      status = 1;
      continue;
    }
    const std::string lag = r.standby_lag.empty()
                                ? "-"
                                : fmt::format("{:.0f}/{:.0f}", quantile(r.standby_lag, 0.5),
                                              quantile(r.standby_lag, 0.99));
    const std::string replay =
        r.replay_seconds > 0 ? fmt::format("{:.0f}", r.replayed_groups / r.replay_seconds) : "-";
    const std::string apply =
        r.apply_us.empty()
            ? "-"
            : fmt::format("{:.0f}/{:.0f}", quantile(r.apply_us, 0.5), quantile(r.apply_us, 0.99));
    fmt::print(
        "| {:<24} | {:>9} | {:>11.0f} | {:>7.0f} | {:>9.2f} | {:>9.2f} | {:>10.2f} | {:>10.2f} | "
        "{:>11} | {:>9} | {:>11} |\n",
        r.name, r.completed, r.completed / r.seconds, r.steps / r.seconds,
        quantile(r.start_ms, 0.5), quantile(r.start_ms, 0.99), quantile(r.decide_ms, 0.5),
        quantile(r.decide_ms, 0.99), lag, replay, apply);
    if (r.mismatches > 0 || r.completed != options.orders) status = 1;
  }
  fmt::print(
      "\nsteps/s: 201 starts and 200 decisions per second (each commits one step). standby "
      "lag: entries between a partition's log tail and what its standby's last heartbeat "
      "said it applied, sampled once a second under the load (as `rflow cluster status` "
      "reads it; heartbeats every member_ttl/5, so it includes up to that much staleness). "
      "replay: every partition's log applied in this process into an empty store after the "
      "load, as a standby applies it (commit groups per second); apply: the time of each "
      "group's synced write into that store (Store::applyGroup), p50/p99.\n");
  for (const E2eRow& r : rows) {
    if (r.retried > 0)
      fmt::print("{}: {} requests sent again (no answer, or 503)\n", r.name, r.retried);
    for (const std::string& note : r.notes)
      fmt::print("{}: {}\n", r.name, note);
    for (const auto& [why, count] : r.failures)
      fmt::print("{}: {} failed: {}\n", r.name, count, why);
  }
  return status;
}

int failoverPart(const E2eOptions& options) {
  fmt::print(
      "\n3. Failover: 3 nodes, 3 NATS (R3), {} partitions, member TTL {} s; the owner of a "
      "partition killed with kill -9 under a light load (one client, an order every 50 ms, "
      "through the others); time from the kill to the first start served on the partition "
      "(a probe through the survivors every 20 ms); the node restarted between repeats\n\n",
      options.partitions, options.member_ttl_s);
  if (!rflow::cluster::testing::NatsServers::available()) {
    fmt::print("(nats-server is not on PATH: skipped)\n");
    return 0;
  }
  const auto result = rflow::bench::cluster::runFailover(options);
  std::vector<double> seconds;
  for (const auto& run : result.runs) {
    fmt::print(
        "kill -9 {} (owner of partition {}): {:.2f} s; light load completed {} orders "
        "meanwhile\n",
        run.victim, run.partition, run.seconds, run.light_load_done);
    seconds.push_back(run.seconds);
  }
  std::sort(seconds.begin(), seconds.end());
  if (!seconds.empty())
    fmt::print("\nfailover over {} kills: p50 {:.2f} s, max {:.2f} s (member TTL {} s)\n",
               seconds.size(), quantile(seconds, 0.5), seconds.back(), options.member_ttl_s);
  if (!result.error.empty()) {
    fmt::print("failover stopped: {}\n", result.error);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool smoke = argc > 1 && std::string(argv[1]) == "--smoke";
  const int appends = smoke ? 20 : argc > 1 ? std::atoi(argv[1]) : 2000;
  const int per_append = smoke ? 2 : argc > 2 ? std::atoi(argv[2]) : 8;
  const int bytes = smoke ? 256 : argc > 3 ? std::atoi(argv[3]) : 2048;
  if (appends <= 0 || per_append <= 0 || bytes < 8) {
    fmt::print(stderr,
               "usage: bench_cluster [APPENDS] [RECORDS_PER_APPEND] [RECORD_BYTES>=8]\n"
               "       bench_cluster --smoke\n");
    return 2;
  }
  E2eOptions options;
  options.orders = envOr("RFLOW_BENCH_ORDERS", smoke ? 40 : 2000);
  options.clients = envOr("RFLOW_BENCH_CLIENTS", smoke ? 4 : 16);
  options.partitions = static_cast<uint32_t>(envOr("RFLOW_BENCH_PARTITIONS", smoke ? 3 : 6));
  options.failovers = static_cast<int>(envOr("RFLOW_BENCH_FAILOVERS", smoke ? 1 : 3));
  options.member_ttl_s = static_cast<int>(envOr("RFLOW_BENCH_TTL", smoke ? 2 : 5));
  options.dir =
      std::filesystem::temp_directory_path() / fmt::format("rflow-bench-cluster-{}", getpid());
  fmt::print("bench_cluster{}: {} cores\n\n", smoke ? " --smoke" : "",
             std::thread::hardware_concurrency());
  int status = 0;
  if (wanted("append")) status |= appendPart(appends, per_append, bytes);
  if (wanted("e2e")) status |= e2ePart(options);
  if (wanted("failover")) status |= failoverPart(options);
  std::filesystem::remove_all(options.dir);
  return status;
}
