// Every endpoint of runtime.md §7 over real HTTP: deployments, workflows, starting
// (with Idempotency-Key and business keys), listing with paging, history, signals by id
// and by key, cancel, events, the task inbox and decisions.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "service_test_util.h"

namespace rflow::service::testing {
namespace {

using nlohmann::json;

class ServiceApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(s.ok()) << s.problem(); }

  std::string startPurchase(const std::string& id, const char* by = "ann") {
    Reply r = s.post("/v1/workflows/Purchase/instances", {{"o", order(id)}, {"by", by}}, kAnn);
    EXPECT_EQ(r.status, 201) << r.text;
    return r.body.value("id", "");
  }
  std::string openTask(const std::string& instance) {
    Reply r = s.get("/v1/instances/" + instance);
    for (const json& w : r.body["waiting_for"]) {
      if (w.contains("task")) return w["task"];
    }
    ADD_FAILURE() << "no task: " << r.text;
    return "";
  }

  TestServer s;
};

TEST_F(ServiceApiTest, WorkflowsListDeployedWorkflowsWithTheirParameterTypes) {
  Reply r = s.get("/v1/workflows", kCy);
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["version"].get<std::string>().size(), 64u);
  json purchase;
  for (const json& w : r.body["items"]) {
    if (w["name"] == "Purchase") purchase = w;
  }
  ASSERT_TRUE(purchase.is_object()) << r.text;
  EXPECT_EQ(purchase["qualified_name"], "shop.Purchase");
  EXPECT_EQ(purchase["parameters"][0]["name"], "o");
  EXPECT_EQ(purchase["parameters"][1]["type"], "User");
  EXPECT_EQ(purchase["events"], json::array({"OrderPlaced"}));
  EXPECT_TRUE(purchase["keyed"].get<bool>());
}

TEST_F(ServiceApiTest, ApprovalThenSignalCompletesAndTheHistoryTellsTheStory) {
  const std::string id = startPurchase("O-1");
  Reply v = s.get("/v1/instances/" + id, kBob);
  ASSERT_EQ(v.status, 200);
  EXPECT_EQ(v.body["status"], "Waiting");
  EXPECT_EQ(v.body["key"], "O-1");
  EXPECT_EQ(v.body["arguments"]["o"]["total"], json({{"amount", "120.00"}, {"currency", "USD"}}));
  EXPECT_EQ(v.body["waiting_for"][0]["kind"], "approval");

  Reply inbox = s.get("/v1/tasks?role=Buyer", kBob);
  ASSERT_EQ(inbox.status, 200);
  ASSERT_EQ(inbox.body["items"].size(), 1u) << inbox.text;
  const json task = inbox.body["items"][0];
  EXPECT_EQ(task["title"], "Pay O-1");
  EXPECT_EQ(task["amount"], json({{"amount", "120.00"}, {"currency", "USD"}}));
  EXPECT_EQ(task["assignee"], json({{"role", "Buyer"}}));
  EXPECT_EQ(s.get("/v1/tasks/" + task["id"].get<std::string>(), kCy).body["title"], "Pay O-1");

  Reply decided = s.post("/v1/tasks/" + task["id"].get<std::string>() + "/decision",
                         {{"approve", true}, {"comment", "fine"}}, kBob);
  ASSERT_EQ(decided.status, 200) << decided.text;
  EXPECT_EQ(decided.body["task"]["status"], "approved");
  EXPECT_EQ(decided.body["task"]["decided_by"], "bob");
  EXPECT_EQ(decided.body["instance"]["waiting_for"][0]["kind"], "signal");

  Reply again =
      s.post("/v1/tasks/" + task["id"].get<std::string>() + "/decision", {{"approve", true}}, kAnn);
  EXPECT_EQ(again.status, 409) << again.text;
  EXPECT_EQ(again.body["error"]["code"], "conflict");

  Reply paid = s.post("/v1/instances/" + id + "/signals/Paid", {{"reference", "PAY-9"}}, kCy);
  ASSERT_EQ(paid.status, 200) << paid.text;
  EXPECT_EQ(paid.body["status"], "Completed");
  EXPECT_EQ(paid.body["result"], "PAY-9");

  Reply history = s.get("/v1/instances/" + id + "/history?limit=3");
  ASSERT_EQ(history.status, 200);
  ASSERT_EQ(history.body["items"].size(), 3u);
  EXPECT_EQ(history.body["items"][0]["kind"], "started");
  std::vector<std::string> kinds;
  std::string after = history.body["next"];
  for (const json& e : history.body["items"])
    kinds.push_back(e["kind"]);
  for (;;) {
    Reply page = s.get("/v1/instances/" + id + "/history?limit=3&after=" + after);
    ASSERT_EQ(page.status, 200) << page.text;
    for (const json& e : page.body["items"])
      kinds.push_back(e["kind"]);
    if (page.body["next"].is_null()) break;
    after = page.body["next"];
  }
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "approved"), kinds.end());
  EXPECT_EQ(kinds.back(), "completed");
  EXPECT_EQ(s.get("/v1/instances/" + id + "/history?after=x").status, 400);
}

