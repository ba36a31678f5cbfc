// The cluster's fault scenarios of ../shared/design/scaleout.md §8, bounded for the suite:
// two `rflow serve --cluster` processes on the harness's nats-server(s) (127.0.0.1), 4
// partitions, member TTL 5 s, one project whose workflow waits for an approval, sleeps
// (2 s at --time-scale 60) and then calls a connector: a stub endpoint in this process that
// records every call with the Idempotency-Key, the body and the node that sent it (each node
// runs with RFLOW_TEST_NODE in its environment, which rflow.toml puts in a header).
//
// S4: the owner of partitions that hold waiting instances is stopped (SIGSTOP) past its
//     member TTL; the other node takes its partitions, fires their timers and answers
//     every request; when the stopped node goes on (SIGCONT) its log refuses its next
//     append and it sends nothing: no connector call from it after it was stopped.
// S1: clients start instances and decide their approvals through both nodes, with
//     Idempotency-Keys, retrying on any error; the node owning the most partitions is
//     killed (kill -9) under that load and started again.
// S2: on three NATS servers (R3), the NATS meta leader is killed (kill -9) under the same
//     load and started again 5 s later.
//
// The oracle, once the cluster is quiet: every 2xx answer is in the final state (each
// acknowledged start is the one instance of its key, each acknowledged decision is in its
// instance's history), every instance completed with its connector's answer, its history
// runs seq 1..k with no gap and no doubled step (one start, one approval, one timer, one
// completion), at the stub each Idempotency-Key always carried the same body, and
// `rflow cluster verify` is clean (each partition rebuilt from snapshot + log equals its
// owner's store; epochs only increase along each log).
//
// The test signals only the PIDs it started; every wait has a deadline.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "engine/partition.h"
#include "nats_harness.h"
#include "rflow_process.h"

namespace rflow::cluster::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kPartitions = 4;
constexpr const char* kWorkflow = "shop.Order";

constexpr const char* kProject = R"(module shop

connector desk {
  fn ship(id: string) -> string
}

workflow Order(id: string, approver: User) -> string {
  owner "ops"
  key id
  let ok = approval "Ship {id}" {
    assign approver
  }
  if not ok.approved {
    return "declined"
  }
  sleep 2m
  let tracking = desk.ship(id)
  return tracking
}
)";

// body[name] when body is an object with a string there, else "".
std::string text(const json& body, const char* name) {
  if (!body.is_object() || !body.contains(name) || !body[name].is_string()) return "";
  return body[name].get<std::string>();
}

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The connector's system: POST /desk/ship answers "TRK-<id>" and records the call.
class StubDesk {
 public:
  struct Call {
    std::string node, key, body;
    Clock::time_point at;
  };

