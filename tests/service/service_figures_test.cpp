// An instance's figures in its JSON (intelligence.md §2): GET /v1/instances/{id} shows
// the tracked values as printed and the latest value of each measure, from the header
// at start and from `measure` statements as the instance goes on; an instance of a
// workflow that tracks and measures nothing has empty objects; list items leave them
// out; the OpenAPI document describes them.
#include <gtest/gtest.h>

#include "service_test_util.h"

namespace rflow::service::testing {
namespace {

using nlohmann::json;

// The roles are those of the test server's users.
const std::string kFigures = R"rflow(module shop

role Buyer "Buyer"
role Clerk "Clerk"

enum Region { EU, US }
record Invoice { number: string, region: Region, store: string, total: money }

workflow Match(inv: Invoice) -> bool {
  owner "accounts-payable"
  track region = inv.region, store = inv.store
  measure value = inv.total
  let review = approval "Review {inv.number}" {
    stage "ap review"
    assign Clerk
    due 1d
    escalate after 4h to Clerk
  }
  measure value = inv.total + inv.total
  measure review_wait = 2h
  measure attempts = 1
  return review.approved
}

workflow Plain(n: int) -> int {
  owner "ops"
  return n
}
)rflow";

json measure(std::string_view kind, std::string_view amount, const json& currency,
             std::string_view text) {
  return {{"kind", kind}, {"amount", amount}, {"currency", currency}, {"text", text}};
}

TEST(ServiceFigures, AnInstanceShowsItsTrackedValuesAndMeasures) {
  TestServer s(kFigures);
  ASSERT_TRUE(s.ok()) << s.problem();
  const json invoice = {{"number", "INV-7"},
                        {"region", "EU"},
                        {"store", "S-0042"},
                        {"total", {{"amount", "12.50"}, {"currency", "EUR"}}}};
  const Reply started = s.post("/v1/workflows/Match/instances", {{"inv", invoice}}, kCy);
  ASSERT_EQ(started.status, 201) << started.text;
  const std::string id = started.body["id"];
  const json tracked = {{"region", "EU"}, {"store", "S-0042"}};
  // The start's answer already has them: tracked values and header measures are
  // computed with the first step.
  EXPECT_EQ(started.body["tracked"], tracked) << started.text;
  EXPECT_EQ(started.body["measures"],
            (json{{"value", measure("money", "12.50", "EUR", "12.50 EUR")}}))
      << started.text;

  Reply waiting = s.get("/v1/instances/" + id, kCy);
  ASSERT_EQ(waiting.status, 200) << waiting.text;
  ASSERT_EQ(waiting.body["status"], "Waiting") << waiting.text;
  EXPECT_EQ(waiting.body["tracked"], tracked);
  EXPECT_EQ(waiting.body["measures"],
            (json{{"value", measure("money", "12.50", "EUR", "12.50 EUR")}}));

  // The statements after the approval replace `value` and set two more.
  const std::string task = waiting.body["waiting_for"][0]["task"];
  const Reply decided =
      s.post("/v1/tasks/" + task + "/decision", {{"approve", true}, {"comment", "ok"}}, kCy);
  ASSERT_EQ(decided.status, 200) << decided.text;
  const json after = {{"value", measure("money", "25.00", "EUR", "25.00 EUR")},
                      {"review_wait", measure("duration", "7200000", nullptr, "2h")},
                      {"attempts", measure("int", "1", nullptr, "1")}};
  Reply done;
  ASSERT_TRUE(eventually([&] {
    done = s.get("/v1/instances/" + id, kCy);
    return done.body["status"] == "Completed";
  })) << done.text;
  EXPECT_EQ(done.body["tracked"], tracked);
  EXPECT_EQ(done.body["measures"], after) << done.text;

  // A list item does not read them.
  const Reply list = s.get("/v1/instances?workflow=Match", kCy);
  ASSERT_EQ(list.status, 200) << list.text;
  ASSERT_EQ(list.body["items"].size(), 1u);
  EXPECT_FALSE(list.body["items"][0].contains("tracked")) << list.text;
  EXPECT_FALSE(list.body["items"][0].contains("measures")) << list.text;
}

TEST(ServiceFigures, AnInstanceOfAWorkflowWithoutFiguresHasNone) {
  TestServer s(kFigures);
  ASSERT_TRUE(s.ok()) << s.problem();
  const Reply started = s.post("/v1/workflows/Plain/instances", {{"n", 3}}, kCy);
  ASSERT_EQ(started.status, 201) << started.text;
  const Reply r = s.get("/v1/instances/" + started.body["id"].get<std::string>(), kCy);
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["tracked"], json::object()) << r.text;
  EXPECT_EQ(r.body["measures"], json::object()) << r.text;
}

TEST(ServiceFigures, TheOpenApiDocumentDescribesThem) {
  TestServer s(kFigures);
  ASSERT_TRUE(s.ok()) << s.problem();
  const Reply doc = s.get("/v1/openapi.json", kCy);
  ASSERT_EQ(doc.status, 200) << doc.text;
  const json& schemas = doc.body["components"]["schemas"];
  const json& properties = schemas["Instance"]["properties"];
  EXPECT_EQ(properties["tracked"]["additionalProperties"]["type"], "string");
  EXPECT_EQ(properties["measures"]["additionalProperties"]["$ref"], "#/components/schemas/Measure");
  EXPECT_EQ(schemas["Measure"]["required"], (json{"kind", "amount", "currency", "text"}));
  const auto answer = [&](const std::string& path, const std::string& method,
                          const std::string& status) {
    return doc.body["paths"][path][method]["responses"][status]["content"]["application/json"]
                   ["schema"];
  };
  EXPECT_EQ(answer("/v1/instances/{id}", "get", "200")["$ref"], "#/components/schemas/Instance");
  EXPECT_EQ(answer("/v1/workflows/{name}/instances", "post", "201")["$ref"],
            "#/components/schemas/Instance");
  EXPECT_EQ(answer("/v1/instances", "get", "200")["properties"]["items"]["items"]["$ref"],
            "#/components/schemas/Instance");
}

}  // namespace
}  // namespace rflow::service::testing
