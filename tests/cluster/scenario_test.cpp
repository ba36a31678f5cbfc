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
// The fixture, the stub connector, the clients and the oracle are in scenario_fixture.h;
// the longer scenarios (S3, S5-S8) are in scenario_long_test.cpp. The test signals only
// the PIDs it started; every wait has a deadline.
#include <gtest/gtest.h>

#include "scenario_fixture.h"
#include "../common/sanitizers.h"

namespace rflow::cluster::testing {
namespace {

using namespace scenario;
using namespace std::chrono_literals;
using nlohmann::json;

constexpr uint32_t kPartitions = 4;

class ClusterScenarioTest : public ScenarioFixture {};

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
  if (::rflow::testing_support::kUnderSanitizers)
    GTEST_SKIP() << ::rflow::testing_support::kSanitizerSkip;
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
class ClusterScenarioR3Test : public ScenarioFixture {
 protected:
  int natsServers() const override { return 3; }
};

// S2: the NATS meta leader (the server that places streams and consumers) is killed with
// kill -9 under load, and started again on its ports and store 5 s later. Streams led by it
// elect new leaders; appends wait through the election (or come back Unknown and are
// repeated), and clients retry what failed. The oracle must hold, and both nodes must
// still be serving at the end.
TEST_F(ClusterScenarioR3Test, S2TheNatsMetaLeaderKilledUnderLoadLosesNothing) {
  if (::rflow::testing_support::kUnderSanitizers)
    GTEST_SKIP() << ::rflow::testing_support::kSanitizerSkip;
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