  bool start() {
    server_.Post("/desk/ship", [this](const httplib::Request& req, httplib::Response& res) {
      const json body = json::parse(req.body, nullptr, false);
      const std::string id = body.is_object() ? text(body["args"], "id") : "";
      {
        std::lock_guard lock(mutex_);
        calls_.push_back({req.get_header_value("Rflow-Test-Node"),
                          req.get_header_value("Idempotency-Key"), req.body, Clock::now()});
      }
      res.set_content(json("TRK-" + id).dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return false;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    return waitFor(5s, [this] { return server_.is_running(); });
  }
  ~StubDesk() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::vector<Call> calls_;
};

// What the clients were told: every 2xx answer.
struct Ledger {
  std::mutex mutex;
  std::map<std::string, std::string> started;  // business key -> instance id (201/200)
  std::set<std::string> decided;               // instance ids whose decision was 200
  std::map<std::string, int> errors;           // "<status>" -> count, retried
  void error(int status) {
    std::lock_guard lock(mutex);
    ++errors[std::to_string(status)];
  }
};

class ClusterScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_NATS_SERVER();
    std::string error;
    nats_ = NatsServers::start(natsServers(), &error);
    ASSERT_TRUE(nats_) << error;
    ASSERT_TRUE(desk_.start()) << "the stub connector endpoint did not start";
    dir_ = fs::temp_directory_path() / fmt::format("rflow-scenario-{}", ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "project");
    std::ofstream(dir_ / "project" / "shop.rflow") << kProject;
    std::ofstream(dir_ / "project" / "rflow.toml") << fmt::format(
        "[engine]\nworkers = 2\n\n[connectors.desk]\nurl = \"http://127.0.0.1:{}/desk\"\n"
        "headers = {{ Rflow-Test-Node = \"${{RFLOW_TEST_NODE}}\" }}\n",
        desk_.port());
    nodes_ = twoNodes(dir_, *nats_, kPartitions, "5s");
  }

  // 1 server (R1), or 3 in one JetStream cluster (R3).
  virtual int natsServers() const { return 1; }

  void TearDown() override {
    killAll(nodes_, HasFailure());
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void launch(RflowNode& node) {
    launchNode(node, (dir_ / "project").string(), (dir_ / (node.name + ".toml")).string(),
               (dir_ / ("data-" + node.name)).string(), {"--time-scale", "60"},
               {"RFLOW_TEST_NODE=" + node.name});
    ASSERT_GT(node.pid, 0) << "fork failed";
  }

  // Both nodes up, the token known, each partition owned by exactly one of them.
  void startCluster() {
    for (RflowNode& node : nodes_)
      launch(node);
    ASSERT_TRUE(waitFor(30s, [&] {
      for (const RflowNode& node : nodes_)
        if (node.send("GET", "/healthz", nullptr, "", {}, 2s).status != 200) return false;
      return true;
    })) << "the nodes did not come up";
    int printed_by = 0;
    ASSERT_TRUE(
        waitFor(5s, [&] { return !(token_ = tokenFromLogs(nodes_, &printed_by)).empty(); }));
    ASSERT_TRUE(waitFor(20s, [&] {
      for (uint32_t p = 0; p < kPartitions; ++p)
        if (owned(nodes_[0], p) == owned(nodes_[1], p)) return false;
      return true;
    })) << "the partitions were not shared out";
  }

  bool owned(const RflowNode& node, uint32_t p) const { return node.owns(p, token_); }
  std::vector<uint32_t> partitionsOf(const RflowNode& node) const {
    std::vector<uint32_t> out;
    for (uint32_t p = 0; p < kPartitions; ++p)
      if (owned(node, p)) out.push_back(p);
    return out;
  }

  // The n-th key (from `from`) whose instance lands on partition p.
  static std::string keyOn(uint32_t p, int* from, const std::string& prefix) {
    for (;; ++*from) {
      const std::string k = fmt::format("{}-{}", prefix, *from);
      if (engine::partitionFor(kWorkflow, k, kPartitions) == p) {
        ++*from;
        return k;
      }
    }
  }

  // A client's start: through `via` first, the other node after an error, same
  // Idempotency-Key, until `limit`. The instance id, empty when no 2xx came.
  std::string startOrder(const std::string& key, size_t via, std::chrono::seconds limit) {
    const auto until = Clock::now() + limit;
    for (size_t attempt = 0; Clock::now() < until; ++attempt) {
      // A dead node answers nothing (status 0): the next attempt goes to the other.
      const RflowNode& node = nodeFor(via + attempt);
      Reply r =
          node.send("POST", "/v1/workflows/Order/instances", {{"id", key}, {"approver", "admin"}},
                    token_, {{"Idempotency-Key", "start-" + key}}, 10s);
      if (r.status == 200 || r.status == 201) {
        const std::string id = text(r.body, "id");
        std::lock_guard lock(ledger_.mutex);
        auto [it, fresh] = ledger_.started.emplace(key, id);
        EXPECT_EQ(it->second, id) << "two ids acknowledged for " << key;
        return id;
      }
      ledger_.error(r.status);
      std::this_thread::sleep_for(200ms);
    }
    return "";
  }

  // A client's decision (approve) on the instance's open task, retried like a start.
  bool decide(const std::string& id, size_t via, std::chrono::seconds limit) {
    const auto until = Clock::now() + limit;
    std::string task;
    for (size_t attempt = 0; Clock::now() < until; ++attempt) {
      // A dead node answers nothing (status 0): the next attempt goes to the other.
      const RflowNode& node = nodeFor(via + attempt);
      if (task.empty()) {
        Reply view = node.send("GET", "/v1/instances/" + id, nullptr, token_, {}, 10s);
        if (view.status == 200 && view.body["waiting_for"].is_array() &&
            !view.body["waiting_for"].empty() && view.body["waiting_for"][0].contains("task"))
          task = view.body["waiting_for"][0]["task"];
        else
          ledger_.error(view.status);
      }
      if (!task.empty()) {
        Reply r = node.send("POST", "/v1/tasks/" + task + "/decision", {{"approve", true}}, token_,
                            {{"Idempotency-Key", "decide-" + id}}, 10s);
        if (r.status == 200) {
          std::lock_guard lock(ledger_.mutex);
          ledger_.decided.insert(id);
          return true;
        }
        ledger_.error(r.status);
      }
      std::this_thread::sleep_for(200ms);
    }
    return false;
  }

  // The node for a client's attempt: only the one named while the other is stopped (a
  // stopped process accepts connections and answers nothing, so each attempt would wait
  // for its whole read timeout).
  const RflowNode& nodeFor(size_t attempt) const {
    return nodes_[only_ < nodes_.size() ? only_ : attempt % nodes_.size()];
  }

  Reply get(const std::string& path) const {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const RflowNode& node = nodeFor(i);
      if (node.pid <= 0) continue;
      Reply r = node.send("GET", path, nullptr, token_, {}, 10s);
      if (r.status == 200) return r;
    }
    return {};
  }

  // Every acknowledged start completed (each instance is decided first).
  bool allCompleted() const {
    for (const auto& [key, id] : ledger_.started) {
      Reply r = get("/v1/instances/" + id);
      if (text(r.body, "status") != "Completed") return false;
    }
    return true;
  }

  // The oracle (above). Runs once the cluster is quiet.
  void checkOracle() {
    std::map<std::string, std::vector<std::string>> by_key;
    std::string after;
    for (int page = 0; page < 100; ++page) {
      Reply list =
          get("/v1/instances?workflow=Order&limit=500" + (after.empty() ? "" : "&after=" + after));
      ASSERT_EQ(list.status, 200) << list.text;
      for (const json& item : list.body["items"])
        by_key[text(item, "key")].push_back(item["id"]);
      if (!list.body["next"].is_string()) break;
      after = list.body["next"];
    }
    for (const auto& [key, id] : ledger_.started) {
      ASSERT_EQ(by_key[key], std::vector<std::string>{id}) << "key " << key;
      Reply inst = get("/v1/instances/" + id);
      EXPECT_EQ(inst.body["status"], "Completed") << inst.text;
      EXPECT_EQ(inst.body["result"], "TRK-" + key) << inst.text;
      Reply history = get("/v1/instances/" + id + "/history?limit=500");
      ASSERT_EQ(history.status, 200) << history.text;
      std::map<std::string, int> kinds;
      uint64_t expect = 1;
      for (const json& e : history.body["items"]) {
        EXPECT_EQ(e["seq"].get<uint64_t>(), expect++) << id << ": " << history.text;
        ++kinds[e["kind"].get<std::string>()];
      }
      for (const char* once :
           {"started", "approval requested", "approved", "called", "answered", "completed"})
        EXPECT_EQ(kinds[once], 1) << id << " has " << kinds[once] << " '" << once
                                  << "' entries: " << history.text;
      if (ledger_.decided.count(id) == 0) ADD_FAILURE() << id << " was never decided";
    }
    EXPECT_EQ(by_key.size(), ledger_.started.size()) << "instances nobody was told of";
    std::map<std::string, std::string> bodies;
    std::set<std::string> called;
    for (const StubDesk::Call& c : desk_.calls()) {
      auto [it, fresh] = bodies.emplace(c.key, c.body);
      EXPECT_EQ(it->second, c.body) << "Idempotency-Key " << c.key << " with two bodies";
      called.insert(c.key.substr(0, c.key.find('/')));
    }
    for (const auto& [key, id] : ledger_.started)
      EXPECT_TRUE(called.count(id)) << id << " completed without its call reaching the stub";
    // Every partition rebuilt from snapshot + log equals its owner's store; epochs only
    // increase along every log.
    const CommandRun verified = verifiedClean(nats_->clientUrls(), token_);
    EXPECT_EQ(verified.exit_code, 0) << verified.output;
    EXPECT_NE(verified.output.find("clean: 4 partitions verified"), std::string::npos)
        << verified.output;
  }

  // Two clients, each starting and deciding orders through its own node first, for 4 s
  // before `fault` and 4 s after it returns; the number of orders a client gave up on.
  int underLoad(const std::string& prefix, const std::function<void()>& fault) {
    std::atomic<bool> stop{false};
    std::atomic<int> next{0};
    std::atomic<int> failures{0};
    const auto client = [&](size_t via) {
      while (!stop) {
        const std::string key = fmt::format("{}-{}", prefix, next++);
        const std::string id = startOrder(key, via, 40s);
        if (id.empty() || !decide(id, via, 40s)) ++failures;
        std::this_thread::sleep_for(50ms);  // a steady load the suite's 2 cores can carry
      }
    };
    std::thread c0(client, 0), c1(client, 1);
    std::this_thread::sleep_for(4s);
    fault();
    std::this_thread::sleep_for(4s);
    stop = true;
    c0.join();
    c1.join();
    return failures;
  }

  std::string summary() {
    std::string errors;
    for (const auto& [status, n] : ledger_.errors)
      errors += fmt::format(" {}x{}", n, status == "0" ? "no-answer" : status);
    return fmt::format("{} instances, {} stub calls, client errors retried:{}",
                       ledger_.started.size(), desk_.calls().size(),
                       errors.empty() ? " none" : errors);
  }

  std::unique_ptr<NatsServers> nats_;
  StubDesk desk_;
  fs::path dir_;
  std::vector<RflowNode> nodes_;
  std::string token_;
  Ledger ledger_;
  size_t only_ = SIZE_MAX;  // set: every request goes to nodes_[only_]
};

TEST_F(ClusterScenarioTest, S4AStoppedOwnerIsFencedAndSendsNothingWhenItGoesOn) {
  ASSERT_NO_FATAL_FAILURE(startCluster());
  RflowNode& a = nodes_[0];
  RflowNode& b = nodes_[1];
  const std::vector<uint32_t> on_a = partitionsOf(a);
  ASSERT_FALSE(on_a.empty()) << "node-a owns no partition";
  ASSERT_LT(on_a.size(), kPartitions) << "node-b owns no partition";

  // Two waiting instances per partition, started through both nodes.
  int n = 0;
  std::vector<std::string> on_a_ids, others;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    for (size_t i = 0; i < 2; ++i) {
      const std::string id = startOrder(keyOn(p, &n, "S4"), i, 20s);
      ASSERT_FALSE(id.empty()) << summary();
      (owned(a, p) ? on_a_ids : others).push_back(id);
    }
  }
  // A's instances decided: their 2 s sleeps are timers on A when it stops.
  for (const std::string& id : on_a_ids)
    ASSERT_TRUE(decide(id, 1, 20s)) << summary();
  ASSERT_EQ(::kill(a.pid, SIGSTOP), 0);
  const auto stopped_at = Clock::now();
  only_ = 1;

