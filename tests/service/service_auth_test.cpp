// Who may do what (runtime.md §7): the auth matrix, the decision's order of checks,
// policy refusals, and the admin token made on a first start without users.
#include <gtest/gtest.h>

#include <fstream>

#include "service/auth.h"
#include "service_test_util.h"

namespace rflow::service::testing {
namespace {

using nlohmann::json;

class ServiceAuthTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(s.ok()) << s.problem(); }
  std::string taskOf(const std::string& instance) {
    const Reply r = s.get("/v1/instances/" + instance);
    for (const json& w : r.body["waiting_for"]) {
      if (w.contains("task")) return w["task"];
    }
    return "";
  }
  TestServer s;
};

TEST_F(ServiceAuthTest, NothingIsServedWithoutAValidToken) {
  for (const char* path : {"/v1/workflows", "/v1/instances", "/v1/tasks", "/v1/insights",
                           "/v1/openapi.json", "/metrics", "/v1/instances/in-0000000001"}) {
    Reply none = s.get(path, nullptr);
    EXPECT_EQ(none.status, 401) << path;
    EXPECT_EQ(none.body["error"]["code"], "unauthorized") << path;
    EXPECT_EQ(none.headers["WWW-Authenticate"], "Bearer");
    EXPECT_EQ(s.get(path, "not-a-token").status, 401) << path;
  }
  httplib::Client client("127.0.0.1", s.server().port());
  auto basic = client.Get("/v1/workflows", {{"Authorization", std::string("Basic ") + kRoot}});
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->status, 401);
  auto lower = client.Get("/v1/workflows", {{"Authorization", std::string("bearer ") + kCy}});
  ASSERT_TRUE(lower);
  EXPECT_EQ(lower->status, 200) << "the scheme is case-insensitive";
  EXPECT_EQ(s.post("/v1/workflows/Count/instances", {{"aisle", 1}}, nullptr).status, 401);
  EXPECT_EQ(s.post("/v1/events/OrderPlaced", json::object(), "wrong").status, 401);
}

TEST_F(ServiceAuthTest, DeploymentAndCancelNeedTheAdminRole) {
  Reply deploy = s.post("/v1/deployments", {{"files", {{"shop.rflow", kShopProject}}}}, kAnn);
  EXPECT_EQ(deploy.status, 403);
  EXPECT_EQ(deploy.body["error"]["code"], "forbidden");
  EXPECT_NE(deploy.text.find("admin"), std::string::npos);
  Reply started = s.post("/v1/workflows/Count/instances", {{"aisle", 1}}, kCy);
  const std::string id = started.body["id"];
  EXPECT_EQ(s.post("/v1/instances/" + id + "/cancel", nullptr, kCy).status, 403);
  EXPECT_EQ(s.post("/v1/instances/" + id + "/cancel", nullptr, nullptr).status, 401);
  EXPECT_EQ(s.post("/v1/instances/" + id + "/cancel", nullptr, kRoot).status, 200);
  EXPECT_EQ(s.post("/v1/deployments", {{"files", {{"shop.rflow", kShopProject}}}}, kRoot).status,
            201);
}

TEST_F(ServiceAuthTest, DecisionsAreCheckedInTheOrderOfTheSpec) {
  Reply started =
      s.post("/v1/workflows/Purchase/instances", {{"o", order("A-1")}, {"by", "ann"}}, kAnn);
  const std::string task = taskOf(started.body["id"]);
  ASSERT_FALSE(task.empty());
  const std::string path = "/v1/tasks/" + task + "/decision";
  // 400 malformed comes first, even without a token.
  EXPECT_EQ(s.postText(path, "{not json", nullptr).status, 400);
  EXPECT_EQ(s.post(path, {{"approve", "yes"}}, nullptr).status, 400);
  EXPECT_EQ(s.post(path, {{"approve", true}, {"form", json::object()}}, nullptr).status, 400);
  EXPECT_EQ(s.post(path, json::array(), nullptr).status, 400);
  // 401 no valid token.
  EXPECT_EQ(s.post(path, {{"approve", true}}, nullptr).status, 401);
  EXPECT_EQ(s.post(path, {{"approve", true}}, "forged").status, 401);
  // 404 no such task (with a token).
  EXPECT_EQ(s.post("/v1/tasks/tk-9999999999/decision", {{"approve", true}}, kCy).status, 404);
  // 403 neither the role nor the user.
  Reply wrong_role = s.post(path, {{"approve", true}}, kCy);
  EXPECT_EQ(wrong_role.status, 403);
  EXPECT_NE(wrong_role.text.find("Buyer"), std::string::npos) << wrong_role.text;
  EXPECT_EQ(s.post(path, {{"approve", true}}, kRoot).status, 403)
      << "admin is not a role every task is assigned to";
  // 409 refused by the policy, with its message, and audited.
  Reply refused = s.post(path, {{"approve", true}}, kAnn);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.body["error"]["code"], "refused");
  EXPECT_EQ(refused.body["error"]["message"], "no approving your own order");
  bool audited = false;
  const Reply history =
      s.get("/v1/instances/" + started.body["id"].get<std::string>() + "/history");
  for (const json& e : history.body["items"])
    audited = audited || (e["kind"] == "refused" && e["by"] == "ann");
  EXPECT_TRUE(audited);
  // The right person.
  Reply ok = s.post(path, {{"approve", false}, {"comment", "too dear"}}, kBob);
  ASSERT_EQ(ok.status, 200) << ok.text;
  EXPECT_EQ(ok.body["task"]["status"], "rejected");
  EXPECT_EQ(ok.body["instance"]["result"], "declined");
  // 409 no longer open.
  EXPECT_EQ(s.post(path, {{"approve", true}}, kBob).status, 409);
}

