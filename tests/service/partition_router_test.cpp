// A cluster's front door (service/partition_router.h) without NATS: two "nodes" on
// loopback, each serving two partitions (4 engines on in-memory stores with the default
// local log), each behind its own PartitionRouter and HTTP server with a directory that
// says which node owns which partition. Node 0 owns partitions 0 and 1, node 1 owns 2
// and 3. Requests go through real sockets, and every forward is counted.
#include "service/partition_router.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "engine/partition.h"
#include "service/forward_client.h"
#include "service/http_server.h"
#include "service/metrics_merge.h"
#include "service_test_util.h"
#include "shop_project.h"

namespace rflow::service::testing {
namespace {

using nlohmann::json;

constexpr uint32_t kPartitions = 4;

// A directory the test can change while nodes serve (an owner moving, dying).
class TestDirectory final : public PartitionDirectory {
 public:
  uint32_t count() const override { return kPartitions; }
  PartitionTarget target(uint32_t partition) const override {
    std::lock_guard lock(mutex_);
    return targets_.at(partition);
  }
  void set(uint32_t partition, PartitionTarget target) {
    std::lock_guard lock(mutex_);
    targets_.at(partition) = std::move(target);
  }
  // What refresh(partition) will learn: the owner as the node's KV would say it now.
  void setOnRefresh(uint32_t partition, PartitionTarget target) {
    std::lock_guard lock(mutex_);
    on_refresh_.insert_or_assign(partition, std::move(target));
  }
  void refresh(uint32_t partition) const override {
    std::lock_guard lock(mutex_);
    ++refreshes_;
    if (auto it = on_refresh_.find(partition); it != on_refresh_.end())
      targets_.at(partition) = it->second;
  }
  int refreshes() const {
    std::lock_guard lock(mutex_);
    return refreshes_;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::vector<PartitionTarget> targets_{kPartitions, UnknownTarget{"not set"}};
  std::map<uint32_t, PartitionTarget> on_refresh_;
  mutable int refreshes_ = 0;
};

struct Partition {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<engine::Engine> engine;
  std::shared_ptr<Service> service;
  std::shared_ptr<Router> router;
};

struct Node {
  TestDirectory directory;
  std::atomic<int> forwards{0};
  // Forwards this says yes to fail as a node that cannot be reached (set before the
  // requests it concerns, cleared after).
  std::function<bool(const HttpRequest&)> lose;
  std::unique_ptr<PartitionRouter> front;
  std::unique_ptr<HttpServer> http;
  std::string url;
};

class PartitionRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (uint32_t p = 0; p < kPartitions; ++p) {
      Partition& part = parts_[p];
      auto opened = store::Store::open(
          "/mem-p" + std::to_string(p),
          {.durability = store::Durability::kAsync, .in_memory = true, .env = {}});
      ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
      part.store = std::move(std::get<std::unique_ptr<store::Store>>(opened));
      engine::EngineOptions options;
      options.partition = p;
      part.engine = std::make_unique<engine::Engine>(*part.store, clock_, calls_, options);
      part.service = std::make_shared<Service>(*part.engine, connectors_, config_);
      part.router = std::make_shared<Router>(*part.service, auth_, false, RequestLimits{});
      part.engine->startWorkers(1);
    }
    for (int n = 0; n < 2; ++n) {
      Node& node = nodes_[n];
      const Forwarder http = httpForwarder();
      node.front = std::make_unique<PartitionRouter>(
          node.directory, RequestLimits{},
          [&node, http](const std::string& url,
                        const HttpRequest& request) -> std::variant<HttpReply, std::string> {
            ++node.forwards;
            if (node.lose && node.lose(request)) return std::string("lost by the test");
            return http(url, request);
          });
      auto created = HttpServer::create(*node.front, RequestLimits{}, log_);
      ASSERT_TRUE(std::holds_alternative<std::unique_ptr<HttpServer>>(created));
      node.http = std::move(std::get<std::unique_ptr<HttpServer>>(created));
      auto bound = node.http->bind("127.0.0.1", 0);
      ASSERT_TRUE(std::holds_alternative<int>(bound));
      node.url = "http://127.0.0.1:" + std::to_string(std::get<int>(bound));
      node.http->start();
    }
    for (uint32_t p = 0; p < kPartitions; ++p) {
      const int owner = static_cast<int>(p / 2);
      for (int n = 0; n < 2; ++n) {
        if (n == owner) {
          nodes_[n].directory.set(p, LocalTarget{parts_[p].router, parts_[p].service});
        } else {
          nodes_[n].directory.set(
              p, RemoteTarget{nodes_[owner].url, "node" + std::to_string(owner), 1});
        }
      }
    }
    // One deployment through node 0 reaches all four partitions.
    Reply deployed = post(0, "/v1/deployments", {{"files", {{"shop.rflow", kShopModule}}}}, kRoot);
    ASSERT_EQ(deployed.status, 201) << deployed.text;
    for (const Partition& part : parts_)
      ASSERT_TRUE(part.engine->currentVersion());
  }

  void TearDown() override {
    for (Node& node : nodes_) {
      if (node.http) node.http->stop();
    }
    for (Partition& part : parts_) {
      if (part.engine) part.engine->stopWorkers();
    }
  }

  Reply send(int node, const std::string& method, const std::string& path, const json& body,
             const char* token, httplib::Headers headers = {}) {
    httplib::Client client(nodes_[node].url);
    client.set_read_timeout(30, 0);
    if (token != nullptr) headers.emplace("Authorization", std::string("Bearer ") + token);
    if (method == "GET") return replyOf(client.Get(path, headers));
    return replyOf(
        client.Post(path, headers, body.is_null() ? "" : body.dump(), "application/json"));
  }
  Reply get(int node, const std::string& path, const char* token = kRoot,
            httplib::Headers headers = {}) {
    return send(node, "GET", path, nullptr, token, std::move(headers));
  }
  Reply post(int node, const std::string& path, const json& body, const char* token = kRoot,
             httplib::Headers headers = {}) {
    return send(node, "POST", path, body, token, std::move(headers));
  }

