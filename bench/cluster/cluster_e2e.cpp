#include "cluster_e2e.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "cluster/jetstream_partition_log.h"
#include "cluster/nats_client.h"
#include "engine/partition.h"
#include "nats_harness.h"
#include "node/cluster_report.h"
#include "order_http.h"
#include "order_process.h"
#include "replay/replay.h"
#include "rflow_process.h"
#include "service/auth.h"
#include "store/store.h"

namespace rflow::bench::cluster {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using nlohmann::json;
using rflow::cluster::testing::NatsServers;
using rflow::cluster::testing::RflowNode;
using rflow::cluster::testing::waitFor;

constexpr const char* kToken = "bench-cluster-token";
// The qualified name the front door hashes a start's Idempotency-Key with.
constexpr std::string_view kWorkflow = "orders.PlaceOrder";

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The project every process serves: the order process, two engine workers (a cluster
// node shares them out over the partitions it owns), and the bench's user.
void writeProject(const fs::path& project) {
  fs::create_directories(project);
  std::ofstream(project / "orders.rflow") << kOrderSource;
  std::ofstream(project / "rflow.toml") << fmt::format(
      "[engine]\nworkers = 2\n\n[[auth.users]]\nname = \"bench\"\nroles = [\"Approver\"]\n"
      "token_sha256 = \"{}\"\n",
      service::hexOf(service::sha256(kToken)));
}

bool healthy(const RflowNode& node) {
  return node.send("GET", "/healthz", nullptr, "", {}, 2s).status == 200;
}

// The processes of one row; the destructor kills every one it started.
class Processes {
 public:
  Processes(const Layout& layout, const E2eOptions& options, fs::path dir)
      : layout_(layout), options_(options), dir_(std::move(dir)) {}
  ~Processes() { rflow::cluster::testing::killAll(nodes_, false); }
  Processes(const Processes&) = delete;
  Processes& operator=(const Processes&) = delete;

  // Starts the row's processes and waits until each partition has exactly one owner.
  bool start(std::string* error) {
    fs::remove_all(dir_);
    writeProject(dir_ / "project");
    if (layout_.nats_servers == 0) {
      RflowNode node;
      node.name = "single";
      node.port = rflow::cluster::testing::freePort();
      node.log = dir_ / "single.log";
      nodes_.push_back(node);
      launchRflow(nodes_[0],
                  {"serve", (dir_ / "project").string(), "--data", (dir_ / "data-single").string(),
                   "--listen", fmt::format("127.0.0.1:{}", node.port)});
      if (!waitFor(30s, [&] { return healthy(nodes_[0]); }))
        return fail("the single node did not answer /healthz in 30 s", error);
      return true;
    }
    nats_ = NatsServers::start(layout_.nats_servers, error);
    if (!nats_) return false;
    std::vector<std::string> names;
    for (int i = 0; i < layout_.nodes; ++i)
      names.push_back(fmt::format("node-{}", static_cast<char>('a' + i)));
    nodes_ = rflow::cluster::testing::clusterNodes(
        dir_, names, nats_->clientUrls(), options_.partitions, layout_.nats_servers == 3 ? 3 : 1,
        fmt::format("{}s", options_.member_ttl_s));
    // The first node creates the cluster's buckets; the others join it (as
    // scripts/cluster-demo.sh does: joining a cluster being created can meet buckets
    // whose leaders are not elected yet).
    for (size_t i = 0; i < nodes_.size(); ++i) {
      launch(i);
      if (i == 0 && !waitFor(30s, [&] { return healthy(nodes_[0]); }))
        return fail("the first node did not answer /healthz in 30 s", error);
    }
    if (!waitFor(30s, [&] {
          return std::all_of(nodes_.begin(), nodes_.end(), [](auto& n) { return healthy(n); });
        }))
      return fail("the nodes did not answer /healthz in 30 s", error);
    if (!waitFor(60s, [&] { return sharedOut(); }))
      return fail("the partitions were not shared out (each with one owner) in 60 s", error);
    // A node that joined after the first placement gets its share by handover; a node
    // that owns no partition cannot route a start (it answers 503), so the load waits for
    // every node to own one, as placement allows.
    waitFor(std::chrono::seconds(4 * options_.member_ttl_s + 10),
            [&] { return sharedOut() && everyNodeOwns(); });
    return true;
  }

  bool everyNodeOwns() const {
    for (const RflowNode& node : nodes_) {
      bool some = false;
      for (uint32_t p = 0; p < options_.partitions && !some; ++p)
        some = node.pid > 0 && node.owns(p, kToken);
      if (!some) return false;
    }
    return true;
  }

  // The nodes that own a partition now (all of a single node).
  std::vector<size_t> owningNodes() const {
    std::vector<size_t> out;
    for (size_t i = 0; i < nodes_.size(); ++i)
      for (uint32_t p = 0; p < options_.partitions; ++p)
        if (nodes_[i].pid > 0 && (!nats_ || nodes_[i].owns(p, kToken))) {
          out.push_back(i);
          break;
        }
    return out;
  }

  void launch(size_t i) {
    RflowNode& node = nodes_[i];
    launchNode(node, (dir_ / "project").string(), (dir_ / (node.name + ".toml")).string(),
               (dir_ / ("data-" + node.name)).string(), {});
  }

  // Each partition is owned by exactly one running node (as the nodes answer: 404 for a
  // forwarded request on a partition a node owns, 421 when it does not).
  bool sharedOut() const {
    for (uint32_t p = 0; p < options_.partitions; ++p)
      if (owners(p).size() != 1) return false;
    return true;
  }
  std::vector<size_t> owners(uint32_t p) const {
    std::vector<size_t> out;
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i].pid > 0 && nodes_[i].owns(p, kToken)) out.push_back(i);
    return out;
  }

