// The outbox on a real node (docs/cluster.md "Outbox"): one node alone owning four
// partitions on a real nats-server, its relay threads carrying each partition's outbox to
// the others, and `rflow cluster verify`'s check clean afterwards (the outbox's keys are
// replicated state like any other).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "cluster/snapshot_store.h"
#include "engine/partition.h"
#include "engine_fixture.h"
#include "nats_harness.h"
#include "test_client.h"
#include "node/cluster_verify.h"
#include "node/membership.h"
#include "node/node.h"
#include "replay/state_digest.h"

namespace rflow::node {
namespace {

using cluster::testing::NatsServers;
using namespace std::chrono_literals;
namespace ot = engine::testing;

constexpr const char* kOutboxFlow = R"(module k
signal Paid { reference: string }
workflow Settle(order: string) -> string {
  owner "finance"
  key order
  let paid = await Paid timeout 1h
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
constexpr uint32_t kOutboxPartitions = 4;

template <typename Pred>
bool eventually(std::chrono::milliseconds limit, Pred pred) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return pred();
}

class NoCalls final : public engine::CallDispatcher {
 public:
  void dispatch(engine::CallRequest, std::function<void(engine::CallResult)>) override {
    ADD_FAILURE() << "the outbox flow calls no connector";
  }
};

class NodeOutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_NATS_SERVER();
    std::string error;
    nats_ = NatsServers::start(1, &error);
    ASSERT_TRUE(nats_) << error;
    dir_ = std::filesystem::temp_directory_path() /
           ("rflow-node-outbox-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    NodeOptions o;
    o.node = "node-a";
    o.advertise = "http://127.0.0.1:1/node-a";
    o.nats = nats_->clientUrls();
    o.partitions = kOutboxPartitions;
    o.replicas = 1;
    o.member_ttl = 2000ms;
    o.settle = 0ms;
    o.data_dir = dir_ / "node-a";
    o.durability = store::Durability::kAsync;
    o.clock = &clock_;
    o.calls = &calls_;
    o.module = ot::compile(kOutboxFlow);
    o.nats_timeout = 1000ms;
    o.append_deadline = 3000ms;
    o.timer_poll = 50ms;
    o.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    auto started = Node::start(std::move(o));
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Node>>(started))
        << std::get<std::string>(started);
    node_ = std::move(std::get<std::unique_ptr<Node>>(started));
    ASSERT_TRUE(eventually(15s, [&] { return node_->owned().size() == kOutboxPartitions; }));
  }
  void TearDown() override {
    node_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // A key of k.Settle that placement puts on `p`.
  static std::string keyOn(uint32_t p, std::string_view prefix) {
    for (int i = 0;; ++i) {
      std::string key = fmt::format("{}{}", prefix, i);
      if (engine::partitionFor("k.Settle", key, kOutboxPartitions) == p) return key;
    }
  }
  std::optional<engine::InstanceView> find(uint32_t p, const std::string& id) {
    auto found = node_->engineFor(p)->instance(id);
    if (!found) return std::nullopt;
    return *found;
  }
  // The owner asked in-process, as `rflow cluster verify` asks it over HTTP.
  OwnerAsk askHere() {
    const auto fail = [](std::string why) {
      return cluster::Status::failure(cluster::ErrorKind::kUnavailable, std::move(why));
    };
    OwnerAsk ask;
    ask.digest = [this, fail](const OwnerInfo&,
                              uint32_t p) -> cluster::Result<replay::StateDigest> {
      auto engine = node_->engineFor(p);
      if (!engine) return fail("not the owner");
      auto digest = replay::digestState(engine->store());
      if (!digest.ok()) return fail(digest.status().message());
      return digest.value();
    };
    ask.page = [this, fail](const OwnerInfo&, uint32_t p, store::Column column,
                            const std::optional<std::string>& after,
                            size_t limit) -> cluster::Result<replay::StatePage> {
      auto engine = node_->engineFor(p);
      if (!engine) return fail("not the owner");
      auto page = replay::readStatePage(engine->store(), column, after, limit);
      if (!page.ok()) return fail(page.status().message());
      return page.value();
    };
    return ask;
  }

  std::unique_ptr<NatsServers> nats_;
  std::filesystem::path dir_;
  engine::SystemClock clock_;
  NoCalls calls_;
  std::unique_ptr<Node> node_;
};

TEST_F(NodeOutboxTest, TheRelayCarriesAChildToItsKeysPartitionAndItsResultBack) {
  const std::string order = keyOn(2, "o");
  auto parent_engine = node_->engineFor(0);
  auto started = parent_engine->start("Buy", {vm::Value::string(order)});
  ASSERT_TRUE(std::holds_alternative<engine::InstanceView>(started));
  const std::string parent = std::get<engine::InstanceView>(started).id;
  // The child appears on partition 2, by key, carried by partition 0's relay.
  auto child_engine = node_->engineFor(2);
  std::string child;
  ASSERT_TRUE(eventually(10s, [&] {
    auto id = child_engine->instanceForKey("k.Settle", order);
    if (!id.ok()) return false;
    child = *id;
    auto v = find(2, child);
    return v && v->status == engine::Status::kWaiting;
  }));
  EXPECT_EQ(engine::partitionOfId(child), 2u) << child;
  EXPECT_EQ(find(2, child)->parent, parent);
  const auto paid = *child_engine->currentProgram()->recordIndex("k.Paid");
  ASSERT_EQ(child_engine->signalByKey("k.Settle", order, "Paid",
                                      vm::Value::record(paid, {vm::Value::string("R-7")})),
            std::nullopt);
  ASSERT_TRUE(eventually(10s, [&] {
    auto v = find(0, parent);
    return v && v->status == engine::Status::kCompleted;
  }));
  auto done = find(0, parent);
  EXPECT_EQ(vm::printed(*done->result, done->program->module()), "settled R-7");
  // Both outboxes are forgotten once acknowledged.
  ASSERT_TRUE(eventually(5s, [&] {
    return node_->engineFor(0)->pendingOutbox().value().empty() &&
           node_->engineFor(2)->pendingOutbox().value().empty();
  }));

  // An event whose starts hash to two partitions: each on its own.
  const std::string a = keyOn(1, "e");
  const std::string b = keyOn(3, "e");
  auto fired = node_->engineFor(0)->event("Batch", {vm::Value::string(a), vm::Value::string(b)});
  ASSERT_TRUE(std::holds_alternative<std::vector<std::string>>(fired));
  EXPECT_EQ(std::get<std::vector<std::string>>(fired).size(), 2u);
  ASSERT_TRUE(eventually(10s, [&] {
    return node_->engineFor(1)->instanceForKey("k.Settle", a).ok() &&
           node_->engineFor(3)->instanceForKey("k.Settle", b).ok();
  }));

  // The owners' stores, outbox keys and high-water marks included, are what their logs
  // say (once the relays forgot what they delivered).
  ASSERT_TRUE(eventually(5s, [&] {
    for (uint32_t p = 0; p < kOutboxPartitions; ++p)
      if (!node_->engineFor(p)->pendingOutbox().value().empty()) return false;
    return true;
  }));
  auto reader = cluster::testing::connectClient(*nats_, "reader");
  ASSERT_TRUE(reader);
  auto report = verifyCluster(
      reader,
      {.partition = std::nullopt, .work_dir = dir_ / "verify", .ask = askHere(), .page_keys = 500});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report.value().ok()) << formatVerify(report.value());
}

}  // namespace
}  // namespace rflow::node