  // An order id whose Purchase lands on `partition`.
  std::string orderOn(uint32_t partition, const std::string& prefix = "O-") {
    for (int i = 0;; ++i) {
      std::string id = prefix + std::to_string(i);
      if (engine::partitionFor("shop.Purchase", id, kPartitions) == partition &&
          used_.insert(id).second)
        return id;
    }
  }
  std::string startPurchase(int node, const std::string& order_id, httplib::Headers headers = {}) {
    Reply r = post(node, "/v1/workflows/Purchase/instances",
                   {{"o", order(order_id)}, {"by", "ann"}}, kAnn, std::move(headers));
    EXPECT_EQ(r.status, 201) << r.text;
    return r.body.value("id", "");
  }

  engine::SystemClock clock_;
  NoConnectorCalls calls_;
  runtime::Config config_;
  runtime::ConnectorSet connectors_ =
      std::get<runtime::ConnectorSet>(runtime::ConnectorSet::fromConfig(runtime::Config{}));
  Authenticator auth_{{testUser("ann", {"Buyer"}, kAnn), testUser("bob", {"Buyer"}, kBob),
                       testUser("root", {"admin"}, kRoot)}};
  Log log_{LogFormat::kText, [](const std::string&) {}, [](const std::string&) {}};
  std::array<Partition, kPartitions> parts_;
  std::array<Node, 2> nodes_;
  std::set<std::string> used_;
};

TEST_F(PartitionRouterTest, AStartThroughOneNodeLandsOnThePartitionOfItsKey) {
  const std::string order_id = orderOn(3);
  const int before = nodes_[0].forwards;
  const std::string id = startPurchase(0, order_id);
  EXPECT_EQ(engine::partitionOfId(id), 3u) << id;
  EXPECT_EQ(nodes_[0].forwards - before, 1);  // one hop
  // It is in partition 3's engine, and nowhere else.
  EXPECT_TRUE(parts_[3].engine->instance(id).ok());
  EXPECT_FALSE(parts_[2].engine->instance(id).ok());
  // Either node finds it by id.
  for (int n = 0; n < 2; ++n) {
    Reply r = get(n, "/v1/instances/" + id, kBob);
    EXPECT_EQ(r.status, 200) << r.text;
    EXPECT_EQ(r.body["key"], order_id);
  }
  // A start on the node's own partition is not forwarded.
  const int local_before = nodes_[0].forwards;
  EXPECT_EQ(engine::partitionOfId(startPurchase(0, orderOn(1))), 1u);
  EXPECT_EQ(nodes_[0].forwards, local_before);
}

TEST_F(PartitionRouterTest, ADecisionAndASignalByKeyThroughTheWrongNodeReachTheOwner) {
  const std::string order_id = orderOn(2);
  const std::string id = startPurchase(1, order_id);
  ASSERT_EQ(engine::partitionOfId(id), 2u);
  Reply v = get(0, "/v1/instances/" + id, kBob);
  ASSERT_EQ(v.status, 200) << v.text;
  const std::string task = v.body["waiting_for"][0]["task"];
  EXPECT_EQ(engine::partitionOfId(task), 2u) << task;

  int before = nodes_[0].forwards;
  Reply decided = post(0, "/v1/tasks/" + task + "/decision", {{"approve", true}}, kBob);
  ASSERT_EQ(decided.status, 200) << decided.text;
  EXPECT_EQ(decided.body["task"]["decided_by"], "bob");
  EXPECT_EQ(nodes_[0].forwards - before, 1);

  before = nodes_[0].forwards;
  Reply signalled =
      post(0, "/v1/keys/Purchase/" + order_id + "/signals/Paid", {{"reference", "PAY-2"}}, kAnn);
  ASSERT_EQ(signalled.status, 200) << signalled.text;
  EXPECT_EQ(nodes_[0].forwards - before, 1);
  EXPECT_TRUE(eventually([&] {
    Reply done = get(1, "/v1/instances/" + id);
    return done.body["status"] == "Completed" && done.body["result"] == "PAY-2";
  }));
  // The access checks are the owner's, as on one node: a 401 comes back through the hop.
  EXPECT_EQ(post(0, "/v1/keys/Purchase/" + order_id + "/signals/Paid", {{"reference", "x"}},
                 "wrong-token")
                .status,
            401);
}

TEST_F(PartitionRouterTest, ListsThroughEitherNodeShowEveryPartitionPagedWithoutGapOrRepeat) {
  std::set<std::string> started;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    for (int i = 0; i < 3; ++i)
      started.insert(startPurchase(static_cast<int>(i % 2), orderOn(p)));
  }
  ASSERT_EQ(started.size(), 12u);
  std::set<uint32_t> partitions;
  for (const std::string& id : started)
    partitions.insert(*engine::partitionOfId(id));
  EXPECT_EQ(partitions.size(), kPartitions);