  std::vector<RflowNode>& nodes() { return nodes_; }
  NatsServers* nats() const { return nats_.get(); }
  std::string logTail(size_t i) const {
    const std::string log = rflow::cluster::testing::readFile(nodes_[i].log);
    return log.substr(log.size() > 2000 ? log.size() - 2000 : 0);
  }

 private:
  bool fail(const std::string& why, std::string* error) {
    *error = why;
    for (size_t i = 0; i < nodes_.size(); ++i)
      *error += fmt::format("\n---- {}'s log (tail):\n{}", nodes_[i].name, logTail(i));
    return false;
  }

  Layout layout_;
  E2eOptions options_;
  fs::path dir_;
  std::unique_ptr<NatsServers> nats_;
  std::vector<RflowNode> nodes_;
};

std::unique_ptr<HttpClient> clientFor(const RflowNode& node, std::chrono::seconds timeout) {
  return std::make_unique<HttpClient>("127.0.0.1", node.port, timeout);
}

const HttpHeaders& auth() {
  static const HttpHeaders headers = {{"Authorization", std::string("Bearer ") + kToken}};
  return headers;
}

std::unique_ptr<rflow::cluster::NatsClient> connect(const NatsServers& nats, std::string name) {
  rflow::cluster::NatsOptions o;
  o.servers = nats.clientUrls();
  o.name = std::move(name);
  auto client = rflow::cluster::NatsClient::connect(o);
  return client.ok() ? std::move(client).value() : nullptr;
}

// Samples every partition's standby lag once a second until `stop`, as `rflow cluster
// status` reads it (node/cluster_report.h).
void sampleLag(const NatsServers& nats, const std::atomic<bool>& stop, std::vector<double>* out) {
  auto client = connect(nats, "bench_cluster-status");
  if (!client) return;
  while (!stop) {
    auto report = node::readClusterReport(*client);
    if (report.ok())
      for (const node::PartitionReport& p : report.value().partitions)
        for (const node::HolderReport& s : p.standbys)
          out->push_back(p.last_seq > s.applied ? static_cast<double>(p.last_seq - s.applied) : 0);
    for (int i = 0; i < 10 && !stop; ++i)
      std::this_thread::sleep_for(100ms);
  }
}

// Every partition's log replayed into an empty store in this process: what a standby
// does, from the first entry.
void replayAll(const NatsServers& nats, const E2eOptions& options, int replicas,
               const fs::path& dir, E2eRow& row) {
  std::shared_ptr<rflow::cluster::NatsClient> client = connect(nats, "bench_cluster-replay");
  if (!client) return;
  rflow::cluster::JetStreamLogOptions lo;
  lo.replicas = replicas;
  for (uint32_t p = 0; p < options.partitions; ++p) {
    auto log = rflow::cluster::JetStreamPartitionLog::open(client, p, lo);
    auto opened = store::Store::open((dir / fmt::format("replay-p{}", p)).string());
    auto* store = std::get_if<std::unique_ptr<store::Store>>(&opened);
    if (!log.ok() || store == nullptr) continue;
    replay::ReplayOptions replay_options;
    replay_options.on_group_applied = [&row](std::chrono::nanoseconds took) {
      row.apply_us.push_back(std::chrono::duration<double, std::micro>(took).count());
    };
    auto report = replay::replay(*log.value(), **store, replay_options);
    if (auto* r = std::get_if<replay::ReplayReport>(&report)) {
      row.replayed_groups += r->groups;
      row.replay_seconds += std::chrono::duration<double>(r->took).count();
    } else {
      row.failures["replay: " + std::get<std::string>(report).substr(0, 100)]++;
    }
  }
}

}  // namespace