TEST_F(ServiceApiTest, ADecisionSentAgainWithItsIdempotencyKeyAnswersAsTheFirstDid) {
  const std::string id = startPurchase("O-7");
  const std::string task = openTask(id);
  const std::string path = "/v1/tasks/" + task + "/decision";
  const httplib::Headers key = {{"Idempotency-Key", "decide-1"}};
  Reply first = s.post(path, {{"approve", true}, {"comment", "ok"}}, kBob, key);
  ASSERT_EQ(first.status, 200) << first.text;
  Reply again = s.post(path, {{"approve", true}, {"comment", "ok"}}, kBob, key);
  ASSERT_EQ(again.status, 200) << again.text;
  EXPECT_EQ(again.body["task"]["status"], "approved");
  EXPECT_EQ(again.body["task"]["decided_by"], "bob");
  Reply other = s.post(path, {{"approve", false}}, kBob, key);
  EXPECT_EQ(other.status, 409) << other.text;
  EXPECT_EQ(s.post(path, {{"approve", true}}, kBob).status, 409) << "without the key: closed";
  const Reply history = s.get("/v1/instances/" + id + "/history?limit=500");
  size_t approvals = 0;
  for (const json& e : history.body["items"])
    approvals += e["kind"] == "approved";
  EXPECT_EQ(approvals, 1u) << history.text;
  // The policy's refusal is remembered with its key as well.
  const std::string own = openTask(startPurchase("O-8"));
  const httplib::Headers own_key = {{"Idempotency-Key", "decide-own"}};
  Reply refused = s.post("/v1/tasks/" + own + "/decision", {{"approve", true}}, kAnn, own_key);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.body["error"]["code"], "refused");
  Reply refused_again =
      s.post("/v1/tasks/" + own + "/decision", {{"approve", true}}, kAnn, own_key);
  EXPECT_EQ(refused_again.body, refused.body);
}

TEST_F(ServiceApiTest, ASignalSentAgainByKeyAfterItEndedTheInstanceAnswersAsTheFirstDid) {
  const std::string id = startPurchase("O-6");
  ASSERT_EQ(s.post("/v1/tasks/" + openTask(id) + "/decision", {{"approve", true}}, kBob).status,
            200);
  const httplib::Headers key = {{"Idempotency-Key", "paid-O-6"}};
  const std::string path = "/v1/keys/Purchase/O-6/signals/Paid";
  Reply paid = s.post(path, {{"reference", "PAY-6"}}, kCy, key);
  ASSERT_EQ(paid.status, 200) << paid.text;
  EXPECT_EQ(paid.body["status"], "Completed");
  Reply again = s.post(path, {{"reference", "PAY-6"}}, kCy, key);
  ASSERT_EQ(again.status, 200) << again.text;
  EXPECT_EQ(again.body["id"], id);
  EXPECT_EQ(again.body["result"], "PAY-6");
  EXPECT_EQ(s.post(path, {{"reference", "PAY-7"}}, kCy, {{"Idempotency-Key", "other"}}).status,
            404);
}