  // B takes A's partitions once A's member entry expires.
  ASSERT_TRUE(waitFor(30s, [&] {
    for (uint32_t p : on_a)
      if (!owned(b, p)) return false;
    return true;
  })) << "node-b did not take node-a's partitions";
  const double takeover = secondsSince(stopped_at);

  // Requests keep being answered through B: the other decisions, new starts on every
  // partition; A's timers fire on B.
  for (const std::string& id : others)
    ASSERT_TRUE(decide(id, 1, 20s)) << summary();
  for (uint32_t p = 0; p < kPartitions; ++p) {
    const std::string id = startOrder(keyOn(p, &n, "S4"), 1, 20s);
    ASSERT_FALSE(id.empty()) << summary();
    ASSERT_TRUE(decide(id, 1, 20s)) << summary();
  }
  ASSERT_TRUE(waitFor(30s, [&] { return allCompleted(); })) << summary();

  // A goes on: its engines meet B's claims, its partitions are released, it sends nothing
  // (later it may get its share back by handover, at a higher epoch).
  std::set<std::string> before_resume;
  for (const auto& [key, id] : ledger_.started)
    before_resume.insert(id);
  ASSERT_EQ(::kill(a.pid, SIGCONT), 0);
  const auto resumed_at = Clock::now();
  only_ = SIZE_MAX;
  ASSERT_TRUE(waitFor(20s, [&] {
    for (uint32_t p = 0; p < kPartitions; ++p)
      if (owned(a, p)) return false;
    return true;
  })) << "node-a still serves a partition node-b claimed";
  const double released = secondsSince(resumed_at);
  // The timers A held were due while it was stopped, so its timer threads try to fire them
  // at once: that append is the one the log refuses.
  const std::string log_a = readFile(a.log);
  EXPECT_NE(log_a.find("the log stopped its engine"), std::string::npos) << log_a;
  EXPECT_NE(log_a.find("node-b claimed it"), std::string::npos) << log_a;
  for (size_t at = log_a.find("the log stopped"); at != std::string::npos;
       at = log_a.find("the log stopped", at + 1))
    std::printf("node-a: ...%s\n", log_a.substr(at, log_a.find('\n', at) - at).c_str());
  // Requests through A are answered again, forwarded to B.
  const std::string late = startOrder(keyOn(on_a.front(), &n, "S4"), 0, 20s);
  ASSERT_FALSE(late.empty()) << summary();
  ASSERT_TRUE(decide(late, 0, 20s)) << summary();
  ASSERT_TRUE(waitFor(20s, [&] { return allCompleted(); })) << summary();