double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1,
                         static_cast<size_t>(q * static_cast<double>(sorted.size())))];
}

E2eRow runRow(const Layout& layout, const E2eOptions& options) {
  E2eRow row;
  row.name = layout.name;
  const fs::path dir = options.dir / fmt::format("row-{}-{}", layout.nats_servers, layout.nodes);
  Processes processes(layout, options, dir);
  if (!processes.start(&row.error)) return row;
  std::vector<RflowNode>& nodes = processes.nodes();
  // Clients go through the nodes that own a partition: one that owns none answers a start
  // 503 (it has no deployed program to place it with).
  const std::vector<size_t> via = processes.owningNodes();
  if (via.size() < nodes.size())
    row.notes.push_back(
        fmt::format("{} of {} nodes owned no partition when the load began; "
                    "the clients went through the other {}",
                    nodes.size() - via.size(), nodes.size(), via.size()));
  if (via.empty()) {
    row.error = "no node owns a partition";
    return row;
  }

  std::atomic<bool> stop{false};
  std::thread sampler;
  if (processes.nats() != nullptr)
    sampler =
        std::thread(sampleLag, std::cref(*processes.nats()), std::cref(stop), &row.standby_lag);

  std::atomic<size_t> next{0}, completed{0}, approvals{0}, mismatches{0}, moved_clients{0};
  std::vector<OrderTimes> times(options.clients);
  std::mutex failures_mutex;
  std::vector<std::thread> threads;
  const auto begin = Clock::now();
  for (size_t t = 0; t < options.clients; ++t) {
    threads.emplace_back([&, t] {
      auto client = clientFor(nodes[via[t % via.size()]], 30s);
      for (size_t i = next++; i < options.orders; i = next++) {
        std::string why;
        auto done = orderOverHttp(*client, auth(), i, times[t], &why, 100);
        // A node can hand its last partition to a node that came up after it (sticky
        // placement moves a partition to its preferred owner); it then cannot place a
        // start and answers 503 for good. A client does what a load balancer would: it
        // goes to a node that owns one and sends the order again (its Idempotency-Key
        // makes that safe).
        if (!done && why.find("HTTP 503") != std::string::npos) {
          const std::vector<size_t> owning = processes.owningNodes();
          if (!owning.empty()) {
            client = clientFor(nodes[owning[t % owning.size()]], 30s);
            moved_clients++;
            why.clear();
            done = orderOverHttp(*client, auth(), i, times[t], &why, 100);
          }
        }
        if (orderResultOk(i, done)) {
          completed++;
          if (orderExpected(i).approval) approvals++;
          continue;
        }
        mismatches++;
        std::lock_guard lock(failures_mutex);
        row.failures[why.empty() ? "another result: " + done->text().substr(0, 100)
                                 : why.substr(0, 160)]++;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  row.seconds = secondsSince(begin);
  if (moved_clients > 0)
    row.notes.push_back(fmt::format(
        "{} times a client's node answered 503 (it had handed its partitions on) and the "
        "client went to a node that owned one",
        moved_clients.load()));
  stop = true;
  if (sampler.joinable()) sampler.join();
  row.completed = completed;
  row.approvals = approvals;
  row.mismatches = mismatches;
  for (const OrderTimes& t : times) {
    row.start_ms.insert(row.start_ms.end(), t.start_ms.begin(), t.start_ms.end());
    row.decide_ms.insert(row.decide_ms.end(), t.decide_ms.begin(), t.decide_ms.end());
    row.steps += t.steps;
    row.retried += t.retried;
  }
  std::sort(row.start_ms.begin(), row.start_ms.end());
  std::sort(row.decide_ms.begin(), row.decide_ms.end());
  std::sort(row.standby_lag.begin(), row.standby_lag.end());
  if (processes.nats() != nullptr)
    replayAll(*processes.nats(), options, layout.nats_servers == 3 ? 3 : 1, dir, row);
  std::sort(row.apply_us.begin(), row.apply_us.end());
  return row;
}

namespace {

// One kill -9 of the owner of `p`, measured: a probe sends a start on p (a fresh
// Idempotency-Key that hashes to p) through the surviving nodes every 20 ms; the time is
// from the kill to the first 201 of a probe sent after it.
std::optional<FailoverRun> failOnce(Processes& processes, const E2eOptions& options, uint32_t p,
                                    int repeat, std::string* error) {
  std::vector<RflowNode>& nodes = processes.nodes();
  const std::vector<size_t> owner = processes.owners(p);
  if (owner.size() != 1) {
    *error = fmt::format("partition {} has {} owners before the kill", p, owner.size());
    return std::nullopt;
  }
  const size_t victim = owner[0];
  std::vector<size_t> survivors;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (i != victim) survivors.push_back(i);

  std::atomic<bool> stop{false};
  std::atomic<size_t> light_done{0};
  // The light load: one client, one order at a time, through the survivors, paced.
  std::thread light([&] {
    auto client = clientFor(nodes[survivors[0]], 10s);
    for (uint64_t i = 1'000'000 * static_cast<uint64_t>(repeat + 1); !stop; ++i) {
      OrderTimes times;
      std::string why;
      if (orderResultOk(i, orderOverHttp(*client, auth(), i, times, &why))) light_done++;
      std::this_thread::sleep_for(50ms);
    }
  });

  uint64_t key_counter = 0;
  const auto probe = [&](size_t via) {
    std::string key;
    do {
      key = fmt::format("F{}-{}", repeat, key_counter++);
    } while (engine::partitionFor(kWorkflow, key, options.partitions) != p);
    auto client = clientFor(nodes[via], 5s);
    HttpHeaders headers = auth();
    headers.emplace_back("Idempotency-Key", key);
    auto res =
        client->post("/v1/workflows/PlaceOrder/instances", headers, orderInput(key_counter).dump());
    if (!res || res.status != 201) return false;
    const json body = json::parse(res.body, nullptr, false);
    if (!body.value("id", "").ends_with(engine::partitionSuffix(p))) {
      *error = fmt::format("a probe meant for partition {} started {}", p, body.value("id", ""));
      stop = true;
    }
    return true;
  };
  bool before = false;
  for (size_t i = 0; i < 50 && !before; ++i) {
    before = probe(survivors[i % survivors.size()]);
    if (!before) std::this_thread::sleep_for(100ms);
  }
  std::optional<FailoverRun> run;
  if (!before) {
    *error = fmt::format("partition {} served no start before the kill", p);
  } else if (error->empty()) {
    rflow::cluster::testing::kill9(nodes[victim]);
    const auto killed = Clock::now();
    bool served = false;
    for (size_t k = 0; !served && secondsSince(killed) < 60; ++k) {
      served = probe(survivors[k % survivors.size()]);
      if (!served) std::this_thread::sleep_for(20ms);
    }
    if (served && error->empty())
      run = FailoverRun{secondsSince(killed), nodes[victim].name, p, 0};
    else if (error->empty())
      *error = fmt::format("partition {} served no start within 60 s of the kill", p);
  }
  stop = true;
  light.join();
  if (run) run->light_load_done = light_done;
  return run;
}

// The killed node started again on its port and data; back when it answers, each
// partition has one owner, and it owns at least one again (placement hands its share
// back), or 3 member TTLs have passed.
bool restart(Processes& processes, const E2eOptions& options, std::string* error) {
  std::vector<RflowNode>& nodes = processes.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].pid > 0) continue;
    processes.launch(i);
    if (!waitFor(30s, [&] { return healthy(nodes[i]); })) {
      *error = nodes[i].name + " did not answer /healthz in 30 s after its restart\n" +
               processes.logTail(i);
      return false;
    }
    const auto owns_some = [&] {
      for (uint32_t p = 0; p < options.partitions; ++p)
        if (nodes[i].owns(p, kToken)) return true;
      return false;
    };
    waitFor(std::chrono::seconds(3 * options.member_ttl_s),
            [&] { return owns_some() && processes.sharedOut(); });
  }
  if (!waitFor(30s, [&] { return processes.sharedOut(); })) {
    *error = "after the restart the partitions did not settle (one owner each) in 30 s";
    return false;
  }
  return true;
}

}  // namespace

FailoverResult runFailover(const E2eOptions& options) {
  FailoverResult result;
  Processes processes({"failover", 3, 3}, options, options.dir / "failover");
  if (!processes.start(&result.error)) return result;
  for (int r = 0; r < options.failovers; ++r) {
    const uint32_t p = static_cast<uint32_t>(r) % options.partitions;
    auto run = failOnce(processes, options, p, r, &result.error);
    if (!run) return result;
    result.runs.push_back(*run);
    if (r + 1 < options.failovers && !restart(processes, options, &result.error)) return result;
  }
  return result;
}

}  // namespace rflow::bench::cluster