TEST_F(ServiceApiTest, StartIsIdempotentWithAKeyAndRefusesALiveBusinessKey) {
  const json body = {{"o", order("O-2")}, {"by", "ann"}};
  Reply first =
      s.post("/v1/workflows/Purchase/instances", body, kAnn, {{"Idempotency-Key", "req-1"}});
  ASSERT_EQ(first.status, 201) << first.text;
  Reply second =
      s.post("/v1/workflows/Purchase/instances", body, kAnn, {{"Idempotency-Key", "req-1"}});
  ASSERT_EQ(second.status, 201) << second.text;
  EXPECT_EQ(first.body["id"], second.body["id"]);
  Reply conflict = s.post("/v1/workflows/Purchase/instances", body, kAnn);
  EXPECT_EQ(conflict.status, 409) << conflict.text;
  EXPECT_NE(conflict.body["error"]["message"].get<std::string>().find("O-2"), std::string::npos);
}

TEST_F(ServiceApiTest, BodiesAreCheckedAgainstDeclaredTypesNamingTheField) {
  json bad_currency = {{"o", order("O-3")}, {"by", "ann"}};
  bad_currency["o"]["total"]["currency"] = "US";
  Reply r = s.post("/v1/workflows/Purchase/instances", bad_currency, kAnn);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("`o.total.currency`"),
            std::string::npos)
      << r.text;
  Reply missing = s.post("/v1/workflows/Purchase/instances", {{"o", order("O-3")}}, kAnn);
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body["error"]["message"].get<std::string>().find("by"), std::string::npos);
  Reply wrong_type = s.post("/v1/workflows/Count/instances", {{"aisle", "four"}}, kAnn);
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_NE(wrong_type.text.find("aisle"), std::string::npos);
  Reply unknown = s.post("/v1/workflows/Nope/instances", json::object(), kAnn);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body["error"]["code"], "not_found");
  const std::string id = startPurchase("O-3");
  Reply bad_signal = s.post("/v1/instances/" + id + "/signals/Paid", {{"reference", 5}}, kAnn);
  EXPECT_EQ(bad_signal.status, 400);
  EXPECT_NE(bad_signal.text.find("reference"), std::string::npos) << bad_signal.text;
  EXPECT_EQ(s.post("/v1/instances/" + id + "/signals/Nope", json::object(), kAnn).status, 404);
  EXPECT_EQ(s.post("/v1/instances/in-9999999999/signals/Paid", {{"reference", "x"}}).status, 404);
}

TEST_F(ServiceApiTest, InstancesArePagedAndFiltered) {
  for (int aisle = 1; aisle <= 3; ++aisle)
    ASSERT_EQ(s.post("/v1/workflows/Count/instances", {{"aisle", aisle}}, kCy).status, 201);
  Reply page1 = s.get("/v1/instances?workflow=Count&limit=2", kCy);
  ASSERT_EQ(page1.status, 200) << page1.text;
  ASSERT_EQ(page1.body["items"].size(), 2u);
  ASSERT_TRUE(page1.body["next"].is_string());
  Reply page2 = s.get(
      "/v1/instances?workflow=Count&limit=2&after=" + page1.body["next"].get<std::string>(), kCy);
  ASSERT_EQ(page2.body["items"].size(), 1u);
  EXPECT_TRUE(page2.body["next"].is_null());
  EXPECT_EQ(s.get("/v1/instances?status=waiting&workflow=shop.Count").body["items"].size(), 3u);
  EXPECT_EQ(s.get("/v1/instances?status=Completed&workflow=Count").body["items"].size(), 0u);
  EXPECT_EQ(s.get("/v1/instances?status=Asleep").status, 400);
  EXPECT_EQ(s.get("/v1/instances?limit=0").status, 400);
  EXPECT_EQ(s.get("/v1/instances?limit=100000").status, 400);
  EXPECT_EQ(s.get("/v1/instances/in-9999999999").status, 404);
  EXPECT_EQ(s.get("/v1/instances/in-9999999999/history").status, 404);
}

