// The front door's directory on a cluster node (service/node_directory.h), against the
// harness's single nats-server: a node that owns every partition serves each one locally
// with its own Router; when one partition's engine is fenced (a claim appended behind the
// node's back), the directory stops handing out that Router at once, and serves the
// partition again with a new Service and Router over the engine of the node's next claim.
// The Router a request already held stays usable (it keeps its engine alive). Skipped,
// saying why, without nats-server. Bounded: every wait has a deadline.
#include "service/node_directory.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "cluster/deployment_log.h"
#include "cluster/jetstream_partition_log.h"
#include "cluster/log_writer.h"
#include "engine_fixture.h"
#include "nats_harness.h"
#include "test_client.h"
#include "service/partition_router.h"

namespace rflow::service {
namespace {

using cluster::testing::NatsServers;
using namespace std::chrono_literals;
namespace et = engine::testing;

constexpr uint32_t kParts = 4;

template <typename Pred>
bool eventuallyTrue(std::chrono::milliseconds limit, Pred pred) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return pred();
}

// The Router the directory hands out for `p` now; null unless the partition is local.
std::shared_ptr<const Router> localRouter(const NodeDirectory& d, uint32_t p) {
  PartitionTarget t = d.target(p);
  auto* local = std::get_if<LocalTarget>(&t);
  return local ? local->router : nullptr;
}

TEST(NodeDirectoryTest, AFencedPartitionIsDroppedAndServedAgainOnTheNodesNextClaim) {
  REQUIRE_NATS_SERVER();
  std::string error;
  auto nats = NatsServers::start(1, &error);
  ASSERT_TRUE(nats) << error;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rflow-node-directory-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  engine::SystemClock clock;
  et::ScriptedCalls calls;
  calls.handler = [](const std::string&, const std::vector<vm::Value>&, uint32_t) {
    return et::ok(vm::Value::boolean(true));
  };

  node::NodeOptions o;
  o.node = "node-a";
  o.advertise = "http://127.0.0.1:1";
  o.nats = nats->clientUrls();
  o.partitions = kParts;
  o.replicas = 1;
  o.member_ttl = 2000ms;
  o.settle = 200ms;
  o.data_dir = dir;
  o.durability = store::Durability::kAsync;
  o.clock = &clock;
  o.calls = &calls;
  o.module = et::compile(et::kPurchase);
  o.nats_timeout = 1000ms;
  o.append_deadline = 3000ms;
  auto started = node::Node::start(o);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<node::Node>>(started))
      << std::get<std::string>(started);
  auto& a = std::get<std::unique_ptr<node::Node>>(started);

  runtime::Config config;
  runtime::ConnectorSet connectors =
      std::get<runtime::ConnectorSet>(runtime::ConnectorSet::fromConfig(config));
  Authenticator auth({{"root", {"admin"}, sha256("token")}});
  PartitionServing serving;
  serving.connectors = &connectors;
  serving.config = &config;
  serving.auth = &auth;
  NodeDirectory directory(*a, std::move(serving));
  directory.start();

  ASSERT_TRUE(eventuallyTrue(10s, [&] { return directory.served().size() == kParts; }));
  const uint32_t p = 2;
  const std::shared_ptr<const Router> before = localRouter(directory, p);
  ASSERT_TRUE(before);
  EXPECT_EQ(localRouter(directory, p), before);  // the same entry while nothing changes
  std::shared_ptr<engine::Engine> first = a->engineFor(p);

  // A claim behind the node's back (by a node that is no member).
  std::shared_ptr<cluster::NatsClient> shared = cluster::testing::connectClient(*nats, "rogue");
  ASSERT_TRUE(shared);
  cluster::JetStreamLogOptions lo;
  lo.replicas = 1;
  auto log = cluster::JetStreamPartitionLog::open(shared, p, lo);
  ASSERT_TRUE(log.ok());
  cluster::LogWriter rogue(*log.value(), log.value()->lastSeq().value(), 1);
  ASSERT_TRUE(rogue.claim("node-x").appended());
  const auto program = first->currentProgram();
  auto refused =
      first->start("Purchase", {et::order(*program, "F1", "1.00"), vm::Value::string("ana")});
  ASSERT_TRUE(std::holds_alternative<engine::EngineError>(refused));