  for (int n = 0; n < 2; ++n) {
    for (const int limit : {1, 5, 12, 50}) {
      std::vector<std::string> seen;
      std::string after;
      for (int page = 0; page < 20; ++page) {
        std::string path = "/v1/instances?limit=" + std::to_string(limit);
        if (!after.empty()) path += "&after=" + after;
        Reply r = get(n, path, kBob);
        ASSERT_EQ(r.status, 200) << r.text;
        EXPECT_LE(r.body["items"].size(), static_cast<size_t>(limit));
        for (const json& item : r.body["items"])
          seen.push_back(item["id"]);
        if (r.body["next"].is_null()) break;
        after = r.body["next"];
      }
      EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end())) << "node " << n << " limit " << limit;
      EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size())
          << "a repeat, node " << n << " limit " << limit;
      EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), started)
          << "node " << n << " limit " << limit;
    }
  }
  // The task inbox too: one open approval per instance, for the role Buyer.
  std::set<std::string> tasks;
  std::string after;
  for (int page = 0; page < 20; ++page) {
    Reply r =
        get(1, "/v1/tasks?role=Buyer&limit=5" + (after.empty() ? "" : "&after=" + after), kBob);
    ASSERT_EQ(r.status, 200) << r.text;
    for (const json& item : r.body["items"])
      EXPECT_TRUE(tasks.insert(item["id"]).second);
    if (r.body["next"].is_null()) break;
    after = r.body["next"];
  }
  EXPECT_EQ(tasks.size(), 12u);
  // A bad page size is the partitions' 400, as on one node.
  EXPECT_EQ(get(0, "/v1/instances?limit=0").status, 400);
}

// The owner decodes what the first node decoded: the path is encoded again segment by
// segment and the query rebuilt (forward_client.h).
TEST_F(PartitionRouterTest, KeysAndQueriesWithReservedCharactersSurviveTheHop) {
  const std::string order_id = orderOn(3, "O \xc3\xa9&?+%=#");
  const std::string id = startPurchase(0, order_id);
  ASSERT_EQ(engine::partitionOfId(id), 3u);
  Reply listed = get(0, "/v1/instances?key=" + httplib::detail::encode_query_param(order_id), kBob);
  ASSERT_EQ(listed.status, 200) << listed.text;
  ASSERT_EQ(listed.body["items"].size(), 1u) << listed.text;
  EXPECT_EQ(listed.body["items"][0]["key"], order_id);
  std::string encoded;
  for (const unsigned char c : order_id)
    encoded += fmt::format("%{:02X}", c);
  const int before = nodes_[0].forwards;
  Reply task = get(0, "/v1/instances/" + id, kBob);
  Reply decided =
      post(0, "/v1/tasks/" + task.body["waiting_for"][0]["task"].get<std::string>() + "/decision",
           {{"approve", true}}, kBob);
  ASSERT_EQ(decided.status, 200) << decided.text;
  Reply signalled =
      post(0, "/v1/keys/Purchase/" + encoded + "/signals/Paid", {{"reference", "P&1"}}, kAnn);
  ASSERT_EQ(signalled.status, 200) << signalled.text;
  EXPECT_GE(nodes_[0].forwards - before, 3);
  EXPECT_TRUE(eventually([&] { return get(1, "/v1/instances/" + id).body["result"] == "P&1"; }));
}

TEST_F(PartitionRouterTest, AForwardedRequestForAPartitionNotOwnedIsMisdirectedAndNotForwarded) {
  const std::string id = startPurchase(0, orderOn(0));
  const int before = nodes_[1].forwards;
  // As if node 0 believed node 1 owned partition 0.
  Reply r =
      get(1, "/v1/instances/" + id, kBob, {{"Rflow-Forwarded", "1"}, {"Rflow-Partition", "0"}});
  EXPECT_EQ(r.status, 421) << r.text;
  EXPECT_EQ(r.body["error"]["code"], "misdirected");
  EXPECT_NE(r.text.find("partition 0"), std::string::npos) << r.text;
  // Without the partition header the id says it.
  EXPECT_EQ(get(1, "/v1/instances/" + id, kBob, {{"Rflow-Forwarded", "1"}}).status, 421);
  EXPECT_EQ(nodes_[1].forwards, before);
  // A client cannot use the headers to put a start on a partition its key does not hash
  // to: the receiver places it again itself.
  Reply spoofed =
      post(0, "/v1/workflows/Purchase/instances", {{"o", order(orderOn(3))}, {"by", "ann"}}, kAnn,
           {{"Rflow-Forwarded", "1"}, {"Rflow-Partition", "0"}});
  EXPECT_EQ(spoofed.status, 421) << spoofed.text;
  EXPECT_NE(spoofed.text.find("partition 3"), std::string::npos) << spoofed.text;
  // Forwarded to its owner it is served.
  EXPECT_EQ(get(0, "/v1/instances/" + id, kBob, {{"Rflow-Forwarded", "1"}}).status, 200);
  // Two nodes that each believe the other owns partition 0: one hop, then 421, no loop.
  nodes_[0].directory.set(0, RemoteTarget{nodes_[1].url, "node1", 2});
  const int both = nodes_[0].forwards + nodes_[1].forwards;
  EXPECT_EQ(get(0, "/v1/instances/" + id, kBob).status, 421);
  EXPECT_EQ(nodes_[0].forwards + nodes_[1].forwards - both, 1);
}

// The node side's "refresh the routing and retry once": a 421 means the receiver did
// nothing, so the sender reads the owner again and, when it changed, sends it there.
TEST_F(PartitionRouterTest, AfterA421TheSenderRefreshesTheOwnerAndRetriesOnce) {
  const std::string id = startPurchase(0, orderOn(0));
  // Node 0's map is stale: it says node 1 owns partition 0; node 1 knows it does not (it
  // points back at node 0), and the owner node 0 reads on a refresh is itself.
  nodes_[0].directory.set(0, RemoteTarget{nodes_[1].url, "node1", 1});
  nodes_[1].directory.set(0, RemoteTarget{nodes_[0].url, "node0", 2});
  nodes_[0].directory.setOnRefresh(0, LocalTarget{parts_[0].router, parts_[0].service});
  const int before = nodes_[0].forwards;
  Reply r = get(0, "/v1/instances/" + id, kBob);
  EXPECT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["id"], id);
  EXPECT_EQ(nodes_[0].forwards - before, 1);  // the 421, then served here
  EXPECT_EQ(nodes_[0].directory.refreshes(), 1);
  // A refresh that names the same node again: the 421 is passed on, not retried.
  nodes_[0].directory.set(0, RemoteTarget{nodes_[1].url, "node1", 1});
  nodes_[0].directory.setOnRefresh(0, RemoteTarget{nodes_[1].url, "node1", 1});
  const int again = nodes_[0].forwards;
  EXPECT_EQ(get(0, "/v1/instances/" + id, kBob).status, 421);
  EXPECT_EQ(nodes_[0].forwards - again, 1);
  EXPECT_EQ(nodes_[0].directory.refreshes(), 2);
  // An owner that cannot be reached is not a 421: it may have acted, so no retry.
  nodes_[0].directory.set(0, RemoteTarget{"http://127.0.0.1:1", "gone", 1});
  Reply gone = get(0, "/v1/instances/" + id, kBob);
  EXPECT_EQ(gone.status, 503) << gone.text;
  EXPECT_EQ(nodes_[0].directory.refreshes(), 2);
}

