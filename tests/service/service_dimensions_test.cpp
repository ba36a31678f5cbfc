// GET /v1/instances?workflow=W&NAME=VALUE (intelligence.md §2): instances listed by a
// tracked dimension (read from the records), several dimensions together, with the
// other filters and paging; a parameter that is not a tracked dimension is a 400 that
// names it.
#include <gtest/gtest.h>

#include <set>

#include "service_test_util.h"

namespace rflow::service::testing {
namespace {

using nlohmann::json;

// The module and roles are those of the test server's users.
const std::string kTracked = R"rflow(module shop

role Buyer "Buyer"
role Clerk "Clerk"

enum Region { EU, US }
record Order { id: string, region: Region, store: string }

workflow Ship(o: Order) -> string {
  owner "ops"
  track region = o.region, store = o.store
  return o.id
}

enum Verdict { Ok, Bad }

workflow Check(o: Order) -> Verdict {
  owner "ops"
  track region = o.region
  let r = approval "Check {o.id}" {
    stage "check"
    assign Clerk
  }
  if r.approved { return Verdict.Ok }
  return Verdict.Bad
}

workflow Plain(n: int) -> int {
  owner "ops"
  return n
}
)rflow";

std::set<std::string> listed(TestServer& s, const std::string& query) {
  const Reply r = s.get("/v1/instances?" + query, kCy);
  EXPECT_EQ(r.status, 200) << query << ": " << r.text;
  std::set<std::string> ids;
  for (const json& item : r.body["items"])
    ids.insert(item["id"].get<std::string>());
  return ids;
}

TEST(ServiceDimensions, InstancesAreListedByTheirTrackedDimensions) {
  TestServer s(kTracked);
  ASSERT_TRUE(s.ok()) << s.problem();
  std::map<std::string, std::string> region_of, store_of;
  const std::vector<std::tuple<std::string, std::string, std::string>> orders = {
      {"A", "EU", "s1"}, {"B", "US", "s1"}, {"C", "EU", "s2"}, {"D", "EU", "s1"}};
  std::set<std::string> eu, eu_s1, all;
  for (const auto& [id, region, store] : orders) {
    const Reply r = s.post("/v1/workflows/Ship/instances",
                           {{"o", {{"id", id}, {"region", region}, {"store", store}}}}, kCy);
    ASSERT_EQ(r.status, 201) << r.text;
    const std::string instance = r.body["id"];
    all.insert(instance);
    if (region == "EU") eu.insert(instance);
    if (region == "EU" && store == "s1") eu_s1.insert(instance);
  }
  ASSERT_EQ(s.post("/v1/workflows/Plain/instances", {{"n", 1}}, kCy).status, 201);

  EXPECT_EQ(listed(s, "workflow=Ship&region=EU"), eu);
  EXPECT_EQ(listed(s, "workflow=shop.Ship&region=EU&store=s1"), eu_s1);
  EXPECT_EQ(listed(s, "workflow=Ship&region=US").size(), 1u);
  EXPECT_TRUE(listed(s, "workflow=Ship&store=nowhere").empty());
  // With the other filters: all of them finish at once.
  EXPECT_TRUE(
      eventually([&] { return listed(s, "workflow=Ship&region=EU&status=Completed") == eu; }));
  EXPECT_TRUE(listed(s, "workflow=Ship&region=EU&status=Failed").empty());
  // Paged like any list.
  const Reply first = s.get("/v1/instances?workflow=Ship&region=EU&limit=2", kCy);
  ASSERT_EQ(first.status, 200) << first.text;
  ASSERT_EQ(first.body["items"].size(), 2u);
  ASSERT_TRUE(first.body["next"].is_string());
  std::set<std::string> paged =
      listed(s, "workflow=Ship&region=EU&limit=2&after=" + first.body["next"].get<std::string>());
  for (const json& item : first.body["items"])
    paged.insert(item["id"].get<std::string>());
  EXPECT_EQ(paged, eu);

  const auto refused = [&](const std::string& query, std::string_view says) {
    const Reply r = s.get("/v1/instances?" + query, kCy);
    EXPECT_EQ(r.status, 400) << query << ": " << r.text;
    const std::string message = r.body["error"].value("message", "");
    EXPECT_NE(message.find(says), std::string::npos) << message;
  };
  refused("workflow=Ship&regoin=EU", "did you mean `region`?");
  refused("workflow=Plain&region=EU", "no `track` clause");
  refused("region=EU", "add `workflow=");
}

json orderFrom(const std::string& id, const char* region, const char* store) {
  return {{"id", id}, {"region", region}, {"store", store}};
}

const json* valueOf(const json& by, std::string_view value) {
  for (const json& v : by["values"])
    if (v["value"] == value) return &v;
  return nullptr;
}

TEST(ServiceDimensions, InsightsByATrackedDimensionComparePeriodsAndStages) {
  engine::ManualClock clock(kStart);
  TestServer s(kTracked, true, {}, {}, &clock);
  ASSERT_TRUE(s.ok()) << s.problem();
  int n = 0;
  const auto ship = [&](const char* region, const char* store, int count) {
    for (int i = 0; i < count; ++i) {
      Reply r = s.post("/v1/workflows/Ship/instances",
                       {{"o", orderFrom("o-" + std::to_string(n++), region, store)}}, kAnn);
      ASSERT_EQ(r.status, 201) << r.text;
    }
  };
  ship("EU", "S-1", 10);
  ship("US", "S-2", 3);
  clock.set(kStart + 7 * kDayMs);
  ship("EU", "S-1", 25);
  ship("US", "S-2", 3);

  Reply week = s.get("/v1/insights?workflow=Ship&by=region&period=7d", kCy);
  ASSERT_EQ(week.status, 200) << week.text;
  const json& by = week.body["by"];
  EXPECT_EQ(by["workflow"], "shop.Ship");
  EXPECT_EQ(by["dimension"], "region");
  EXPECT_EQ(by["period"], "7d");
  ASSERT_EQ(by["values"].size(), 2u) << by;
  EXPECT_EQ(by["values"][0]["value"], "EU") << "the most started first";
  EXPECT_EQ(by["values"][0]["started"], 25);
  EXPECT_EQ(by["values"][0]["completed"], 25);
  EXPECT_EQ(by["values"][0]["previous"]["started"], 10);
  EXPECT_EQ(by["values"][0]["trend"], "rising");
  EXPECT_EQ(by["values"][1]["trend"], "steady");
  // The workflow figures are there as before.
  EXPECT_FALSE(week.body["workflows"].empty());

  // Without a period: since a time, no trend.
  Reply all = s.get("/v1/insights?workflow=Ship&by=store&since=30d", kCy);
  ASSERT_EQ(all.status, 200) << all.text;
  const json* s1 = valueOf(all.body["by"], "S-1");
  ASSERT_NE(s1, nullptr) << all.text;
  EXPECT_EQ((*s1)["started"], 35);
  EXPECT_FALSE(s1->contains("trend"));

  // Stages of one value.
  for (const char* region : {"EU", "EU", "US"}) {
    Reply r = s.post("/v1/workflows/Check/instances", {{"o", orderFrom("c", region, "S-1")}}, kAnn);
    ASSERT_EQ(r.status, 201) << r.text;
  }
  Reply eu = s.get("/v1/insights/stages?workflow=Check&by=region&value=EU", kCy);
  ASSERT_EQ(eu.status, 200) << eu.text;
  EXPECT_EQ(eu.body["by"], "region");
  EXPECT_EQ(eu.body["value"], "EU");
  ASSERT_EQ(eu.body["stages"].size(), 1u) << eu.text;
  EXPECT_EQ(eu.body["stages"][0]["stage"], "check");
  EXPECT_EQ(eu.body["stages"][0]["entered"], 2);
  EXPECT_EQ(eu.body["stages"][0]["open"], 2);
  EXPECT_TRUE(eu.body["stages"][0]["oldest_open"].is_string()) << eu.text;
  Reply none = s.get("/v1/insights/stages?workflow=Check&by=region&value=APAC", kCy);
  ASSERT_EQ(none.status, 200) << none.text;
  EXPECT_TRUE(none.body["stages"].empty());
}

TEST(ServiceDimensions, BadInsightsParametersAreNamed) {
  TestServer s(kTracked);
  ASSERT_TRUE(s.ok()) << s.problem();
  const std::pair<const char*, const char*> cases[] = {
      {"/v1/insights?by=region", "`by`"},
      {"/v1/insights?workflow=Ship&by=regoin", "did you mean `region`?"},
      {"/v1/insights?workflow=Plain&by=region", "has no `track` clause"},
      {"/v1/insights?workflow=Nope&by=region", "Nope"},
      {"/v1/insights?workflow=Ship&by=region&period=36h", "`period`"},
      {"/v1/insights?workflow=Ship&by=region&period=soon", "`period`"},
      {"/v1/insights?workflow=Ship&by=region&period=400d", "`period`"},
      {"/v1/insights?workflow=Ship&period=7d", "`period`"},
      {"/v1/insights/stages?workflow=Check&by=region", "`value`"},
      {"/v1/insights/stages?workflow=Check&value=EU", "`by`"},
      {"/v1/insights/stages?workflow=Check&by=store&value=S-1", "tracks no dimension `store`"},
  };
  for (const auto& [path, expected] : cases) {
    Reply r = s.get(path, kCy);
    EXPECT_EQ(r.status / 100, 4) << path << ": " << r.text;
    EXPECT_NE(r.text.find(expected), std::string::npos) << path << ": " << r.text;
  }
}

}  // namespace
}  // namespace rflow::service::testing
