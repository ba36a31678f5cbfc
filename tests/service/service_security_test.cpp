// The security matrix of issue 8, driven by the route table itself so that a route added
// later cannot miss it: every route refuses a missing, malformed or unknown token with
// 401, every admin-only route refuses a valid non-admin token with 403, and tokens are
// never echoed in answers, printed, or stored in the data directory. (Data-dependent
// access — the task's role or user, policy refusals — is in service_auth_test.)
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "service/routes.h"
#include "service_test_util.h"

namespace rflow::service::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ServiceSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(s.ok()) << s.problem();
    Reply started =
        s.post("/v1/workflows/Purchase/instances", {{"o", order("A-1")}, {"by", "ann"}}, kAnn);
    ASSERT_EQ(started.status, 201) << started.text;
    instance = started.body["id"].get<std::string>();
    // The engine's workers open the approval just after the start returns.
    eventually([&] {
      const Reply view = s.get("/v1/instances/" + instance);
      for (const json& w : view.body["waiting_for"]) {
        if (w.contains("task")) task = w["task"].get<std::string>();
      }
      return !task.empty();
    });
    ASSERT_FALSE(task.empty()) << s.get("/v1/instances/" + instance).text;
  }

  // The route's pattern with its parameters filled in with things that exist.
  std::string pathOf(const Route& route) const {
    std::string path(route.pattern);
    const auto fill = [&](const std::string& param, const std::string& value) {
      if (const size_t at = path.find(param); at != std::string::npos)
        path.replace(at, param.size(), value);
    };
    const bool tasks = path.rfind("/v1/tasks/", 0) == 0;
    fill("{id}", tasks ? task : instance);
    fill("{workflow}", "Purchase");
    fill("{key}", "A-1");
    if (path.rfind("/v1/workflows/", 0) == 0) fill("{name}", "Purchase");
    if (path.rfind("/v1/events/", 0) == 0) fill("{name}", "OrderPlaced");
    if (path.rfind("/v1/classifiers/", 0) == 0) fill("{name}", "IssueKind");
    fill("{name}", "Paid");  // a signal
    return path;
  }
  // A body of the right shape where the route checks the shape before the token.
  static json bodyOf(const Route& route) {
    return route.check_body ? json{{"approve", true}} : json::object();
  }
  Reply send(const Route& route, const char* token) {
    if (route.method == "PUT") return s.put(pathOf(route), "model bytes", token);
    return route.method == "GET" ? s.get(pathOf(route), token)
                                 : s.post(pathOf(route), bodyOf(route), token);
  }

  TestServer s;
  std::string instance;
  std::string task;
};

TEST_F(ServiceSecurityTest, EveryRouteRefusesAMissingOrUnknownToken) {
  size_t checked = 0;
  for (const Route& route : routes()) {
    const std::string what = std::string(route.method) + " " + pathOf(route);
    if (route.access == Access::kOpen) {
      // Health checks: any caller, whatever it sends.
      for (const char* token : {static_cast<const char*>(nullptr), "forged-token", ""})
        EXPECT_EQ(send(route, token).status, 200) << what;
      ++checked;
      continue;
    }
    for (const char* token : {static_cast<const char*>(nullptr), "forged-token", ""}) {
      Reply r = send(route, token);
      EXPECT_EQ(r.status, 401) << what << " with token `" << (token ? token : "(none)") << "`";
      EXPECT_EQ(r.body["error"]["code"], "unauthorized") << what << ": " << r.text;
    }
    // A token of the right shape that is nobody's, and one in the wrong scheme.
    httplib::Client client("127.0.0.1", s.server().port());
    const httplib::Headers basic = {{"Authorization", std::string("Basic ") + kRoot}};
    auto r =
        route.method == "GET" ? client.Get(pathOf(route).c_str(), basic)
        : route.method == "PUT"
            ? client.Put(pathOf(route).c_str(), basic, "model bytes", "application/octet-stream")
            : client.Post(pathOf(route).c_str(), basic, bodyOf(route).dump(), "application/json");
    ASSERT_TRUE(r) << what;
    EXPECT_EQ(r->status, 401) << what << " with a Basic scheme";
    ++checked;
  }
  EXPECT_EQ(checked, routes().size());
  EXPECT_GE(checked, 15u) << "the route table lost routes";
}