TEST_F(ServiceApiTest, TasksTakeTheirFormChecked) {
  Reply started = s.post("/v1/workflows/Count/instances", {{"aisle", 4}}, kCy);
  const std::string id = started.body["id"];
  const std::string task = openTask(id);
  EXPECT_EQ(s.get("/v1/tasks?assignee=cy", kCy).body["items"].size(), 0u);
  Reply inbox = s.get("/v1/tasks?role=Clerk", kCy);
  ASSERT_EQ(inbox.body["items"].size(), 1u);
  EXPECT_EQ(inbox.body["items"][0]["form"][0], json({{"name", "units"}, {"type", "int"}}));
  Reply bad = s.post("/v1/tasks/" + task + "/decision", {{"form", {{"units", "many"}}}}, kCy);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.text.find("`form.units`"), std::string::npos) << bad.text;
  Reply unknown = s.post("/v1/tasks/" + task + "/decision", {{"form", {{"unitz", 1}}}}, kCy);
  EXPECT_EQ(unknown.status, 400);
  Reply approve = s.post("/v1/tasks/" + task + "/decision", {{"approve", true}}, kCy);
  EXPECT_EQ(approve.status, 400) << "a task is completed with its form, not approved";
  Reply done = s.post("/v1/tasks/" + task + "/decision", {{"form", {{"units", 17}}}}, kCy);
  ASSERT_EQ(done.status, 200) << done.text;
  EXPECT_EQ(done.body["instance"]["status"], "Completed");
  EXPECT_EQ(done.body["instance"]["result"], 17);
  EXPECT_EQ(s.get("/v1/tasks?status=completed").body["items"].size(), 1u);
  EXPECT_EQ(s.get("/v1/tasks?status=all").body["items"].size(), 1u);
  EXPECT_EQ(s.get("/v1/tasks").body["items"].size(), 0u);
  EXPECT_EQ(s.get("/v1/tasks?status=sleeping").status, 400);
}

TEST_F(ServiceApiTest, SignalsReachAnInstanceByItsBusinessKey) {
  const std::string id = startPurchase("O-7");
  ASSERT_EQ(s.post("/v1/tasks/" + openTask(id) + "/decision", {{"approve", true}}, kBob).status,
            200);
  Reply r = s.post("/v1/keys/Purchase/O-7/signals/Paid", {{"reference", "K-1"}}, kCy);
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["id"], id);
  EXPECT_EQ(r.body["result"], "K-1");
  EXPECT_EQ(s.post("/v1/keys/Purchase/O-7/signals/Paid", {{"reference", "K-2"}}, kCy).status, 404)
      << "the instance ended, so the key is free";
  EXPECT_EQ(s.post("/v1/keys/Purchase/O-404/signals/Paid", {{"reference", "x"}}).status, 404);
}

TEST_F(ServiceApiTest, CancelEndsALiveInstanceOnce) {
  const std::string id = startPurchase("O-8");
  Reply r = s.post("/v1/instances/" + id + "/cancel", nullptr, kRoot);
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["status"], "Cancelled");
  EXPECT_EQ(s.get("/v1/tasks?role=Buyer").body["items"].size(), 0u)
      << "its approval left the inbox";
  EXPECT_EQ(s.post("/v1/instances/" + id + "/cancel", nullptr, kRoot).status, 409);
  EXPECT_EQ(s.post("/v1/instances/in-9999999999/cancel", nullptr, kRoot).status, 404);
}

TEST_F(ServiceApiTest, EventsStartTheBoundWorkflows) {
  Reply r = s.post("/v1/events/OrderPlaced", {{"o", order("E-1")}, {"by", "cy"}}, kCy);
  ASSERT_EQ(r.status, 201) << r.text;
  ASSERT_EQ(r.body["started"].size(), 1u);
  const std::string id = r.body["started"][0];
  EXPECT_TRUE(eventually([&] { return s.get("/v1/instances/" + id).body["status"] == "Waiting"; }));
  EXPECT_EQ(s.post("/v1/events/Nothing", json::object(), kCy).status, 404);
  Reply bad = s.post("/v1/events/OrderPlaced", {{"o", order("E-2")}}, kCy);
  EXPECT_EQ(bad.status, 400);
}