// A node's health is its own: every partition it serves asked, and alive and ready with
// none (a node that only forwards, or a standby, must not be restarted by its
// orchestrator for owning nothing).
TEST_F(PartitionRouterTest, HealthAndReadinessAreTheNodesOwnEvenWithNoPartition) {
  Reply alive = get(0, "/healthz", nullptr);
  ASSERT_EQ(alive.status, 200) << alive.text;
  EXPECT_EQ(alive.body["status"], "alive");
  EXPECT_TRUE(alive.body["now"].is_string()) << alive.text;
  EXPECT_EQ(alive.body["partitions"], json::array({0, 1}));
  Reply ready = get(1, "/readyz", nullptr);
  ASSERT_EQ(ready.status, 200) << ready.text;
  EXPECT_EQ(ready.body["ready"], true);
  EXPECT_EQ(ready.body["partitions"], json::array({2, 3}));
  // Node 1 gives its partitions up (to node 0): it serves none, and is still alive and
  // ready, with no request forwarded.
  for (uint32_t p = 2; p < kPartitions; ++p)
    nodes_[1].directory.set(p, RemoteTarget{nodes_[0].url, "node0", 2});
  const int before = nodes_[1].forwards;
  Reply none = get(1, "/healthz", nullptr);
  ASSERT_EQ(none.status, 200) << none.text;
  EXPECT_EQ(none.body["partitions"], json::array());
  EXPECT_EQ(get(1, "/readyz", nullptr).status, 200);
  EXPECT_EQ(nodes_[1].forwards, before);
}

// Counts the lines of `text` that start with `prefix`.
size_t linesStartingWith(const std::string& text, const std::string& prefix) {
  size_t n = 0;
  for (size_t at = 0; at < text.size();) {
    const size_t end = std::min(text.find('\n', at), text.size());
    if (std::string_view(text).substr(at, end - at).starts_with(prefix)) ++n;
    at = end + 1;
  }
  return n;
}

TEST_F(PartitionRouterTest, MetricsAreTheNodesOwnPartitionsEachLabelledWithItsPartition) {
  startPurchase(0, orderOn(0));
  startPurchase(0, orderOn(1));
  startPurchase(0, orderOn(1));
  startPurchase(1, orderOn(2));
  const int before = nodes_[0].forwards;
  Reply r = get(0, "/metrics");
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(nodes_[0].forwards, before);  // a node reports its own partitions, no hop
  EXPECT_EQ(linesStartingWith(r.text, "rflow_instances_started_total{partition=\"0\",workflow="),
            1u)
      << r.text;
  EXPECT_NE(
      r.text.find("rflow_instances_started_total{partition=\"1\",workflow=\"shop.Purchase\"} 2\n"),
      std::string::npos)
      << r.text;
  EXPECT_EQ(r.text.find("partition=\"2\""), std::string::npos) << r.text;  // node 1's
  // One header per family, however many partitions: the text format requires it.
  EXPECT_EQ(linesStartingWith(r.text, "# TYPE rflow_instances_started_total "), 1u);
  EXPECT_EQ(linesStartingWith(r.text, "# TYPE rflow_backlog "), 1u);
  EXPECT_EQ(linesStartingWith(r.text, "rflow_backlog{partition="), 2u) << r.text;
  EXPECT_NE(r.text.find("rflow_partitions_served 2\n"), std::string::npos) << r.text;
  // The token is checked as on one node.
  EXPECT_EQ(get(0, "/metrics", nullptr).status, 401);
  // A node that owns nothing has no figures to give: 503, not an empty page.
  for (uint32_t p = 2; p < kPartitions; ++p)
    nodes_[1].directory.set(p, RemoteTarget{nodes_[0].url, "node0", 2});
  EXPECT_EQ(get(1, "/metrics").status, 503);
}

TEST(MetricsMerge, EachSampleIsLabelledAndEachFamilyWrittenOnce) {
  const std::vector<PartitionMetrics> parts = {
      {3,
       "# HELP a_total A.\n# TYPE a_total counter\na_total{w=\"x y\"} 1\n"
       "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.5\nh_count 2\n"},
      {7,
       "# HELP a_total A.\n# TYPE a_total counter\na_total{w=\"z\"} 4\n"
       "# HELP h H.\n# TYPE h histogram\nh_count{} 0\n"}};
  EXPECT_EQ(mergeMetricsText(parts),
            "# HELP a_total A.\n# TYPE a_total counter\n"
            "a_total{partition=\"3\",w=\"x y\"} 1\na_total{partition=\"7\",w=\"z\"} 4\n"
            "# HELP h H.\n# TYPE h histogram\n"
            "h_bucket{partition=\"3\",le=\"+Inf\"} 2\nh_sum{partition=\"3\"} 0.5\n"
            "h_count{partition=\"3\"} 2\nh_count{partition=\"7\"} 0\n");
}