TEST_F(ServiceAuthTest, ATaskAssignedToAUserIsTheirsAlone) {
  Reply started = s.post("/v1/workflows/Review/instances", {{"who", "cy"}}, kAnn);
  ASSERT_EQ(started.status, 201) << started.text;
  const std::string task = taskOf(started.body["id"]);
  EXPECT_EQ(s.get("/v1/tasks?assignee=cy", kCy).body["items"].size(), 1u);
  Reply wrong_user = s.post("/v1/tasks/" + task + "/decision", {{"approve", true}}, kAnn);
  EXPECT_EQ(wrong_user.status, 403);
  EXPECT_NE(wrong_user.text.find("user cy"), std::string::npos) << wrong_user.text;
  Reply ok = s.post("/v1/tasks/" + task + "/decision", {{"approve", true}}, kCy);
  ASSERT_EQ(ok.status, 200) << ok.text;
  EXPECT_EQ(ok.body["instance"]["result"], true);
}

TEST(ServiceFirstStart, WithoutUsersAnAdminTokenIsMadeAndPrintedOnce) {
  TestServer s(kShopProject, /*users=*/false);
  ASSERT_TRUE(s.ok()) << s.problem();
  std::string token;
  for (const std::string& line : s.printed()) {
    const size_t at = line.find("rflow_");
    if (at != std::string::npos && line.find("admin token") != std::string::npos)
      token = line.substr(at, 6 + 64);
  }
  ASSERT_EQ(token.size(), 70u) << "printed: " << ::testing::PrintToString(s.printed());
  std::ifstream in(s.dir() / "data" / std::string(kAdminTokenFile));
  std::string stored;
  in >> stored;
  EXPECT_EQ(stored, hexOf(sha256(token))) << "only the hash is kept";
  EXPECT_EQ(stored.find(token.substr(6)), std::string::npos);
  EXPECT_EQ(s.get("/v1/workflows", token.c_str()).status, 200);
  EXPECT_EQ(
      s.post("/v1/deployments", {{"files", {{"shop.rflow", kShopProject}}}}, token.c_str()).status,
      201);
  EXPECT_EQ(s.get("/v1/workflows", kRoot).status, 401);

  const size_t printed = s.printed().size();
  s.restart();
  ASSERT_TRUE(s.ok()) << s.problem();
  for (size_t i = printed; i < s.printed().size(); ++i)
    EXPECT_EQ(s.printed()[i].find("rflow_"), std::string::npos) << "printed once only";
  EXPECT_EQ(s.get("/v1/workflows", token.c_str()).status, 200);
}

TEST(ServiceTokens, AreComparedByTheirHashes) {
  Authenticator auth({{"ann", {"Buyer"}, sha256("secret")}, {"bob", {"admin"}, sha256("other")}});
  EXPECT_EQ(auth.authenticate("Bearer secret")->name, "ann");
  EXPECT_EQ(auth.authenticate("Bearer other")->name, "bob");
  EXPECT_FALSE(auth.authenticate("Bearer secre"));
  EXPECT_FALSE(auth.authenticate("Bearer "));
  EXPECT_FALSE(auth.authenticate("secret"));
  EXPECT_FALSE(auth.authenticate(""));
  EXPECT_TRUE(auth.authenticate("Bearer other")->isAdmin());
  Caller c{"x", {"retail.common.StoreManager"}};
  EXPECT_TRUE(c.holdsRole("StoreManager"));
  EXPECT_FALSE(c.holdsRole("Manager"));
}

}  // namespace
}  // namespace rflow::service::testing