TEST_F(ServiceApiTest, DeployingAProjectWithErrorsStoresNothing) {
  const std::string before = s.get("/v1/workflows").body["version"];
  Reply r = s.post("/v1/deployments",
                   {{"files",
                     {{"broken.rflow",
                       "module broken\nworkflow W() -> int {\n  owner "
                       "\"x\"\n  return \"no\"\n}\n"}}}},
                   kRoot);
  ASSERT_EQ(r.status, 400) << r.text;
  EXPECT_EQ(r.body["error"]["code"], "bad_request");
  ASSERT_TRUE(r.body["error"]["diagnostics"].is_array()) << r.text;
  EXPECT_FALSE(r.body["error"]["diagnostics"].empty());
  EXPECT_NE(r.text.find("broken.rflow"), std::string::npos);
  EXPECT_EQ(s.get("/v1/workflows").body["version"], before);
  EXPECT_EQ(s.post("/v1/deployments", {{"files", json::array()}}, kRoot).status, 400);
  EXPECT_EQ(s.post("/v1/deployments", {{"files", {{"/etc/passwd", "x"}}}}, kRoot).status, 400);
  EXPECT_EQ(s.post("/v1/deployments", {{"files", {{"a.rflow", 1}}}}, kRoot).status, 400);
}

TEST_F(ServiceApiTest, DeployingANewVersionKeepsRunningInstancesOnTheirs) {
  const std::string old_id = startPurchase("O-9");
  const std::string before = s.get("/v1/workflows").body["version"];
  std::string source = kShopProject;
  source += "\nworkflow Extra() -> int {\n  owner \"ops\"\n  return 7\n}\n";
  Reply r = s.post("/v1/deployments", {{"files", {{"shop.rflow", source}}}}, kRoot);
  ASSERT_EQ(r.status, 201) << r.text;
  EXPECT_NE(r.body["version"], before);
  EXPECT_EQ(r.body["breaking"], json::array()) << "a new workflow breaks no caller";
  EXPECT_EQ(s.get("/v1/workflows").body["version"], r.body["version"]);
  Reply extra = s.post("/v1/workflows/Extra/instances", json::object(), kAnn);
  ASSERT_EQ(extra.status, 201) << extra.text;
  EXPECT_EQ(extra.body["result"], 7);
  EXPECT_EQ(s.get("/v1/instances/" + old_id).body["version"], before);
}

// POST /v1/migrations moves the waiting instances of a workflow to a newer version (a dry
// run first, which moves nothing); GET /v1/versions counts the live instances per version.
TEST_F(ServiceApiTest, AMigrationMovesWaitingInstancesToTheNewVersion) {
  const std::string id = startPurchase("M-1");
  eventually([&] { return s.get("/v1/instances/" + id).body["status"] == "Waiting"; });
  const std::string v1 = s.get("/v1/workflows").body["version"];
  std::string source = kShopProject;
  source += "\nworkflow Extra() -> int {\n  owner \"ops\"\n  return 7\n}\n";
  Reply deployed = s.post("/v1/deployments", {{"files", {{"shop.rflow", source}}}}, kRoot);
  ASSERT_EQ(deployed.status, 201) << deployed.text;
  const std::string v2 = deployed.body["version"];

  const json request = {{"from", v1}, {"to", v2}, {"workflow", "Purchase"}, {"dry_run", true}};
  Reply dry = s.post("/v1/migrations", request, kRoot);
  ASSERT_EQ(dry.status, 200) << dry.text;
  EXPECT_EQ(dry.body["dry_run"], true);
  EXPECT_EQ(dry.body["moved"], 1);
  EXPECT_EQ(dry.body["workflow"], "shop.Purchase");
  ASSERT_FALSE(dry.body["places"].empty()) << dry.text;
  EXPECT_EQ(dry.body["places"][0]["kind"], "approval");
  EXPECT_EQ(dry.body["places"][0]["maps"], true);
  EXPECT_EQ(dry.body["places"][0]["waiting"], 1);
  EXPECT_EQ(s.get("/v1/instances/" + id).body["version"], v1);
  // Not an admin: 403, and nothing moved.
  EXPECT_EQ(s.post("/v1/migrations", request, kAnn).status, 403);

  Reply versions = s.get("/v1/versions", kAnn);
  ASSERT_EQ(versions.status, 200) << versions.text;
  EXPECT_EQ(versions.body["current"], v2);
  std::map<std::string, int> live;
  for (const json& v : versions.body["items"]) live[v["version"]] = v["live"];
  EXPECT_EQ(live[v1], 1) << versions.text;
  EXPECT_EQ(live[v2], 0) << versions.text;

  json real = request;
  real["dry_run"] = false;
  Reply moved = s.post("/v1/migrations", real, kRoot);
  ASSERT_EQ(moved.status, 200) << moved.text;
  EXPECT_EQ(moved.body["moved"], 1);
  EXPECT_EQ(moved.body["left"], json::array());
  EXPECT_EQ(s.get("/v1/instances/" + id).body["version"], v2);
  Reply history = s.get("/v1/instances/" + id + "/history");
  EXPECT_NE(history.text.find("\"migrated\""), std::string::npos) << history.text;
  // It finishes on v2: approved by someone else, then paid.
  Reply decided = s.post("/v1/tasks/" + openTask(id) + "/decision", {{"approve", true}}, kBob);
  ASSERT_EQ(decided.status, 200) << decided.text;
  eventually([&] { return s.get("/v1/instances/" + id).body["status"] == "Waiting"; });
  ASSERT_EQ(s.post("/v1/instances/" + id + "/signals/Paid", {{"reference", "P-1"}}, kAnn).status,
            200);
  eventually([&] { return s.get("/v1/instances/" + id).body["status"] == "Completed"; });
  EXPECT_EQ(s.get("/v1/instances/" + id).body["result"], "P-1");
}