TEST_F(ServiceSecurityTest, AdminRoutesRefuseEveryOtherRoleAndOtherRoutesAcceptThem) {
  size_t admin_routes = 0;
  for (const Route& route : routes()) {
    const std::string what = std::string(route.method) + " " + pathOf(route);
    if (route.access == Access::kAdmin) {
      ++admin_routes;
      for (const char* token : {kAnn, kBob, kCy}) {
        Reply r = send(route, token);
        EXPECT_EQ(r.status, 403) << what << " as a non-admin: " << r.text;
        EXPECT_EQ(r.body["error"]["code"], "forbidden") << what;
      }
    } else if (route.check_body == nullptr) {
      // Any valid token passes the route's own check; what follows depends on the data.
      Reply r = send(route, kCy);
      EXPECT_NE(r.status, 401) << what << ": " << r.text;
      EXPECT_NE(r.status, 403) << what << ": " << r.text;
    }
  }
  EXPECT_GE(admin_routes, 2u) << "deployments and cancel are admin-only";
  // The instance was neither cancelled nor redeployed by anyone above.
  EXPECT_EQ(s.get("/v1/instances/" + instance).body["status"], "Waiting");
}

// Every byte under `dir`, concatenated (the data directory is small in a test).
std::string everyByteUnder(const fs::path& dir) {
  std::string all;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

TEST_F(ServiceSecurityTest, TokensAreNeverEchoedPrintedOrStored) {
  const std::string forged = "forged-SECRET-7f3a9c";
  for (const Route& route : routes()) {
    Reply r = send(route, forged.c_str());
    EXPECT_EQ(r.text.find(forged), std::string::npos) << route.pattern << ": " << r.text;
    for (const auto& [name, value] : r.headers)
      EXPECT_EQ(value.find(forged), std::string::npos) << route.pattern << " header " << name;
  }
  // Real tokens at work: a decision, a signal, an event, a deployment, and /v1/me.
  ASSERT_EQ(s.post("/v1/tasks/" + task + "/decision", {{"approve", true}}, kBob).status, 200);
  ASSERT_EQ(
      s.post("/v1/instances/" + instance + "/signals/Paid", {{"reference", "P-1"}}, kCy).status,
      200);
  ASSERT_EQ(s.post("/v1/events/OrderPlaced", {{"o", order("A-2")}, {"by", "ann"}}, kAnn).status,
            201);
  ASSERT_EQ(s.post("/v1/deployments", {{"files", {{"shop.rflow", kShopProject}}}}, kRoot).status,
            201);
  Reply me = s.get("/v1/me", kBob);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.text.find(kBob), std::string::npos) << me.text;

  for (const std::string& line : s.printed()) {
    for (const char* token : {kAnn, kBob, kCy, kRoot})
      EXPECT_EQ(line.find(token), std::string::npos) << "printed: " << line;
    EXPECT_EQ(line.find(forged), std::string::npos) << "printed: " << line;
  }
  // Stop the server so everything is on disk, then look at every byte of the data.
  const fs::path data = s.server().dataDirectory();
  s.stop();
  const std::string stored = everyByteUnder(data);
  ASSERT_GT(stored.size(), 0u);
  for (const char* token : {kAnn, kBob, kCy, kRoot})
    EXPECT_EQ(stored.find(token), std::string::npos) << "the data directory holds " << token;
  EXPECT_EQ(stored.find(forged), std::string::npos);
}

}  // namespace
}  // namespace rflow::service::testing