TEST_F(PartitionRouterTest, AnOwnerThatCannotBeReachedOrIsUnknownIs503NamingThePartition) {
  // Port 1 on loopback: nothing listens there.
  nodes_[0].directory.set(2, RemoteTarget{"http://127.0.0.1:1", "node1", 1});
  Reply r =
      post(0, "/v1/workflows/Purchase/instances", {{"o", order(orderOn(2))}, {"by", "ann"}}, kAnn);
  EXPECT_EQ(r.status, 503) << r.text;
  EXPECT_NE(r.text.find("partition 2"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("cannot be reached"), std::string::npos) << r.text;
  nodes_[0].directory.set(3, UnknownTarget{"its owner's membership expired"});
  Reply unknown = get(0, "/v1/instances/in-0000000001-p03");
  EXPECT_EQ(unknown.status, 503) << unknown.text;
  EXPECT_NE(unknown.text.find("partition 3 has no known owner (its owner's membership expired)"),
            std::string::npos)
      << unknown.text;
  // A list cannot be complete: 503 as well, never a page missing a partition; nor can
  // insights, never figures missing one.
  EXPECT_EQ(get(0, "/v1/instances").status, 503);
  Reply insights = get(0, "/v1/insights");
  EXPECT_EQ(insights.status, 503) << insights.text;
  EXPECT_NE(insights.text.find("partition 2"), std::string::npos) << insights.text;
  EXPECT_EQ(get(0, "/v1/insights/at-risk").status, 503);
  // The partitions it can reach are served as before.
  EXPECT_EQ(engine::partitionOfId(startPurchase(0, orderOn(0))), 0u);
}

TEST_F(PartitionRouterTest, InsightsThroughEitherNodeAreOfEveryPartition) {
  // One Purchase on each partition, each waiting for its approval: two partitions are
  // each node's own, two are asked over one hop each.
  for (uint32_t p = 0; p < kPartitions; ++p)
    startPurchase(p % 2, orderOn(p));
  ASSERT_TRUE(eventually([&] {
    Reply r = get(0, "/v1/insights/stages?workflow=Purchase");
    return r.status == 200 && r.body["stages"].size() == 1 &&
           r.body["stages"][0]["open"] == kPartitions;
  }));
  for (int n = 0; n < 2; ++n) {
    const int before = nodes_[n].forwards;
    Reply r = get(n, "/v1/insights?workflow=Purchase", kBob);
    ASSERT_EQ(r.status, 200) << r.text;
    ASSERT_EQ(r.body["workflows"].size(), 1u) << r.text;
    EXPECT_EQ(r.body["workflows"][0]["started"], kPartitions);
    EXPECT_EQ(r.body["workflows"][0]["instances"]["Waiting"], kPartitions);
    EXPECT_EQ(r.body["workflows"][0]["tasks"]["created"], kPartitions);
    EXPECT_EQ(nodes_[n].forwards - before, 2);  // the other node's two partitions
    Reply stages = get(n, "/v1/insights/stages?workflow=Purchase", kBob);
    ASSERT_EQ(stages.status, 200) << stages.text;
    EXPECT_EQ(stages.body["stages"][0]["entered"], kPartitions);
    Reply risky = get(n, "/v1/insights/at-risk", kBob);
    ASSERT_EQ(risky.status, 200) << risky.text;
    EXPECT_EQ(risky.body["min_history"], 20);
    // Bad parameters are the request's: 400 naming them, as on one node.
    Reply bad = get(n, "/v1/insights?since=soon", kBob);
    EXPECT_EQ(bad.status, 400) << bad.text;
    EXPECT_NE(bad.text.find("`since`"), std::string::npos) << bad.text;
    EXPECT_EQ(get(n, "/v1/insights", "wrong-token").status, 401);
  }
  // A forwarded insights request is only ever answered in its internal form.
  Reply plain = get(1, "/v1/insights", kBob, {{"Rflow-Forwarded", "1"}, {"Rflow-Partition", "2"}});
  EXPECT_EQ(plain.status, 400) << plain.text;
}

TEST_F(PartitionRouterTest, AnIdempotencyKeyRepeatedThroughTwoNodesAnswersLikeTheFirst) {
  // A keyed start: placed by its key.
  const json body = {{"o", order(orderOn(1))}, {"by", "ann"}};
  Reply first =
      post(1, "/v1/workflows/Purchase/instances", body, kAnn, {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(first.status, 201) << first.text;
  Reply second =
      post(0, "/v1/workflows/Purchase/instances", body, kAnn, {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(second.status, 201) << second.text;
  EXPECT_EQ(first.body["id"], second.body["id"]);
  // A workflow without a key: placed by the Idempotency-Key, so the repeat finds it.
  std::set<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    Reply r = post(i % 2, "/v1/workflows/Count/instances", {{"aisle", 7}}, kAnn,
                   {{"Idempotency-Key", "count-7"}});
    ASSERT_EQ(r.status, 201) << r.text;
    ids.insert(r.body["id"]);
  }
  EXPECT_EQ(ids.size(), 1u);
  // Without a key, starts are spread over the partitions.
  std::set<uint32_t> spread;
  for (int i = 0; i < 4; ++i) {
    Reply r = post(0, "/v1/workflows/Count/instances", {{"aisle", i}}, kAnn);
    ASSERT_EQ(r.status, 201) << r.text;
    spread.insert(*engine::partitionOfId(r.body["id"].get<std::string>()));
  }
  EXPECT_EQ(spread.size(), kPartitions);
  // A decision sent again through the other node answers as the first.
  const std::string id = startPurchase(0, orderOn(3));
  const std::string task = get(0, "/v1/instances/" + id).body["waiting_for"][0]["task"];
  Reply d1 = post(0, "/v1/tasks/" + task + "/decision", {{"approve", true}}, kBob,
                  {{"Idempotency-Key", "d-1"}});
  Reply d2 = post(1, "/v1/tasks/" + task + "/decision", {{"approve", true}}, kBob,
                  {{"Idempotency-Key", "d-1"}});
  ASSERT_EQ(d1.status, 200) << d1.text;
  EXPECT_EQ(d2.status, 200) << d2.text;
  EXPECT_EQ(d1.body["task"]["id"], d2.body["task"]["id"]);
  EXPECT_EQ(d2.body["task"]["status"], "approved");
  EXPECT_EQ(d2.body["task"]["decided_by"], "bob");
}

TEST_F(PartitionRouterTest, IdsThatNameNoPartitionAndWorkNotYetPartitionedAreRefused) {
  Reply single = get(0, "/v1/instances/in-0000000001");
  EXPECT_EQ(single.status, 404) << single.text;
  EXPECT_NE(single.text.find("end in their partition"), std::string::npos) << single.text;
  EXPECT_EQ(get(1, "/v1/tasks/tk-0000000001-p09").status, 404);  // only 0..3
  // An event runs on a local partition (its keyed starts are placed by the engine's
  // outbox, engine/outbox_test.cpp); a backup is not partitioned yet.
  Reply event = post(0, "/v1/events/OrderPlaced", {{"o", order("E-1")}, {"by", "ann"}}, kAnn);
  EXPECT_EQ(event.status, 201) << event.text;
  Reply backup = post(0, "/v1/admin/backups", nullptr, kRoot);
  EXPECT_EQ(backup.status, 501) << backup.text;
  // A migration between versions no partition has is refused as one node refuses it.
  const json unknown = {{"from", "a"}, {"to", "b"}, {"workflow", "Purchase"}};
  Reply migration = post(0, "/v1/migrations", unknown, kRoot);
  HttpRequest direct;
  direct.method = "POST";
  direct.path = "/v1/migrations";
  direct.body = unknown.dump();
  direct.authorization = std::string("Bearer ") + kRoot;
  const HttpReply one_node = parts_[0].router->handle(direct);
  EXPECT_EQ(migration.status, one_node.status) << migration.text;
  EXPECT_EQ(json::parse(migration.text), json::parse(one_node.body));
  // Node-wide reads come from a local partition.
  Reply workflows = get(1, "/v1/workflows", kBob);
  EXPECT_EQ(workflows.status, 200) << workflows.text;
  // A start with a bad body is answered as on one node, nothing started anywhere.
  Reply bad = post(0, "/v1/workflows/Purchase/instances", {{"o", 5}}, kAnn);
  EXPECT_EQ(bad.status, 400) << bad.text;
  Reply anonymous = post(0, "/v1/workflows/Purchase/instances", {{"o", 5}}, nullptr);
  EXPECT_EQ(anonymous.status, 401) << anonymous.text;
}

// POST /v1/migrations and GET /v1/versions through either node are of every partition: a
// dry run, then the migration, add up each partition's report; a partition with no known
// owner stops a migration before anything moved (docs/cluster.md "Migrations across
// partitions").
TEST_F(PartitionRouterTest, AMigrationMovesTheWaitingInstancesOfEveryPartition) {
  std::vector<std::string> ids;
  for (uint32_t p = 0; p < kPartitions; ++p)
    ids.push_back(startPurchase(static_cast<int>(p % 2), orderOn(p, "MIG-")));
  for (uint32_t p = 0; p < kPartitions; ++p)
    ASSERT_TRUE(eventually([&] {
      return get(0, "/v1/instances/" + ids[p]).body["status"] == "Waiting";
    })) << ids[p];
  const std::string v1 = get(0, "/v1/workflows").body["version"];
  std::string source = kShopModule;
  source += "\nworkflow Extra() -> int {\n  owner \"ops\"\n  return 7\n}\n";
  Reply deployed = post(1, "/v1/deployments", {{"files", {{"shop.rflow", source}}}}, kRoot);
  ASSERT_EQ(deployed.status, 201) << deployed.text;
  const std::string v2 = deployed.body["version"];

  // The live instances of each version, counted on every partition, through either node.
  const auto live = [&](int node) {
    Reply versions = get(node, "/v1/versions", kAnn);
    EXPECT_EQ(versions.status, 200) << versions.text;
    EXPECT_EQ(versions.body["current"], v2) << versions.text;
    std::map<std::string, int> out;
    for (const json& v : versions.body["items"])
      out[v["version"]] = v["live"];
    return out;
  };
  for (int n = 0; n < 2; ++n) {
    EXPECT_EQ(live(n), (std::map<std::string, int>{{v1, 4}, {v2, 0}})) << "node " << n;
  }

  const json request = {{"from", v1}, {"to", v2}, {"workflow", "Purchase"}};
  Reply dry = post(1, "/v1/migrations", request, kRoot);
  ASSERT_EQ(dry.status, 200) << dry.text;
  EXPECT_EQ(dry.body["dry_run"], true);
  EXPECT_EQ(dry.body["moved"], 4) << dry.text;
  EXPECT_EQ(dry.body["partitions"], kPartitions);
  ASSERT_FALSE(dry.body["places"].empty()) << dry.text;
  EXPECT_EQ(dry.body["places"][0]["waiting"], 4) << dry.text;
  EXPECT_EQ(dry.body["left"], json::array());
  // Not an admin: 403 from every partition, as on one node; a dry_run that is no boolean:
  // 400, as on one node (the first round must not replace it).
  EXPECT_EQ(post(0, "/v1/migrations", request, kAnn).status, 403);
  json odd = request;
  odd["dry_run"] = "no";
  Reply bad = post(0, "/v1/migrations", odd, kRoot);
  EXPECT_EQ(bad.status, 400) << bad.text;
  EXPECT_NE(bad.text.find("`dry_run`"), std::string::npos) << bad.text;

  // Partition 3 with no known owner on node 0: node 0 moves nothing, anywhere.
  json real = request;
  real["dry_run"] = false;
  nodes_[0].directory.set(3, UnknownTarget{"the test took it away"});
  Reply refused = post(0, "/v1/migrations", real, kRoot);
  EXPECT_EQ(refused.status, 503) << refused.text;
  EXPECT_NE(refused.text.find("partition 3"), std::string::npos) << refused.text;
  EXPECT_NE(refused.text.find("nothing was done"), std::string::npos) << refused.text;
  EXPECT_EQ(live(1), (std::map<std::string, int>{{v1, 4}, {v2, 0}}));
  nodes_[0].directory.set(3, RemoteTarget{nodes_[1].url, "node1", 1});

  Reply moved = post(0, "/v1/migrations", real, kRoot);
  ASSERT_EQ(moved.status, 200) << moved.text;
  EXPECT_EQ(moved.body["moved"], 4) << moved.text;
  EXPECT_EQ(moved.body["dry_run"], false);
  for (uint32_t p = 0; p < kPartitions; ++p)
    EXPECT_EQ(parts_[p].engine->instance(ids[p])->version, v2) << ids[p];
  // A version no instance runs any more and that is not current is not listed.
  EXPECT_EQ(live(0), (std::map<std::string, int>{{v2, 4}}));
  // Asked again, there is nothing left to move.
  Reply again = post(1, "/v1/migrations", real, kRoot);
  ASSERT_EQ(again.status, 200) << again.text;
  EXPECT_EQ(again.body["moved"], 0) << again.text;
}

// A migration whose second round cannot reach a node moves the partitions it reached and
// says which did not move; the same request sent again moves the rest.
TEST_F(PartitionRouterTest, AMigrationCutShortSaysWhatMovedAndFinishesWhenSentAgain) {
  std::vector<std::string> ids;
  for (uint32_t p = 0; p < kPartitions; ++p)
    ids.push_back(startPurchase(0, orderOn(p, "CUT-")));
  for (const std::string& id : ids)
    ASSERT_TRUE(eventually([&] {
      return get(0, "/v1/instances/" + id).body["status"] == "Waiting";
    })) << id;
  const std::string v1 = get(0, "/v1/workflows").body["version"];
  std::string source = kShopModule;
  source += "\nworkflow Extra() -> int {\n  owner \"ops\"\n  return 8\n}\n";
  Reply deployed = post(0, "/v1/deployments", {{"files", {{"shop.rflow", source}}}}, kRoot);
  ASSERT_EQ(deployed.status, 201) << deployed.text;
  const std::string v2 = deployed.body["version"];
  const json real = {{"from", v1}, {"to", v2}, {"workflow", "Purchase"}, {"dry_run", false}};

  // Node 0 reaches node 1 for the dry run, not for the migration itself.
  nodes_[0].lose = [](const HttpRequest& r) {
    return r.path == "/v1/migrations" && r.body.find("\"dry_run\":false") != std::string::npos;
  };
  Reply cut = post(0, "/v1/migrations", real, kRoot);
  nodes_[0].lose = nullptr;
  EXPECT_EQ(cut.status, 503) << cut.text;
  EXPECT_NE(cut.text.find("ran on partitions 0 (1 moved), 1 (1 moved) but not on 2"),
            std::string::npos)
      << cut.text;
  EXPECT_EQ(parts_[0].engine->instance(ids[0])->version, v2);
  EXPECT_EQ(parts_[2].engine->instance(ids[2])->version, v1);

  Reply rest = post(0, "/v1/migrations", real, kRoot);
  ASSERT_EQ(rest.status, 200) << rest.text;
  EXPECT_EQ(rest.body["moved"], 2) << rest.text;
  for (uint32_t p = 0; p < kPartitions; ++p)
    EXPECT_EQ(parts_[p].engine->instance(ids[p])->version, v2) << ids[p];
}

// A version that has reached some partitions only (a deployment under way): the dry run
// finds the partition without it, and nothing moves.
TEST_F(PartitionRouterTest, AMigrationToAVersionSomePartitionsLackMovesNothing) {
  const std::string id = startPurchase(0, orderOn(0, "LAG-"));
  ASSERT_TRUE(
      eventually([&] { return get(0, "/v1/instances/" + id).body["status"] == "Waiting"; }));
  const std::string v1 = get(0, "/v1/workflows").body["version"];
  std::string source = kShopModule;
  source += "\nworkflow Extra() -> int {\n  owner \"ops\"\n  return 9\n}\n";
  HttpRequest deploy;
  deploy.method = "POST";
  deploy.path = "/v1/deployments";
  deploy.body = json{{"files", {{"shop.rflow", source}}}}.dump();
  deploy.authorization = std::string("Bearer ") + kRoot;
  std::string v2;
  for (uint32_t p = 0; p < 2; ++p) {
    const HttpReply r = parts_[p].router->handle(deploy);
    ASSERT_EQ(r.status, 201) << r.body;
    v2 = json::parse(r.body)["version"];
  }
  Reply refused =
      post(0, "/v1/migrations",
           {{"from", v1}, {"to", v2}, {"workflow", "Purchase"}, {"dry_run", false}}, kRoot);
  EXPECT_EQ(refused.status, 503) << refused.text;
  EXPECT_NE(refused.text.find("partition 2 cannot take part in the migration"), std::string::npos)
      << refused.text;
  EXPECT_NE(refused.text.find("a deployment may not have reached it yet"), std::string::npos)
      << refused.text;
  EXPECT_EQ(parts_[0].engine->instance(id)->version, v1);
}

// A partition's Service that did not compile the version it runs (a cluster node started
// with another project) asks its docs source (the deployment log's entry, node.h docsOf)
// once, and its OpenAPI document carries the descriptions.
TEST_F(PartitionRouterTest, AServiceFindsTheDocCommentsOfAVersionItDidNotCompile) {
  Service fresh(*parts_[2].engine, connectors_, config_);
  const std::string current = *parts_[2].engine->currentVersion();
  int asked = 0;
  fresh.setDocsSource([&](std::string_view version) -> std::shared_ptr<const runtime::DocTable> {
    ++asked;
    if (version != current) return nullptr;
    return std::make_shared<const runtime::DocTable>(
        runtime::DocTable{{"shop.Order", "An order as a store places it."}});
  });
  const auto contract = fresh.contract();
  ASSERT_TRUE(contract && contract->docs);
  EXPECT_EQ(contract->docs->at("shop.Order"), "An order as a store places it.");
  Router router(fresh, auth_, false, RequestLimits{});
  HttpRequest request;
  request.method = "GET";
  request.path = "/v1/openapi.json";
  request.authorization = std::string("Bearer ") + kRoot;
  const HttpReply doc = router.handle(request);
  ASSERT_EQ(doc.status, 200) << doc.body;
  EXPECT_NE(doc.body.find("An order as a store places it."), std::string::npos);
  EXPECT_EQ(asked, 1) << "kept once found";
}

// The decision alone, protocol-neutral, on a static directory.
// A cluster node's directory with no local partition: its partitions share one
// deployment log.
class SharedDeploymentsDirectory final : public PartitionDirectory {
 public:
  explicit SharedDeploymentsDirectory(std::vector<PartitionTarget> targets)
      : targets_(std::move(targets)) {}
  uint32_t count() const override { return static_cast<uint32_t>(targets_.size()); }
  PartitionTarget target(uint32_t partition) const override { return targets_.at(partition); }
  bool sharedDeployments() const override { return true; }

 private:
  std::vector<PartitionTarget> targets_;
};

// With a shared deployment log, a node that serves no partition sends a deployment to ONE
// other node (the next when one cannot be reached), marked so that it goes no further;
// such a forwarded deployment on a node serving none is 503, sent nowhere.
TEST(PartitionRoute, ADeploymentWithASharedLogGoesToOneNodeOnly) {
  SharedDeploymentsDirectory directory(
      {RemoteTarget{"http://a", "a", 1}, RemoteTarget{"http://b", "b", 1},
       RemoteTarget{"http://a", "a", 1}, RemoteTarget{"http://c", "c", 1}});
  std::vector<std::string> sent;
  PartitionRouter front(
      directory, RequestLimits{},
      [&](const std::string& url, const HttpRequest& hop) -> std::variant<HttpReply, std::string> {
        sent.push_back(url + " " + hop.forwarded_partition);
        if (url == "http://a") return std::string("connection refused");
        HttpReply reply;
        reply.status = 201;
        reply.body = "{}";
        return reply;
      });
  HttpRequest request;
  request.method = "POST";
  request.path = "/v1/deployments";
  request.body = "{}";
  EXPECT_EQ(front.handle(request).status, 201);
  EXPECT_EQ(sent, (std::vector<std::string>{"http://a all-local", "http://b all-local"}));
  sent.clear();
  request.forwarded = true;
  request.forwarded_partition = std::string(kAllLocal);
  const HttpReply refused = front.handle(request);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("forwarded here"), std::string::npos) << refused.body;
  EXPECT_TRUE(sent.empty());
}

TEST(PartitionRoute, RequestsAreRoutedByIdKeyOrToEveryPartition) {
  StaticDirectory directory({UnknownTarget{"x"}, UnknownTarget{"x"}, UnknownTarget{"x"}});
  PartitionRouter front(directory, RequestLimits{});
  const auto route = [&](std::string method, std::string path) {
    HttpRequest request;
    request.method = std::move(method);
    request.path = std::move(path);
    return front.route(request);
  };
  const auto partition = [](const Destination& d) {
    return std::holds_alternative<ToPartition>(d) ? std::get<ToPartition>(d).partition : 99u;
  };
  EXPECT_EQ(partition(route("GET", "/v1/instances/in-0000000005-p02")), 2u);
  EXPECT_EQ(partition(route("POST", "/v1/instances/in-0000000005-p01/cancel")), 1u);
  EXPECT_EQ(partition(route("GET", "/v1/tasks/tk-0000000005-p00")), 0u);
  EXPECT_TRUE(std::holds_alternative<ApiError>(route("GET", "/v1/tasks/tk-0000000005-p03")));
  EXPECT_TRUE(std::holds_alternative<GatherList>(route("GET", "/v1/instances")));
  EXPECT_TRUE(std::get<GatherList>(route("GET", "/v1/tasks")).tasks);
  EXPECT_TRUE(std::holds_alternative<ToEveryPartition>(route("POST", "/v1/deployments")));
  EXPECT_EQ(std::get<GatherInsights>(route("GET", "/v1/insights/at-risk")).kind,
            GatherInsights::Kind::kAtRisk);
  EXPECT_TRUE(std::holds_alternative<GatherInsights>(route("GET", "/v1/insights")));
  EXPECT_TRUE(std::holds_alternative<NodeMetrics>(route("GET", "/metrics")));
  // No local partition: a key cannot be resolved to its workflow's qualified name here.
  const Destination by_key = route("POST", "/v1/keys/Purchase/O-1/signals/Paid");
  ASSERT_TRUE(std::holds_alternative<ApiError>(by_key));
  EXPECT_EQ(std::get<ApiError>(by_key).code, ApiError::Code::kUnavailable);
  // One partition: everything goes to it.
  StaticDirectory one({UnknownTarget{"x"}});
  PartitionRouter single(one, RequestLimits{});
  HttpRequest events;
  events.method = "POST";
  events.path = "/v1/events/OrderPlaced";
  EXPECT_EQ(partition(single.route(events)), 0u);
}

}  // namespace
}  // namespace rflow::service::testing