TEST_F(ServiceApiTest, AMigrationRequestNamesWhatIsWrong) {
  const std::string v = s.get("/v1/workflows").body["version"];
  const auto error = [&](const json& body) {
    Reply r = s.post("/v1/migrations", body, kRoot);
    return std::pair{r.status, r.body["error"]["message"].get<std::string>()};
  };
  auto [status, message] = error({{"to", v}, {"workflow", "Purchase"}});
  EXPECT_EQ(status, 400);
  EXPECT_NE(message.find("`from`"), std::string::npos) << message;
  std::tie(status, message) = error({{"from", v}, {"to", 3}, {"workflow", "Purchase"}});
  EXPECT_EQ(status, 400);
  EXPECT_NE(message.find("`to`"), std::string::npos) << message;
  std::tie(status, message) =
      error({{"from", v}, {"to", v}, {"workflow", "Purchase"}, {"dry_run", "yes"}});
  EXPECT_EQ(status, 400);
  EXPECT_NE(message.find("`dry_run`"), std::string::npos) << message;
  std::tie(status, message) = error({{"from", v}, {"to", v}, {"workflow", "Purchase"}, {"x", 1}});
  EXPECT_EQ(status, 400);
  EXPECT_NE(message.find("`x`"), std::string::npos) << message;
  std::tie(status, message) = error({{"from", v}, {"to", std::string(64, 'a')}, {"workflow", "Purchase"}});
  EXPECT_EQ(status, 404);
  EXPECT_NE(message.find("`to`"), std::string::npos) << message;
  std::tie(status, message) = error({{"from", v}, {"to", v}, {"workflow", "Nope"}});
  EXPECT_EQ(status, 404);
  EXPECT_NE(message.find("`workflow`"), std::string::npos) << message;
}

// A deployment that breaks callers of the current version says so (docs/integration.md)
// and still deploys: instances keep their version, and refusing is the build's job.
TEST_F(ServiceApiTest, ADeploymentListsWhatBreaksCallers) {
  std::string source = kShopProject;
  const std::string paid = "signal Paid { reference: string }";
  const size_t at = source.find(paid);
  ASSERT_NE(at, std::string::npos);
  source.replace(at, paid.size(), "signal Paid { reference: string, amount: int }");
  Reply r = s.post("/v1/deployments", {{"files", {{"shop.rflow", source}}}}, kRoot);
  ASSERT_EQ(r.status, 201) << r.text;
  ASSERT_EQ(r.body["breaking"].size(), 1u) << r.text;
  EXPECT_EQ(r.body["breaking"][0]["where"], "signal shop.Paid, field `amount`");
  EXPECT_EQ(r.body["breaking"][0]["what"], "added, required");
  EXPECT_EQ(s.get("/v1/workflows").body["version"], r.body["version"]);
}

}  // namespace
}  // namespace rflow::service::testing
