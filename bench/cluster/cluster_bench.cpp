// bench/cluster: the partition log's append, as the engine's group commit will use it (one
// append in flight per partition, each append one group of step batches), on the local log
// (today's single node: no I/O), one NATS server (R1) and three NATS servers (R3) that
// this program starts on 127.0.0.1 (nats-server on PATH; tests/cluster/nats_harness.h).
//
//   bench_cluster [APPENDS] [RECORDS_PER_APPEND] [RECORD_BYTES]   (default 2000 8 2048)
//
// The table: appends/s, records/s, and the p50 and p99 of one append, per log. An append
// that comes back Unknown is repeated (LogWriter::retryPending) and its time counts.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "cluster/jetstream_partition_log.h"
#include "cluster/local_partition_log.h"
#include "cluster/log_writer.h"
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
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
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
  auto log = JetStreamPartitionLog::open(std::move(client).value(), 0, lo);
  if (!log.ok()) {
    failed.error = log.status().message();
    return failed;
  }
  return run(name, *log.value(), appends, per_append, bytes);
}

}  // namespace

int main(int argc, char** argv) {
  const int appends = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int per_append = argc > 2 ? std::atoi(argv[2]) : 8;
  const int bytes = argc > 3 ? std::atoi(argv[3]) : 2048;
  if (appends <= 0 || per_append <= 0 || bytes < 8) {
    fmt::print(stderr, "usage: bench_cluster [APPENDS] [RECORDS_PER_APPEND] [RECORD_BYTES>=8]\n");
    return 2;
  }
  fmt::print(
      "bench_cluster: {} appends of {} records of {} bytes ({} KiB per append), one "
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
  fmt::print("{:<30} {:>12} {:>12} {:>12} {:>12}\n", "log", "appends/s", "records/s", "p50 (us)",
             "p99 (us)");
  int status = 0;
  for (const Row& r : rows) {
    if (!r.error.empty()) {
      fmt::print("{:<30} failed: {}\n", r.log, r.error);
      status = 1;
      continue;
    }
    fmt::print("{:<30} {:>12.0f} {:>12.0f} {:>12.1f} {:>12.1f}\n", r.log, r.appends / r.seconds,
               r.records / r.seconds, percentile(r.latencies_us, 0.5),
               percentile(r.latencies_us, 0.99));
  }
  return status;
}
