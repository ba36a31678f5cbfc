// The outbox across real `rflow serve --cluster` processes (docs/cluster.md "Outbox"): two
// nodes sharing 4 partitions. An event posted to node A starts two keyed workflows whose
// keys hash to a partition of A and to one of B: each is on its key's partition, reached
// by key through either node. A workflow started through A whose keyed child belongs on a
// partition of B waits for it; the child, signalled by key, completes, and its result
// comes back to the parent across the nodes (the relays' hop: POST
// /v1/cluster/partitions/{p}/inbound with the cluster's relay token). `rflow cluster
// verify` is clean afterwards.
//
// The test signals only the PIDs it started; every wait has a deadline. Skipped, saying
// why, without nats-server.
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
using cluster::testing::RflowNode;
using cluster::testing::waitFor;
using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr uint32_t kOutboxPartitionCount = 4;

constexpr const char* kOutboxProject = R"(module shop

signal Paid { reference: string }

workflow Settle(order: string) -> string {
  owner "finance"
  key order
  let paid = await Paid timeout 30d
  return paid?.reference ?? "-"
}

workflow Buy(order: string) -> string {
  owner "ops"
  let r = start Settle(order)
  return "settled {r}"
}

on event Batch(a: string, b: string) start Settle(a)
on event Batch(a: string, b: string) start Settle(b)
)";

class ServeClusterOutboxTest : public cluster::testing::ServeNodesFixture {
 protected:
  void SetUp() override { startServers("serve-outbox", kOutboxProject, kOutboxPartitionCount); }
  void launch(RflowNode& node) { launchWith(node, {}); }
  // A key of shop.Settle placed on one of `partitions`.
  static std::string keyOn(const std::vector<uint32_t>& partitions, std::string_view prefix) {
    for (int i = 0;; ++i) {
      std::string key = fmt::format("{}{}", prefix, i);
      const uint32_t p = engine::partitionFor("shop.Settle", key, kOutboxPartitionCount);
      if (std::find(partitions.begin(), partitions.end(), p) != partitions.end()) return key;
    }
  }
  json instance(const RflowNode& via, const std::string& id) const {
    return via.send("GET", "/v1/instances/" + id, nullptr, token_).body;
  }
};

TEST_F(ServeClusterOutboxTest, EventsAndKeyedChildrenReachTheirKeysPartitionsOnAnotherNode) {
  RflowNode& a = nodes_[0];
  RflowNode& b = nodes_[1];
  launch(a);
  launch(b);
  ASSERT_TRUE(waitFor(30s, [&] {
    return a.send("GET", "/healthz", nullptr, "").status == 200 &&
           b.send("GET", "/healthz", nullptr, "").status == 200;
  })) << "the nodes did not come up";
  int printed_by = 0;
  ASSERT_TRUE(waitFor(5s, [&] {
    return !(token_ = cluster::testing::tokenFromLogs(nodes_, &printed_by)).empty();
  }));
  std::vector<uint32_t> on_a, on_b;
  ASSERT_TRUE(waitFor(20s, [&] {
    on_a.clear();
    on_b.clear();
    for (uint32_t p = 0; p < kOutboxPartitionCount; ++p) {
      const bool oa = a.owns(p, token_), ob = b.owns(p, token_);
      if (oa == ob) return false;
      (oa ? on_a : on_b).push_back(p);
    }
    return !on_a.empty() && !on_b.empty();
  })) << "the nodes do not share the partitions";

  // An event through A: one start on a partition of A, one on a partition of B.
  const std::string here = keyOn(on_a, "e");
  const std::string there = keyOn(on_b, "e");
  const auto fired = a.send("POST", "/v1/events/Batch", {{"a", here}, {"b", there}}, token_);
  ASSERT_EQ(fired.status, 201) << fired.text;
  ASSERT_EQ(fired.body["started"].size(), 2u) << fired.text;
  for (const json& id : fired.body["started"]) {
    ASSERT_TRUE(waitFor(
        15s, [&] { return instance(b, id.get<std::string>()).value("status", "") == "Waiting"; }))
        << id << ": " << instance(b, id.get<std::string>()).dump();
  }
  for (const std::string& key : {here, there}) {
    const auto paid = b.send("POST", "/v1/keys/Settle/" + key + "/signals/Paid",
                             {{"reference", "E-" + key}}, token_);
    EXPECT_EQ(paid.status, 200) << key << ": " << paid.text;
  }

  // A keyed child on a partition of B, for a parent started through A.
  const std::string order = keyOn(on_b, "o");
  // Placed by its Idempotency-Key (Buy has no key) on a partition of A.
  std::string request;
  for (int i = 0; request.empty(); ++i) {
    const std::string candidate = fmt::format("buy-{}", i);
    const uint32_t p = engine::partitionFor("shop.Buy", candidate, kOutboxPartitionCount);
    if (std::find(on_a.begin(), on_a.end(), p) != on_a.end()) request = candidate;
  }
  const auto started = a.send("POST", "/v1/workflows/Buy/instances", {{"order", order}}, token_,
                              {{"Idempotency-Key", request}});
  ASSERT_EQ(started.status, 201) << started.text;
  const std::string parent = started.body["id"].get<std::string>();
  ASSERT_NE(std::find(on_a.begin(), on_a.end(), *engine::partitionOfId(parent)), on_a.end());
  // The child exists on its key's partition once the parent's relay delivered it.
  ASSERT_TRUE(waitFor(15s,
                      [&] {
                        return a.send("POST", "/v1/keys/Settle/" + order + "/signals/Paid",
                                      {{"reference", "R-5"}}, token_)
                                   .status == 200;
                      }))
      << "the child never reached partition "
      << engine::partitionFor("shop.Settle", order, kOutboxPartitionCount);
  ASSERT_TRUE(waitFor(15s, [&] { return instance(b, parent).value("status", "") == "Completed"; }))
      << instance(b, parent).dump();
  EXPECT_EQ(instance(a, parent)["result"], "settled R-5") << instance(a, parent).dump();

  const auto verified = cluster::testing::verifiedClean(nats_->clientUrls(), token_);
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
}

}  // namespace
}  // namespace rflow::service
