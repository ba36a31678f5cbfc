// `rflow serve --cluster` as processes (service/serve.h, docs/cluster.md "Running a
// cluster"): two rflow nodes on one nats-server (the harness's, on 127.0.0.1) sharing 4
// partitions, started from one project whose rflow.toml configures no users. Exactly one
// node prints the cluster's admin token, and both accept it. A start through node A of an
// instance whose partition B owns lands on B, is listed through both, and its approval is
// decided through A. B stops cleanly (SIGTERM, exit 0): A claims B's partitions, and the
// instance is still there and completes through A. The `on schedule` trigger fires on one
// partition only. Ownership is read from outside through the protocol itself: a forwarded
// request for a partition a node does not own is answered 421, one it owns 404 (no such id).
// Insights through either node are merged from every partition's.
//
// The test records the PIDs it starts and signals only those; every node dies with the test
// (PR_SET_PDEATHSIG). Every wait has a deadline. Skipped, saying why, without nats-server.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/partition.h"
#include "nats_harness.h"
#include "rflow_process.h"
#include "serve_nodes_fixture.h"

namespace rflow::service {
namespace {

using cluster::testing::NatsServers;
using cluster::testing::readFile;
using cluster::testing::Reply;
using cluster::testing::RflowNode;
using cluster::testing::waitFor;
using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr uint32_t kPartitions = 4;

constexpr const char* kProject = R"(module shop

signal Shipped { tracking: string }

workflow Ship(id: string, approver: User) -> string {
  owner "ops"
  key id
  let ok = approval "Ship {id}" {
    assign approver
  }
  if not ok.approved {
    return "declined"
  }
  let shipped = await Shipped timeout 30d
  return shipped?.tracking ?? "lost"
}

workflow Tick() {
  owner "ops"
  note "tick"
}

on schedule "* * * * *" start Tick()
)";

class ServeClusterTest : public cluster::testing::ServeNodesFixture {
 protected:
  void SetUp() override { startServers("serve-cluster", kProject, kPartitions); }
  void launch(RflowNode& node) { launchWith(node, {"--time-scale", "60"}); }

  static void kill9(RflowNode& node) { cluster::testing::kill9(node); }
  static int stop(RflowNode& node, std::chrono::milliseconds limit) {
    return cluster::testing::stopNode(node, limit);
  }

  bool owns(const RflowNode& node, uint32_t p) const { return node.owns(p, token_); }