  // Nothing from A for the work it had, or B did, while A was stopped. (A's calls for the
  // late instance are its own: A may own that partition again, by handover, at a new
  // epoch.)
  for (const StubDesk::Call& c : desk_.calls())
    EXPECT_FALSE(c.node == "node-a" && c.at > stopped_at &&
                 before_resume.count(c.key.substr(0, c.key.find('/'))))
        << "node-a sent " << c.key << " after it was stopped";
  checkOracle();
  std::printf(
      "S4: node-b owned node-a's %zu partitions %.1f s after SIGSTOP (member TTL 5 s); "
      "node-a released them %.1f s after SIGCONT; %s\n",
      on_a.size(), takeover, released, summary().c_str());
}

TEST_F(ClusterScenarioTest, S1TheBusiestNodeKilledUnderLoadAndRestartedLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(startCluster());
  std::string dead_name, live_name;
  std::vector<uint32_t> lost;
  bool taken = false, back = false;
  double takeover = 0;
  const int failures = underLoad("S1", [&] {
    const size_t victim = partitionsOf(nodes_[0]).size() >= partitionsOf(nodes_[1]).size() ? 0 : 1;
    RflowNode& dead = nodes_[victim];
    RflowNode& live = nodes_[1 - victim];
    dead_name = dead.name;
    live_name = live.name;
    lost = partitionsOf(dead);
    kill9(dead);
    const auto killed_at = Clock::now();
    taken = waitFor(30s, [&] {
      for (uint32_t p : lost)
        if (!owned(live, p)) return false;
      return true;
    });
    takeover = secondsSince(killed_at);
    if (!taken) return;
    launch(dead);  // same port, same data directory
    back = waitFor(30s,
                   [&] { return dead.send("GET", "/healthz", nullptr, "", {}, 2s).status == 200; });
  });
  ASSERT_TRUE(taken) << "the survivor did not take the killed node's partitions";
  ASSERT_TRUE(back) << dead_name << " did not come back";
  EXPECT_EQ(failures, 0) << "a client gave up: " << summary();
  ASSERT_TRUE(waitFor(40s, [&] { return allCompleted(); })) << summary();
  checkOracle();
  const RflowNode& dead = nodes_[dead_name == nodes_[0].name ? 0 : 1];
  std::printf(
      "S1: %s (%zu partitions) killed; %s owned them %.1f s later (member TTL 5 s); restarted, "
      "%s owns %zu by handover at the end; %s\n",
      dead_name.c_str(), lost.size(), live_name.c_str(), takeover, dead_name.c_str(),
      partitionsOf(dead).size(), summary().c_str());
}

