// Ages in business time over HTTP (docs/insights.md "Business time"): a task declared in a
// calendar answers its ages in the calendar's open time beside the wall-clock ones, in
// GET /v1/tasks, the instance's waits, the insights' open tasks and the stage figures; a
// task in plain time answers null there. The OpenAPI document describes the fields.
#include <gtest/gtest.h>

#include <string>

#include "base/time_text.h"
#include "service_test_util.h"
#include "shop_project.h"

namespace rflow::service::testing {
namespace {

using nlohmann::json;

constexpr int64_t kSaturday19 = kStart + 34 * kHourMs;  // Saturday 19:00 in Berlin
constexpr int64_t kMonday08 = kStart + 71 * kHourMs;    // Monday 08:00 in Berlin

constexpr const char* kFix = R"(
calendar StoreHours {
  zone "Europe/Berlin"
  open mon-fri 08:00-20:00
  open sat 09:00-18:00
}

workflow Fix(aisle: int) -> int {
  owner "ops"
  let fixed = task "Fix aisle {aisle}" {
    stage "aisle fix"
    assign Clerk
    due 4h in StoreHours
    form { units: int }
  }
  return fixed.units
}
)";

const json* taskTitled(const Reply& r, const std::string& title) {
  for (const json& t : r.body["items"])
    if (t["title"] == title) return &t;
  return nullptr;
}

TEST(ServiceBusinessAge, ATaskInACalendarAnswersItsAgesInOpenTime) {
  engine::ManualClock clock(kSaturday19);
  TestServer s(std::string(kShopModule) + kFix, true, {}, {}, &clock);
  ASSERT_TRUE(s.ok()) << s.problem();
  const Reply started = s.post("/v1/workflows/Fix/instances", {{"aisle", 7}}, kCy);
  ASSERT_EQ(started.status, 201) << started.text;
  const std::string id = started.body["id"];
  ASSERT_EQ(s.post("/v1/workflows/Count/instances", {{"aisle", 8}}, kCy).status, 201);

  // Monday 09:10 in Berlin: 38h10m after it opened, 1h10m of which the store was open.
  clock.set(kMonday08 + kHourMs + 10 * 60'000);
  const Reply tasks = s.get("/v1/tasks?role=Clerk", kCy);
  ASSERT_EQ(tasks.status, 200) << tasks.text;
  const json* fix = taskTitled(tasks, "Fix aisle 7");
  ASSERT_NE(fix, nullptr) << tasks.text;
  EXPECT_EQ((*fix)["calendar"], "StoreHours");
  EXPECT_EQ((*fix)["age_seconds"], 38 * 3600 + 600);
  EXPECT_EQ((*fix)["age_business_seconds"], 3600 + 600);
  EXPECT_EQ((*fix)["due"], base::formatTime(kMonday08 + 4 * kHourMs));
  EXPECT_EQ((*fix)["due_in_seconds"], 2 * 3600 + 50 * 60);
  EXPECT_EQ((*fix)["due_in_business_seconds"], 2 * 3600 + 50 * 60);
  // A task in plain time has no business ages.
  const json* count = taskTitled(tasks, "Count aisle 8");
  ASSERT_NE(count, nullptr) << tasks.text;
  EXPECT_EQ((*count)["calendar"], nullptr);
  EXPECT_EQ((*count)["age_seconds"], 38 * 3600 + 600);
  EXPECT_EQ((*count)["age_business_seconds"], nullptr);
  EXPECT_EQ((*count)["due_in_seconds"], nullptr);
  // GET /v1/tasks/{id} answers the same.
  const Reply one = s.get("/v1/tasks/" + (*fix)["id"].get<std::string>(), kCy);
  EXPECT_EQ(one.body["age_business_seconds"], 3600 + 600);

  const Reply instance = s.get("/v1/instances/" + id, kCy);
  ASSERT_EQ(instance.body["waiting_for"].size(), 1u) << instance.text;
  const json& wait = instance.body["waiting_for"][0];
  EXPECT_EQ(wait["calendar"], "StoreHours");
  EXPECT_EQ(wait["age_seconds"], 38 * 3600 + 600);
  EXPECT_EQ(wait["age_business_seconds"], 3600 + 600);

  const Reply insights = s.get("/v1/insights?workflow=Fix", kCy);
  ASSERT_EQ(insights.body["workflows"].size(), 1u) << insights.text;
  const json& open = insights.body["workflows"][0]["tasks"];
  EXPECT_EQ(open["open_by_age"][">24h"], 1);
  EXPECT_EQ(open["open_by_business_age"]["1-4h"], 1);
  EXPECT_EQ(open["open_by_business_age"][">24h"], 0);
  EXPECT_EQ(open["open_in_calendar"], 1);

  const Reply stages = s.get("/v1/insights/stages?workflow=Fix", kCy);
  ASSERT_EQ(stages.body["stages"].size(), 1u) << stages.text;
  EXPECT_EQ(stages.body["stages"][0]["oldest_open_calendar"], "StoreHours");
  EXPECT_EQ(stages.body["stages"][0]["oldest_open_business_age_ms"], (3600 + 600) * 1000);
  EXPECT_EQ(stages.body["stages"][0]["oldest_open_age_ms"], (38 * 3600 + 600) * 1000);

  // Decided, the task's age stops at its decision.
  ASSERT_EQ(s.post("/v1/tasks/" + (*fix)["id"].get<std::string>() + "/decision",
                   {{"form", {{"units", 3}}}}, kCy)
                .status,
            200);
  clock.set(kMonday08 + 5 * kHourMs);
  const Reply done = s.get("/v1/tasks/" + (*fix)["id"].get<std::string>(), kCy);
  EXPECT_EQ(done.body["status"], "completed");
  EXPECT_EQ(done.body["age_business_seconds"], 3600 + 600);
  EXPECT_EQ(done.body["due_in_seconds"], nullptr);
}

TEST(ServiceBusinessAge, TheOpenApiDocumentDescribesTheAges) {
  TestServer s;
  ASSERT_TRUE(s.ok()) << s.problem();
  const Reply doc = s.get("/v1/openapi.json", kCy);
  ASSERT_EQ(doc.status, 200);
  const json& schemas = doc.body["components"]["schemas"];
  for (const char* field : {"age_seconds", "due_in_seconds", "calendar", "age_business_seconds",
                            "due_in_business_seconds"})
    EXPECT_TRUE(schemas["Task"]["properties"].contains(field)) << field;
  for (const char* field : {"age_seconds", "calendar", "age_business_seconds"})
    EXPECT_TRUE(schemas["Wait"]["properties"].contains(field)) << field;
  EXPECT_EQ(doc.body["paths"]["/v1/tasks/{id}"]["get"]["responses"]["200"]["content"]
                    ["application/json"]["schema"]["$ref"],
            "#/components/schemas/Task");
}

}  // namespace
}  // namespace rflow::service::testing
