// Insights in a cluster (docs/cluster.md "Insights"): the same instances run once in one
// store and once split across two partitions; the front door's answers, merged from the
// two partitions' parts, equal the one store's exactly, for GET /v1/insights (with `by`
// and `period`), /v1/insights/stages and /v1/insights/at-risk, whose forecast rests on
// the history of both partitions (neither has the 20 completed instances it needs alone).
// Asked in-process (both partitions local) and through a front door that has partition 1
// one HTTP hop away (a second front door on loopback serving it), both rounds of at-risk
// included.
#include <gtest/gtest.h>

#include <map>

#include "engine/partition.h"
#include "service/http_server.h"
#include "service/partition_router.h"
#include "service_test_util.h"

namespace rflow::service::testing {
namespace {

using nlohmann::json;

constexpr const char* kModule = R"rflow(module ins

role Clerk "Clerk"

enum Region { EU, US }
record Order { id: string, region: Region, total: money }

workflow Buy(o: Order) -> bool {
  owner "ops"
  key o.id
  sla 10h
  track region = o.region
  measure value = o.total
  let r = approval "Check {o.id}" {
    stage "check"
    assign Clerk
  }
  return r.approved
}
)rflow";

struct InsightsStore {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<engine::Engine> engine;
  std::shared_ptr<Service> service;
  std::shared_ptr<Router> router;
};

class ClusterInsightsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    open(one_, "/mem-one", 0);
    for (uint32_t p = 0; p < 2; ++p)
      open(parts_[p], "/mem-part" + std::to_string(p), p);
    local_ = std::make_unique<StaticDirectory>(
        std::vector<PartitionTarget>{LocalTarget{parts_[0].router, parts_[0].service},
                                     LocalTarget{parts_[1].router, parts_[1].service}});
    local_front_ = std::make_unique<PartitionRouter>(*local_, RequestLimits{});
    // Node B serves partition 1 over HTTP; node A (front_) serves partition 0 and
    // forwards to B.
    b_directory_ = std::make_unique<StaticDirectory>(std::vector<PartitionTarget>{
        UnknownTarget{"node A's"}, LocalTarget{parts_[1].router, parts_[1].service}});
    b_front_ = std::make_unique<PartitionRouter>(*b_directory_, RequestLimits{});
    auto created = HttpServer::create(*b_front_, RequestLimits{}, log_);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<HttpServer>>(created));
    b_http_ = std::move(std::get<std::unique_ptr<HttpServer>>(created));
    auto bound = b_http_->bind("127.0.0.1", 0);
    ASSERT_TRUE(std::holds_alternative<int>(bound));
    b_http_->start();
    directory_ = std::make_unique<StaticDirectory>(std::vector<PartitionTarget>{
        LocalTarget{parts_[0].router, parts_[0].service},
        RemoteTarget{"http://127.0.0.1:" + std::to_string(std::get<int>(bound)), "node-b", 1}});
    front_ = std::make_unique<PartitionRouter>(*directory_, RequestLimits{});
  }
  void TearDown() override {
    if (b_http_) b_http_->stop();
    for (InsightsStore* s : all())
      if (s->engine) s->engine->stopWorkers();
  }

  void open(InsightsStore& s, const std::string& name, uint32_t partition) {
    auto opened = store::Store::open(
        name, {.durability = store::Durability::kAsync, .in_memory = true, .env = {}});
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
    s.store = std::move(std::get<std::unique_ptr<store::Store>>(opened));
    engine::EngineOptions options;
    options.partition = partition;
    s.engine = std::make_unique<engine::Engine>(*s.store, clock_, calls_, options);
    s.service = std::make_shared<Service>(*s.engine, connectors_, config_);
    s.router = std::make_shared<Router>(*s.service, auth_, false, RequestLimits{});
    s.engine->startWorkers(1);
    const HttpReply deployed = call(*s.router, "POST", "/v1/deployments",
                                    json{{"files", {{"ins.rflow", kModule}}}}.dump());
    ASSERT_EQ(deployed.status, 201) << deployed.body;
  }
  std::array<InsightsStore*, 3> all() { return {&one_, &parts_[0], &parts_[1]}; }

  static HttpReply call(const RequestHandler& handler, std::string method, std::string path,
                        std::string body = {}, Params query = {}, std::string form = {}) {
    HttpRequest request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.query = std::move(query);
    request.body = std::move(body);
    request.authorization = std::string("Bearer ") + kRoot;
    request.insights_form = std::move(form);
    return handler.handle(request);
  }
  static json get(const RequestHandler& handler, const std::string& path, Params query = {}) {
    const HttpReply reply = call(handler, "GET", path, {}, std::move(query));
    EXPECT_EQ(reply.status, 200) << path << ": " << reply.body;
    return json::parse(reply.body, nullptr, false);
  }

  // Starts order `id` in the one store and in its partition; returns the two ids.
  std::pair<std::string, std::string> start(const std::string& id, const char* region) {
    const json body = {
        {"o",
         {{"id", id}, {"region", region}, {"total", {{"amount", "10.50"}, {"currency", "EUR"}}}}}};
    const uint32_t p = engine::partitionFor("ins.Buy", id, 2);
    const HttpReply a = call(*one_.router, "POST", "/v1/workflows/Buy/instances", body.dump());
    const HttpReply b = call(*parts_[p].router, "POST", "/v1/workflows/Buy/instances", body.dump());
    EXPECT_EQ(a.status, 201) << a.body;
    EXPECT_EQ(b.status, 201) << b.body;
    const std::string one_id = json::parse(a.body, nullptr, false).value("id", "");
    const std::string part_id = json::parse(b.body, nullptr, false).value("id", "");
    EXPECT_TRUE(waitingTask(*one_.router, one_id) && waitingTask(*parts_[p].router, part_id));
    same_[part_id] = one_id;
    return {one_id, part_id};
  }
  std::optional<std::string> waitingTask(const Router& router, const std::string& id) {
    std::optional<std::string> task;
    eventually([&] {
      const json v = json::parse(call(router, "GET", "/v1/instances/" + id).body, nullptr, false);
      if (!v.is_object() || !v.contains("waiting_for")) return false;
      for (const json& w : v["waiting_for"])
        if (w.contains("task")) task = w["task"];
      return task.has_value();
    });
    return task;
  }
  void approve(const Router& router, const std::string& id) {
    const auto task = waitingTask(router, id);
    ASSERT_TRUE(task) << id;
    const HttpReply r =
        call(router, "POST", "/v1/tasks/" + *task + "/decision", json{{"approve", true}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(eventually([&] {
      const json v = json::parse(call(router, "GET", "/v1/instances/" + id).body, nullptr, false);
      return v.is_object() && v.value("status", "") == "Completed";
    })) << id;
  }
  void settle() {
    ASSERT_TRUE(eventually([&] {
      for (InsightsStore* s : all())
        if (s->engine->queuedWork() != 0) return false;
      return true;
    }));
  }

  engine::ManualClock clock_{kStart};
  NoConnectorCalls calls_;
  runtime::Config config_;
  runtime::ConnectorSet connectors_ =
      std::get<runtime::ConnectorSet>(runtime::ConnectorSet::fromConfig(runtime::Config{}));
  Authenticator auth_{{testUser("root", {"admin", "Clerk"}, kRoot)}};
  InsightsStore one_;
  std::array<InsightsStore, 2> parts_;
  Log log_{LogFormat::kText, [](const std::string&) {}, [](const std::string&) {}};
  std::unique_ptr<StaticDirectory> local_;  // both partitions in-process
  std::unique_ptr<PartitionRouter> local_front_;
  std::unique_ptr<StaticDirectory> b_directory_;
  std::unique_ptr<PartitionRouter> b_front_;
  std::unique_ptr<HttpServer> b_http_;
  std::unique_ptr<StaticDirectory> directory_;  // partition 0 here, 1 one hop away
  std::unique_ptr<PartitionRouter> front_;
  std::map<std::string, std::string> same_;  // a partition's instance id -> the one store's
};

TEST_F(ClusterInsightsTest, TwoPartitionsMergedAnswerAsOneStoreHoldingBoth) {
  // 24 orders, approved 1 to 8 hours after they started: the history of the forecast.
  std::vector<std::pair<std::string, std::string>> done;
  for (int i = 0; i < 24; ++i)
    done.push_back(start("H-" + std::to_string(i), i % 3 == 0 ? "US" : "EU"));
  int approved_parts[2] = {0, 0};
  for (int hour = 1; hour <= 8; ++hour) {
    clock_.set(kStart + hour * engine::kHourMs);
    for (int i = hour - 1; i < 24; i += 8) {
      const uint32_t p = *engine::partitionOfId(done[i].second);
      approve(*one_.router, done[i].first);
      approve(*parts_[p].router, done[i].second);
      ++approved_parts[p];
    }
  }
  // Neither partition alone has the history a forecast needs.
  ASSERT_LT(approved_parts[0], engine::kAtRiskMinHistory);
  ASSERT_LT(approved_parts[1], engine::kAtRiskMinHistory);
  // 6 orders still waiting, started a minute apart; 5 hours later each has 5 of its 10
  // hours left, and the p80 of the history is longer.
  for (int i = 0; i < 6; ++i) {
    clock_.set(kStart + 8 * engine::kHourMs + i * engine::kMinuteMs);
    start("W-" + std::to_string(i), i % 2 == 0 ? "US" : "EU");
  }
  clock_.set(kStart + 13 * engine::kHourMs);
  settle();

  const auto same = [&](const std::string& path, Params query = {}) {
    const json one = get(*one_.router, path, query);
    json merged;
    for (const PartitionRouter* front : {local_front_.get(), front_.get()}) {
      merged = get(*front, path, query);
      // Ids carry their partition: the one store's for the same order.
      if (merged.contains("instances") && merged["instances"].is_array())
        for (json& r : merged["instances"])
          r["id"] = same_[r["id"].get<std::string>()];
      EXPECT_EQ(merged, one) << path << (front == front_.get() ? " (one hop)" : " (in-process)");
    }
    return merged;
  };
  const json insights = same("/v1/insights");
  ASSERT_EQ(insights["workflows"].size(), 1u);
  EXPECT_EQ(insights["workflows"][0]["completed"], 24);
  EXPECT_EQ(insights["workflows"][0]["instances"]["Waiting"], 6);
  same("/v1/insights", {{"since", "2h"}, {"workflow", "Buy"}});
  const json by = same("/v1/insights", {{"workflow", "Buy"}, {"by", "region"}, {"period", "1d"}});
  EXPECT_EQ(by["by"]["values"].size(), 2u);
  same("/v1/insights", {{"workflow", "Buy"}, {"by", "region"}});
  const json stages = same("/v1/insights/stages", {{"workflow", "Buy"}});
  ASSERT_EQ(stages["stages"].size(), 1u);
  EXPECT_EQ(stages["stages"][0]["entered"], 30);
  same("/v1/insights/stages", {{"workflow", "Buy"}, {"by", "region"}, {"value", "EU"}});
  const json risky = same("/v1/insights/at-risk");
  EXPECT_EQ(risky["instances"].size(), 6u);
  if (!risky["instances"].empty()) {
    EXPECT_EQ(risky["instances"][0]["history"], 24);
  }
  same("/v1/insights/at-risk", {{"workflow", "Buy"}});

  // One partition's parts, rendered by the code the cluster uses, are its own answer.
  for (const InsightsStore& part : parts_) {
    for (const char* path : {"/v1/insights", "/v1/insights/stages"}) {
      const Params query = {{"workflow", "Buy"}};
      const HttpReply parts = call(*part.router, "GET", path, {}, query, std::string(kPartsForm));
      ASSERT_EQ(parts.status, 200) << parts.body;
      const json doc = json::parse(parts.body);
      const json rendered = std::string_view(path) == "/v1/insights"
                                ? insightsJson(std::get<InsightsParts>(insightsPartsOf(doc)))
                                : stagesJson(std::get<StagesParts>(stagesPartsOf(doc)));
      EXPECT_EQ(rendered, get(*part.router, path, query)) << path;
    }
  }
}

TEST_F(ClusterInsightsTest, BadParametersAre400AndAPartitionThatCannotAnswerIs503) {
  const auto status = [&](const RequestHandler& h, const std::string& path, Params query,
                          std::string_view names) {
    const HttpReply r = call(h, "GET", path, {}, std::move(query));
    EXPECT_NE(r.body.find(names), std::string::npos) << path << ": " << r.body;
    return r.status;
  };
  EXPECT_EQ(status(*front_, "/v1/insights", {{"since", "soon"}}, "`since`"), 400);
  EXPECT_EQ(status(*front_, "/v1/insights", {{"period", "7d"}}, "`period`"), 400);
  EXPECT_EQ(status(*front_, "/v1/insights", {{"workflow", "Buy"}, {"by", "shop"}}, "`by`"), 400);
  EXPECT_EQ(status(*front_, "/v1/insights/stages", {}, "`workflow`"), 400);
  HttpRequest anonymous;
  anonymous.method = "GET";
  anonymous.path = "/v1/insights/at-risk";
  EXPECT_EQ(front_->handle(anonymous).status, 401);

  StaticDirectory half({LocalTarget{parts_[0].router, parts_[0].service},
                        UnknownTarget{"its owner's membership expired"}});
  PartitionRouter front(half, RequestLimits{});
  for (const char* path : {"/v1/insights", "/v1/insights/at-risk"})
    EXPECT_EQ(status(front, path, {}, "partition 1"), 503);
  EXPECT_EQ(status(front, "/v1/insights/stages", {{"workflow", "Buy"}}, "partition 1"), 503);
  // A partition asked for an internal form it does not know says which it knows.
  EXPECT_EQ(call(*parts_[0].router, "GET", "/v1/insights", {}, {}, "quantiles").status, 400);
}

}  // namespace
}  // namespace rflow::service::testing