// S2 runs on three NATS servers (every partition log, bucket and the snapshot stream
// replicated three times).
class ClusterScenarioR3Test : public ClusterScenarioTest {
 protected:
  int natsServers() const override { return 3; }
};

// S2: the NATS meta leader (the server that places streams and consumers) is killed with
// kill -9 under load, and started again on its ports and store 5 s later. Streams led by it
// elect new leaders; appends wait through the election (or come back Unknown and are
// repeated), and clients retry what failed. The oracle must hold, and both nodes must
// still be serving at the end.
TEST_F(ClusterScenarioR3Test, S2TheNatsMetaLeaderKilledUnderLoadLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(startCluster());
  int leader = -1, led = 0;
  bool restarted = false;
  std::string restart_error;
  const int failures = underLoad("S2", [&] {
    const json jsz = json::parse(nats_->monitor(0, "/jsz"), nullptr, false);
    if (jsz.is_object() && jsz.contains("meta_cluster"))
      leader = nats_->indexOf(jsz["meta_cluster"].value("leader", std::string()));
    if (leader < 0) return;
    led = nats_->streamsLed(leader);
    nats_->kill9(leader);
    std::this_thread::sleep_for(5s);
    restarted = nats_->restart(leader, &restart_error);
  });
  ASSERT_GE(leader, 0) << "no meta leader was named by " << nats_->name(0);
  ASSERT_TRUE(restarted) << restart_error << "\n" << nats_->logTail(leader);
  EXPECT_EQ(failures, 0) << "a client gave up: " << summary();
  ASSERT_TRUE(waitFor(60s, [&] { return allCompleted(); })) << summary();
  checkOracle();
  for (const RflowNode& node : nodes_)
    EXPECT_EQ(node.send("GET", "/readyz", nullptr, "", {}, 5s).status, 200) << node.name;
  std::printf("S2: NATS meta leader %s (leading %d streams) killed and restarted 5 s later; %s\n",
              nats_->name(leader).c_str(), led, summary().c_str());
}

}  // namespace
}  // namespace rflow::cluster::testing
