// GET /v1/instances?workflow=W&NAME=VALUE (intelligence.md §2): instances listed by a
// tracked dimension from the dimension index, several dimensions together, with the
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

}  // namespace
}  // namespace rflow::service::testing