  // Served again over the node's next claim, by a new Router: never the fenced one.
  std::shared_ptr<const Router> after;
  ASSERT_TRUE(eventuallyTrue(10s, [&] {
    after = localRouter(directory, p);
    return after && after != before && a->engineFor(p) && a->engineFor(p) != first;
  }));
  // Both answer: the new one, and the old one a request may still hold (it keeps the
  // fenced engine alive, which still reads its store).
  HttpRequest list;
  list.method = "GET";
  list.path = "/v1/instances";
  list.authorization = "Bearer token";
  EXPECT_EQ(after->handle(list).status, 200) << after->handle(list).body;
  EXPECT_EQ(before->handle(list).status, 200) << before->handle(list).body;
  EXPECT_EQ(directory.served().size(), kParts);

  directory.stop();
  EXPECT_TRUE(directory.served().empty());
  EXPECT_FALSE(localRouter(directory, p));  // nothing is built after stop()
  first.reset();
  a->stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// POST /v1/deployments through a cluster node's front door: compiled and checked as on
// one node, appended once to the deployment log, and answered when every partition has
// applied it; the same project again is no new entry; a project with errors appends
// nothing.
TEST(NodeDirectoryTest, ADeploymentThroughTheFrontDoorIsAppendedOnceAndAppliedEverywhere) {
  REQUIRE_NATS_SERVER();
  std::string error;
  auto nats = NatsServers::start(1, &error);
  ASSERT_TRUE(nats) << error;
  engine::SystemClock clock;
  et::ScriptedCalls calls;
  node::NodeOptions o;
  o.node = "node-a";
  o.advertise = "http://127.0.0.1:1";
  o.nats = nats->clientUrls();
  o.partitions = kParts;
  o.replicas = 1;
  o.member_ttl = 2000ms;
  o.settle = 200ms;
  o.in_memory = true;
  o.data_dir = "/deploy-test";
  o.durability = store::Durability::kAsync;
  o.clock = &clock;
  o.calls = &calls;
  o.module = et::compile(et::kPurchase);
  o.nats_timeout = 1000ms;
  o.append_deadline = 3000ms;
  auto started = node::Node::start(o);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<node::Node>>(started))
      << std::get<std::string>(started);
  auto& a = std::get<std::unique_ptr<node::Node>>(started);
  runtime::Config config;
  runtime::ConnectorSet connectors =
      std::get<runtime::ConnectorSet>(runtime::ConnectorSet::fromConfig(config));
  Authenticator auth({{"root", {"admin"}, sha256("token")}});
  PartitionServing serving;
  serving.connectors = &connectors;
  serving.config = &config;
  serving.auth = &auth;
  NodeDirectory directory(*a, std::move(serving));
  directory.start();
  ASSERT_TRUE(eventuallyTrue(10s, [&] { return directory.served().size() == kParts; }));
  PartitionRouter front(directory, RequestLimits{});

  const auto deploy = [&](const std::string& source) {
    HttpRequest r;
    r.method = "POST";
    r.path = "/v1/deployments";
    r.authorization = "Bearer token";
    r.content_type = "application/json";
    r.body = nlohmann::json{{"files", {{"ops.rflow", source}}}}.dump();
    return front.handle(r);
  };
  const std::string ops =
      "module ops\n\nworkflow Later() -> int {\n  owner \"ops\"\n  return 2\n}\n";
  const HttpReply first = deploy(ops);
  ASSERT_EQ(first.status, 201) << first.body;
  const auto body = nlohmann::json::parse(first.body);
  EXPECT_EQ(body["sequence"], 2);
  EXPECT_EQ(body["appended"], true);
  EXPECT_EQ(body["complete"], true);
  EXPECT_EQ(body["applied"], nlohmann::json::array({0, 1, 2, 3}));
  EXPECT_EQ(body["pending"], nlohmann::json::array());
  EXPECT_EQ(body["workflows"], nlohmann::json::array({"ops.Later"}));
  for (uint32_t p = 0; p < kParts; ++p) {
    auto e = a->engineFor(p);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->currentVersion().value_or(""), body["version"].get<std::string>()) << p;
  }
  const HttpReply again = deploy(ops);
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(nlohmann::json::parse(again.body)["sequence"], 2);
  EXPECT_EQ(nlohmann::json::parse(again.body)["appended"], false);
  const HttpReply broken = deploy("module ops\n\nworkflow Later( {\n");
  EXPECT_EQ(broken.status, 400) << broken.body;
  auto tail = a->deploymentTail();
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail.value(), 2u);

  directory.stop();
  a->stop();
}

}  // namespace
}  // namespace rflow::service