  std::string tokenFromLogs(int* printed_by) const {
    return cluster::testing::tokenFromLogs(nodes_, printed_by);
  }
};

TEST_F(ServeClusterTest, TwoNodesServeOneClusterAndTheSurvivorCompletesTheOthersInstance) {
  RflowNode& a = nodes_[0];
  RflowNode& b = nodes_[1];
  // Together, within the first placement's settle time (member_ttl / 2: 4 s, generous on a
  // loaded machine), so that they share the partitions.
  launch(a);
  launch(b);
  const auto both_up = [&] {
    return a.send("GET", "/healthz", nullptr, "").status == 200 &&
           b.send("GET", "/healthz", nullptr, "").status == 200;
  };
  ASSERT_TRUE(waitFor(30s, both_up)) << "the nodes did not come up";

  int printed_by = 0;
  ASSERT_TRUE(waitFor(5s, [&] { return !(token_ = tokenFromLogs(&printed_by)).empty(); }));
  EXPECT_EQ(printed_by, 1) << "the cluster's admin token is made by one node only";

  // Every partition is owned by exactly one of them, and each owns some.
  std::vector<uint32_t> on_b;
  ASSERT_TRUE(waitFor(20s, [&] {
    on_b.clear();
    for (uint32_t p = 0; p < kPartitions; ++p) {
      const bool oa = owns(a, p), ob = owns(b, p);
      if (oa == ob) return false;
      if (ob) on_b.push_back(p);
    }
    return true;
  }));
  // Each node reaches every partition: a list through either is complete.
  ASSERT_TRUE(waitFor(10s, [&] {
    return a.send("GET", "/v1/instances", nullptr, token_).status == 200 &&
           b.send("GET", "/v1/instances", nullptr, token_).status == 200;
  }));
  ASSERT_FALSE(on_b.empty()) << "node-b owns no partition";
  ASSERT_LT(on_b.size(), kPartitions) << "node-a owns no partition";

  // A key whose instance lands on one of B's partitions, started through A.
  std::string key;
  for (int i = 0; key.empty(); ++i) {
    const std::string k = fmt::format("S-{}", i);
    if (engine::partitionFor("shop.Ship", k, kPartitions) == on_b.front()) key = k;
  }
  Reply started =
      a.send("POST", "/v1/workflows/Ship/instances", {{"id", key}, {"approver", "admin"}}, token_);
  ASSERT_EQ(started.status, 201) << started.text;
  const std::string id = started.body.value("id", "");
  EXPECT_EQ(engine::partitionOfId(id), on_b.front()) << id;
  // Both find it by id, and list it.
  for (const RflowNode* node : {&a, &b}) {
    Reply one = node->send("GET", "/v1/instances/" + id, nullptr, token_);
    ASSERT_EQ(one.status, 200) << node->name << ": " << one.text;
    Reply list = node->send("GET", "/v1/instances?workflow=Ship", nullptr, token_);
    ASSERT_EQ(list.status, 200) << node->name << ": " << list.text;
    ASSERT_EQ(list.body["items"].size(), 1u) << list.text;
    EXPECT_EQ(list.body["items"][0]["id"], id);
  }
  // Without the token, through either node: 401, as on one node.
  EXPECT_EQ(b.send("GET", "/v1/instances/" + id, nullptr, "").status, 401);
  EXPECT_EQ(a.send("GET", "/v1/instances/" + id, nullptr, "wrong").status, 401);

  // Insights through either node are of every partition: one more Ship on each, the
  // figures merged from both nodes' partitions (docs/cluster.md "Insights across
  // partitions"), the same through A and B.
  for (uint32_t p = 0; p < kPartitions; ++p) {
    std::string k;
    for (int i = 0; k.empty(); ++i) {
      const std::string candidate = fmt::format("I-{}", i);
      if (engine::partitionFor("shop.Ship", candidate, kPartitions) == p) k = candidate;
    }
    Reply more =
        b.send("POST", "/v1/workflows/Ship/instances", {{"id", k}, {"approver", "admin"}}, token_);
    ASSERT_EQ(more.status, 201) << more.text;
  }
  json merged;
  ASSERT_TRUE(waitFor(10s, [&] {
    Reply r = a.send("GET", "/v1/insights/stages?workflow=Ship", nullptr, token_);
    int64_t open = 0;
    for (const json& stage : r.body.value("stages", json::array()))
      open += stage.value("open", int64_t{0});
    return r.status == 200 && open == kPartitions + 1;
  })) << a.send("GET", "/v1/insights/stages?workflow=Ship", nullptr, token_).text;
  for (const RflowNode* node : {&a, &b}) {
    Reply r = node->send("GET", "/v1/insights?workflow=Ship", nullptr, token_);
    ASSERT_EQ(r.status, 200) << node->name << ": " << r.text;
    ASSERT_EQ(r.body["workflows"].size(), 1u) << r.text;
    EXPECT_EQ(r.body["workflows"][0]["started"], kPartitions + 1) << r.text;
    EXPECT_EQ(r.body["workflows"][0]["tasks"]["created"], kPartitions + 1) << r.text;
    if (merged.is_null()) merged = r.body["workflows"];
    EXPECT_EQ(r.body["workflows"][0]["instances"], merged[0]["instances"]) << node->name;
    EXPECT_EQ(node->send("GET", "/v1/insights/at-risk", nullptr, token_).status, 200);
    Reply bad = node->send("GET", "/v1/insights?workflow=Ship&period=7d", nullptr, token_);
    EXPECT_EQ(bad.status, 400) << bad.text;
    EXPECT_NE(bad.text.find("`period`"), std::string::npos) << bad.text;
  }

  // The approval decided through A.
  Reply view = a.send("GET", "/v1/instances/" + id, nullptr, token_);
  ASSERT_TRUE(view.body["waiting_for"].is_array() && !view.body["waiting_for"].empty())
      << view.text;
  const std::string task = view.body["waiting_for"][0]["task"];
  Reply decided = a.send("POST", "/v1/tasks/" + task + "/decision", {{"approve", true}}, token_);
  ASSERT_EQ(decided.status, 200) << decided.text;

  // B stops cleanly; A takes its partitions (B deleted its member entry: no TTL to wait).
  ASSERT_EQ(stop(b, 30s), 0) << "node-b did not stop cleanly";
  ASSERT_TRUE(waitFor(20s, [&] {
    for (uint32_t p = 0; p < kPartitions; ++p) {
      if (!owns(a, p)) return false;
    }
    return true;
  })) << "node-a did not take every partition";

  // Every partition is A's now: its insights are still of all of them.
  Reply alone = a.send("GET", "/v1/insights?workflow=Ship", nullptr, token_);
  ASSERT_EQ(alone.status, 200) << alone.text;
  EXPECT_EQ(alone.body["workflows"][0]["started"], kPartitions + 1) << alone.text;

  // The instance is there, waiting for its signal, and completes through A.
  Reply kept = a.send("GET", "/v1/instances/" + id, nullptr, token_);
  ASSERT_EQ(kept.status, 200) << kept.text;
  EXPECT_EQ(kept.body["status"], "Waiting") << kept.text;
  EXPECT_EQ(kept.body["waiting_for"][0]["detail"], "Shipped") << kept.text;
  Reply signalled =
      a.send("POST", "/v1/keys/Ship/" + key + "/signals/Shipped", {{"tracking", "TRK-1"}}, token_);
  ASSERT_EQ(signalled.status, 200) << signalled.text;
  ASSERT_TRUE(waitFor(10s, [&] {
    Reply done = a.send("GET", "/v1/instances/" + id, nullptr, token_);
    return done.body["status"] == "Completed" && done.body["result"] == "TRK-1";
  })) << a.send("GET", "/v1/instances/" + id, nullptr, token_).text;

  // The schedule fired (a minute is a second at --time-scale 60), on one partition only.
  const uint32_t tick_partition = engine::partitionFor("shop.Tick", "", kPartitions);
  Reply ticks;
  ASSERT_TRUE(waitFor(10s, [&] {
    ticks = a.send("GET", "/v1/instances?workflow=Tick&limit=500", nullptr, token_);
    return ticks.status == 200 && !ticks.body["items"].empty();
  })) << ticks.text;
  for (const json& item : ticks.body["items"])
    EXPECT_EQ(engine::partitionOfId(item["id"].get<std::string>()), tick_partition) << item.dump();
}

}  // namespace
}  // namespace rflow::service
