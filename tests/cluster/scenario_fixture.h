// The fault scenarios' fixture (../shared/design/scaleout.md §8), shared by the suite's
// bounded scenarios (scenario_test.cpp: S1, S2, S4) and the longer ones that only
// scripts/cluster-scenarios.sh runs (scenario_long_test.cpp: S3, S5-S8): `rflow serve
// --cluster` processes on the harness's nats-server(s) (127.0.0.1), 4 partitions, member
// TTL 5 s, one project whose workflow waits for an approval, sleeps (2 s at --time-scale
// 60) and then calls a connector: a stub endpoint in this process that records every call
// with the Idempotency-Key, the body and the node that sent it (each node runs with
// RFLOW_TEST_NODE in its environment, which rflow.toml puts in a header).
//
// Clients start instances and decide their approvals with Idempotency-Keys, retrying on
// any error or no answer through the other nodes; the Ledger keeps every 2xx.
//
// The oracle, once the cluster is quiet: every 2xx answer is in the final state (each
// acknowledged start is the one instance of its key, each acknowledged decision is in its
// instance's history), every instance completed with its connector's answer, its history
// runs seq 1..k with no gap and no doubled step (one start, one approval, one timer, one
// completion), at the stub each Idempotency-Key always carried the same body, and
// `rflow cluster verify` is clean (each partition rebuilt from snapshot + log equals its
// owner's store; epochs only increase along each log).
//
// A test signals only the PIDs it started; every wait has a deadline. Each binary that
// includes this header defines the fixture once (one test file per binary).
#pragma once

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

namespace rflow::cluster::testing::scenario {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

inline constexpr const char* kWorkflow = "shop.Order";

inline constexpr const char* kProject = R"(module shop

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
inline std::string text(const json& body, const char* name) {
  if (!body.is_object() || !body.contains(name) || !body[name].is_string()) return "";
  return body[name].get<std::string>();
}

inline double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The connector's system: POST /desk/ship answers "TRK-<id>" and records the call.
class StubDesk {
 public:
  struct Call {
    std::string node, key, body;
    Clock::time_point at;
  };

  // Listens on `host` (127.0.0.1; 0.0.0.0 when a node in a network namespace calls it).
  bool start(const std::string& host) {
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
    port_ = server_.bind_to_any_port(host);
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
  // When each 2xx (start or decision) was answered, by the partition it wrote to: the
  // longest gap around a fault is how long that partition was not served.
  std::map<uint32_t, std::vector<Clock::time_point>> acked_at;
  // Which node gave each 2xx, and when (a node cut off from NATS must not acknowledge
  // what it cannot append).
  struct Ack {
    std::string node;  // the node the client sent it to (it may have forwarded it)
    Clock::time_point at;
    std::optional<uint32_t> partition;
  };
  std::vector<Ack> acked_by;
  void acked(const std::string& id, const std::string& node) {  // with mutex held
    const auto now = Clock::now();
    const std::optional<uint32_t> p = engine::partitionOfId(id);
    if (p) acked_at[*p].push_back(now);
    acked_by.push_back({node, now, p});
  }
  void error(int status) {
    std::lock_guard lock(mutex);
    ++errors[std::to_string(status)];
  }
};

class ScenarioFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_NATS_SERVER();
    std::string error;
    nats_ = NatsServers::start(natsServers(), &error, natsListenHost());
    ASSERT_TRUE(nats_) << error;
    ASSERT_TRUE(desk_.start(natsListenHost())) << "the stub connector endpoint did not start";
    dir_ = fs::temp_directory_path() / fmt::format("rflow-scenario-{}", ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "project");
    std::ofstream(dir_ / "project" / "shop.rflow") << kProject;
    std::ofstream(dir_ / "project" / "rflow.toml") << fmt::format(
        "[engine]\nworkers = 2\n\n[connectors.desk]\nurl = \"http://{}:{}/desk\"\n"
        "headers = {{ Rflow-Test-Node = \"${{RFLOW_TEST_NODE}}\" }}\n",
        deskHost(), desk_.port());
    nodes_ =
        clusterNodes(dir_, nodeNames(), nats_->clientUrls(), partitions(), nats_->size(), "5s");
    clients_ = nodes_.size();
  }

  // 1 server (R1), or 3 in one JetStream cluster (R3).
  virtual int natsServers() const { return 1; }
  // Where the NATS servers' client ports and the stub connector listen, and the address
  // the nodes reach the stub at.
  virtual std::string natsListenHost() const { return "127.0.0.1"; }
  virtual std::string deskHost() const { return "127.0.0.1"; }
  virtual std::vector<std::string> nodeNames() const { return {"node-a", "node-b"}; }
  virtual uint32_t partitions() const { return 4; }

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

