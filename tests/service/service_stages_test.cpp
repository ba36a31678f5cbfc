// GET /v1/insights/stages, GET /v1/insights/at-risk and rflow_stage_seconds in /metrics:
// the engine's stage figures over HTTP, on the engine's clock, surviving a restart.
#include <gtest/gtest.h>

#include <string>

#include "base/time_text.h"
#include "service_test_util.h"

namespace rflow::service::testing {
namespace {

using nlohmann::json;

std::string taskOf(TestServer& s, const std::string& instance) {
  const Reply r = s.get("/v1/instances/" + instance);
  for (const json& w : r.body["waiting_for"]) {
    if (w.contains("task")) return w["task"];
  }
  return "";
}

TEST(ServiceStages, WhereTimeGoesPerStageInTheApiAndMetrics) {
  engine::ManualClock clock(kStart);
  TestServer s(kShopProject, true, {}, {}, &clock);
  ASSERT_TRUE(s.ok()) << s.problem();
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    Reply started = s.post("/v1/workflows/Review/instances", {{"who", "cy"}}, kAnn);
    ASSERT_EQ(started.status, 201) << started.text;
    ids.push_back(started.body["id"]);
  }
  clock.set(kStart + kHourMs);
  ASSERT_EQ(s.post("/v1/tasks/" + taskOf(s, ids[0]) + "/decision", {{"approve", true}}, kCy).status,
            200);

  const auto check = [&](const Reply& r) {
    ASSERT_EQ(r.status, 200) << r.text;
    ASSERT_EQ(r.body["stages"].size(), 1u) << r.text;
    const json& st = r.body["stages"][0];
    EXPECT_EQ(st["stage"], "Review the planogram");
    EXPECT_EQ(st["workflow"], "shop.Review");
    EXPECT_EQ(st["entered"], 2);
    EXPECT_EQ(st["open"], 1);
    EXPECT_EQ(st["oldest_open"], base::formatTime(kStart));
    EXPECT_EQ(st["oldest_open_age_ms"], kHourMs);
    EXPECT_EQ(st["time_in_stage_ms"]["count"], 1);
    EXPECT_EQ(st["time_in_stage_ms"]["max"], kHourMs);
    EXPECT_EQ(st["total_ms"], 2 * kHourMs);  // the ended wait's hour and the open one's
    EXPECT_EQ(st["share"], 1.0);
    EXPECT_EQ(r.body["total_ms"], 2 * kHourMs);
  };
  check(s.get("/v1/insights/stages?workflow=Review", kCy));

  Reply metrics = s.get("/metrics", kCy);
  EXPECT_NE(
      metrics.text.find(
          "rflow_stage_seconds_count{workflow=\"shop.Review\",stage=\"Review the planogram\"} 1"),
      std::string::npos)
      << metrics.text;
  EXPECT_NE(metrics.text.find("rflow_stage_seconds_bucket{workflow=\"shop.Review\",stage=\"Review "
                              "the planogram\",le=\"3600\"} 1"),
            std::string::npos);

  s.restart();
  ASSERT_TRUE(s.ok()) << s.problem();
  check(s.get("/v1/insights/stages?workflow=Review", kCy));
}

TEST(ServiceStages, BadParametersAreNamed) {
  TestServer s;
  ASSERT_TRUE(s.ok()) << s.problem();
  // An empty value is no value (as everywhere in the API): at-risk then covers all.
  for (const char* path : {"/v1/insights/stages", "/v1/insights/stages?workflow="}) {
    Reply r = s.get(path, kCy);
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_NE(r.text.find("`workflow`"), std::string::npos) << path << ": " << r.text;
  }
  Reply by = s.get("/v1/insights/stages?workflow=Review&by=region&value=EU", kCy);
  EXPECT_EQ(by.status, 400);
  EXPECT_NE(by.text.find("`by`"), std::string::npos) << by.text;
}

TEST(ServiceStages, AtRiskNeedsHistory) {
  TestServer s;
  ASSERT_TRUE(s.ok()) << s.problem();
  ASSERT_EQ(s.post("/v1/workflows/Review/instances", {{"who", "cy"}}, kAnn).status, 201);
  Reply r = s.get("/v1/insights/at-risk", kCy);
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["min_history"], 20);
  EXPECT_TRUE(r.body["instances"].empty());
  EXPECT_EQ(s.get("/v1/insights/at-risk?workflow=Review", kCy).status, 200);
}

}  // namespace
}  // namespace rflow::service::testing