  // The first `count` nodes (all when 0) up, the token known, each partition owned by
  // exactly one of them; the clients then go through those nodes.
  void startCluster(size_t count = 0) {
    if (count == 0) count = nodes_.size();
    clients_ = count;
    for (size_t i = 0; i < count; ++i)
      launch(nodes_[i]);
    ASSERT_TRUE(waitFor(30s, [&] {
      for (size_t i = 0; i < count; ++i)
        if (nodes_[i].send("GET", "/healthz", nullptr, "", {}, 2s).status != 200) return false;
      return true;
    })) << "the nodes did not come up";
    int printed_by = 0;
    ASSERT_TRUE(
        waitFor(5s, [&] { return !(token_ = tokenFromLogs(nodes_, &printed_by)).empty(); }));
    ASSERT_TRUE(waitFor(20s, [&] {
      for (uint32_t p = 0; p < partitions(); ++p) {
        size_t owners = 0;
        for (size_t i = 0; i < count; ++i)
          owners += owned(nodes_[i], p) ? 1 : 0;
        if (owners != 1) return false;
      }
      return true;
    })) << "the partitions were not shared out";
  }

  bool owned(const RflowNode& node, uint32_t p) const { return node.owns(p, token_); }
  std::vector<uint32_t> partitionsOf(const RflowNode& node) const {
    std::vector<uint32_t> out;
    for (uint32_t p = 0; p < partitions(); ++p)
      if (owned(node, p)) out.push_back(p);
    return out;
  }

  // The n-th key (from `from`) whose instance lands on partition p.
  std::string keyOn(uint32_t p, int* from, const std::string& prefix) const {
    for (;; ++*from) {
      const std::string k = fmt::format("{}-{}", prefix, *from);
      if (engine::partitionFor(kWorkflow, k, partitions()) == p) {
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
        ledger_.acked(id, node.name);
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
          ledger_.acked(id, node.name);
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
    return nodes_[only_ < nodes_.size() ? only_ : attempt % clients_];
  }

  // A read through the clients' nodes, the first 200. None: asked again for up to
  // `patience`, since a partition changing hands (a handover after the fault) answers 503
  // for a moment; the last answer then.
  Reply get(const std::string& path, std::chrono::milliseconds patience = 20s) const {
    const auto until = Clock::now() + patience;
    Reply last;
    do {
      for (size_t i = 0; i < clients_; ++i) {
        const RflowNode& node = nodeFor(i);
        if (node.pid <= 0) continue;
        last = node.send("GET", path, nullptr, token_, {}, 10s);
        if (last.status == 200) return last;
      }
      if (Clock::now() < until) std::this_thread::sleep_for(200ms);
    } while (Clock::now() < until);
    return last;
  }

  // Every acknowledged start completed (each instance is decided first).
  bool allCompleted() const {
    for (const auto& [key, id] : ledger_.started) {
      Reply r = get("/v1/instances/" + id);
      if (text(r.body, "status") != "Completed") return false;
    }
    return true;
  }

  // For a failure message: the acknowledged instances not completed (the first 10), each
  // with what a node answers about it.
  std::string incomplete() const {
    std::string out;
    int shown = 0;
    for (const auto& [key, id] : ledger_.started) {
      Reply r = get("/v1/instances/" + id, 2s);
      if (text(r.body, "status") == "Completed") continue;
      if (++shown > 10) {
        out += "…\n";
        break;
      }
      out += fmt::format("{} ({}): {} {}\n", id, key, r.status, r.text.substr(0, 400));
    }
    return out;
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
    EXPECT_NE(verified.output.find(fmt::format("clean: {} partitions verified", partitions())),
              std::string::npos)
        << verified.output;
  }

  // Two clients, each starting and deciding orders through its own node first, for
  // `before` before `fault` and `after` after it returns; the number of orders a client
  // gave up on.
  int underLoad(const std::string& prefix, const std::function<void()>& fault,
                std::chrono::milliseconds before = 4s, std::chrono::milliseconds after = 4s) {
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
    std::this_thread::sleep_for(before);
    fault();
    std::this_thread::sleep_for(after);
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
  size_t clients_ = 2;      // clients go through nodes_[0 .. clients_)
};

}  // namespace rflow::cluster::testing::scenario
