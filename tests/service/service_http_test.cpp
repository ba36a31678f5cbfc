// The HTTP edge: unknown routes and methods, malformed, deep and oversized bodies and
// headers (the server stays up), the OpenAPI document against the route table, insights
// and Prometheus metrics, cron triggers, and a restart that keeps everything.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <thread>

#include "service/dashboard.h"
#include "service/routes.h"
#include "service_test_util.h"

namespace rflow::service::testing {
namespace {

using nlohmann::json;

TEST(ServiceHttp, UnknownRoutesAndMethods) {
  TestServer s;
  ASSERT_TRUE(s.ok()) << s.problem();
  Reply none = s.get("/v1/nothing");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.body["error"]["code"], "not_found");
  EXPECT_EQ(s.get("/assets/nothing.js").status, 404);
  EXPECT_EQ(s.get("/assets/../assets/app.js").status, 404) << "paths are compared, never resolved";
  EXPECT_EQ(s.get("/../../etc/passwd").status, 404);
  EXPECT_EQ(s.get("/v1/workflows/../../../etc/passwd").status, 404);
  Reply method = s.post("/v1/workflows", json::object());
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(method.headers["Allow"], "GET");
  httplib::Client client("127.0.0.1", s.server().port());
  auto del = client.Delete("/v1/instances/in-0000000001",
                           {{"Authorization", std::string("Bearer ") + kRoot}});
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
}

// A path or query that is not UTF-8 once decoded is quoted in the error message; the
// message is written with U+FFFD for the bad bytes (it was a 500: the JSON dump threw).
TEST(ServiceHttp, PathsAndQueriesThatAreNotUtf8GetTheirErrorNotA500) {
  TestServer s;
  ASSERT_TRUE(s.ok()) << s.problem();
  Reply path = s.get("/v1/instances/%FF%C3%28");
  EXPECT_EQ(path.status, 404) << path.text;
  EXPECT_EQ(path.body["error"]["code"], "not_found");
  Reply route = s.get("/v1/%FF");
  EXPECT_EQ(route.status, 404) << route.text;
  EXPECT_NE(route.body["error"]["message"].get<std::string>().find("\xEF\xBF\xBD"),
            std::string::npos)
      << route.text;
  Reply query = s.get("/v1/instances?status=%FF");
  EXPECT_EQ(query.status, 400) << query.text;
  httplib::Client client("127.0.0.1", s.server().port());
  auto del = client.Delete("/v1/%FF", {{"Authorization", std::string("Bearer ") + kRoot}});
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 404);
}

// A server stopped right after it opened stops: httplib's stop() did nothing before its
// accept loop ran, so the loop went on and stop() waited for it forever (found by the
// HTTP fuzz test, whose server lives as long as a short test).
TEST(ServiceHttp, AServerStoppedRightAfterItOpensStops) {
  for (int i = 0; i < 10; ++i) {
    TestServer s;
    ASSERT_TRUE(s.ok()) << s.problem();
    auto stopped = std::async(std::launch::async, [&s] { s.stop(); });
    if (stopped.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      std::fprintf(stderr, "the server did not stop within 30 s\n");
      std::abort();  // stop() never returns: nothing else ends the test
    }
  }
}

// Many clients connecting at the same moment are all answered (httplib's own listen
// backlog of 5 dropped some, and 8 threads left the rest queued behind kept-alive ones).
TEST(ServiceHttp, ManyClientsConnectingAtOnceAreAllAnswered) {
  TestServer s;
  ASSERT_TRUE(s.ok()) << s.problem();
  constexpr int kClients = 48;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      httplib::Client client("127.0.0.1", s.server().port());
      client.set_keep_alive(true);
      for (int n = 0; n < 5; ++n) {
        auto res = client.Get("/v1/me", {{"Authorization", std::string("Bearer ") + kCy}});
        if (res && res->status == 200) answered++;
      }
    });
  }
  for (auto& c : clients)
    c.join();
  EXPECT_EQ(answered.load(), kClients * 5);
}

TEST(ServiceHttp, MalformedDeepAndOversizedRequestsAreRefusedAndTheServerLives) {
  RequestLimits limits;
  limits.max_body_bytes = 64 << 10;
  TestServer s(kShopProject, true, {}, limits);
  ASSERT_TRUE(s.ok()) << s.problem();
  Reply malformed = s.postText("/v1/workflows/Count/instances", "{\"aisle\": ", kCy);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.body["error"]["code"], "bad_request");
  EXPECT_NE(malformed.body["error"]["message"].get<std::string>().find("JSON"), std::string::npos)
      << malformed.text;
  std::string deep(1000, '[');
  deep += std::string(1000, ']');
  EXPECT_EQ(s.postText("/v1/workflows/Count/instances", deep, kCy).status, 400);
  Reply not_object = s.postText("/v1/workflows/Count/instances", "[1, 2]", kCy);
  EXPECT_EQ(not_object.status, 400);

  const std::string big = "{\"aisle\": 1, \"pad\": \"" + std::string(100 << 10, 'x') + "\"}";
  Reply too_large = s.postText("/v1/workflows/Count/instances", big, kCy);
  EXPECT_EQ(too_large.status, 413);
  EXPECT_EQ(too_large.body["error"]["code"], "payload_too_large") << too_large.text;

  httplib::Headers many;
  for (int i = 0; i < 100; ++i)
    many.emplace("X-Filler-" + std::to_string(i), std::string(100, 'y'));
  many.emplace("Authorization", std::string("Bearer ") + kCy);
  httplib::Client client("127.0.0.1", s.server().port());
  auto headers = client.Get("/v1/workflows", many);
  ASSERT_TRUE(headers);
  EXPECT_EQ(headers->status, 431);

  EXPECT_EQ(s.get("/v1/" + std::string(5000, 'a')).status, 414);
  // Still serving.
  EXPECT_EQ(s.get("/v1/workflows", kCy).status, 200);
  EXPECT_EQ(s.post("/v1/workflows/Count/instances", {{"aisle", 1}}, kCy).status, 201);
}

TEST(ServiceHttp, TheOpenApiDocumentListsEveryRoute) {
  TestServer s;
  ASSERT_TRUE(s.ok()) << s.problem();
  Reply doc = s.get("/v1/openapi.json", kCy);
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(doc.body["openapi"].get<std::string>().substr(0, 2), "3.");
  size_t operations = 0;
  for (const Route& r : routes()) {
    std::string method(r.method);
    for (char& c : method)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const json& path = doc.body["paths"][std::string(r.pattern)];
    ASSERT_TRUE(path.contains(method)) << r.method << " " << r.pattern << " is not in the document";
    EXPECT_TRUE(path[method].contains("responses"));
    for (size_t at = r.pattern.find('{'); at != std::string_view::npos;
         at = r.pattern.find('{', at + 1)) {
      const std::string name(r.pattern.substr(at + 1, r.pattern.find('}', at) - at - 1));
      bool declared = false;
      for (const json& p : path[method]["parameters"])
        declared = declared || (p["name"] == name && p["in"] == "path");
      EXPECT_TRUE(declared) << r.pattern << ": {" << name << "}";
    }
  }
  // The deployed version's concrete paths (/v1/workflows/Purchase/instances …) each
  // fill in the last template parameter of a route (openapi_deployed.h); the rest are the
  // table's and the dashboard's.
  size_t concrete = 0;
  const auto fillsTemplate = [](std::string_view path, std::string_view pattern) {
    const size_t open = pattern.rfind('{');
    if (open == std::string_view::npos) return false;
    const std::string_view head = pattern.substr(0, open);
    const std::string_view tail = pattern.substr(pattern.find('}', open) + 1);
    if (!path.starts_with(head) || !path.ends_with(tail) ||
        path.size() <= head.size() + tail.size())
      return false;
    const std::string_view name = path.substr(head.size(), path.size() - head.size() - tail.size());
    return name.find('/') == std::string_view::npos && name.find('{') == std::string_view::npos;
  };
  for (const auto& [path, methods] : doc.body["paths"].items()) {
    bool is_route = path.starts_with("/assets/") || path == "/";
    bool fills = false;
    for (const Route& r : routes()) {
      is_route = is_route || r.pattern == path;
      fills = fills || fillsTemplate(path, r.pattern);
    }
    if (is_route)
      operations += methods.size();
    else if (fills)
      concrete += methods.size();
    else
      ADD_FAILURE() << path << " is neither a route nor a concrete path of one";
  }
  // Purchase, Count, Review, Tick; Paid by id and by key; OrderPlaced.
  EXPECT_EQ(concrete, 7u);
  for (const Asset& a : dashboardAssets()) {
    const json& path = doc.body["paths"][std::string(a.path)];
    ASSERT_TRUE(path.contains("get")) << a.path << " is not in the document";
    EXPECT_TRUE(path["get"]["responses"]["200"]["content"].contains(std::string(a.content_type)));
  }
  EXPECT_EQ(operations, routes().size() + dashboardAssets().size())
      << "the document lists nothing the router lacks";
  // The §7 endpoints are all routed.
  for (const char* p :
       {"/v1/deployments", "/v1/workflows", "/v1/workflows/{name}/instances", "/v1/instances",
        "/v1/instances/{id}", "/v1/instances/{id}/history", "/v1/instances/{id}/signals/{name}",
        "/v1/keys/{workflow}/{key}/signals/{name}", "/v1/instances/{id}/cancel",
        "/v1/events/{name}", "/v1/tasks", "/v1/tasks/{id}/decision", "/v1/insights",
        "/v1/insights/stages", "/v1/insights/at-risk", "/metrics", "/", "/v1/me"})
    EXPECT_TRUE(doc.body["paths"].contains(p)) << p;
  // The deployed version, concretely.
  EXPECT_EQ(doc.body["info"]["version"], s.get("/v1/workflows", kCy).body["version"]);
  const json start = doc.body["paths"]["/v1/workflows/Purchase/instances"]["post"];
  EXPECT_EQ(start["requestBody"]["content"]["application/json"]["schema"]["required"],
            (json{"o", "by"}));
  EXPECT_EQ(start["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Instance.shop.Purchase");
  const json& schemas = doc.body["components"]["schemas"];
  EXPECT_EQ(schemas["Instance.shop.Purchase"]["properties"]["result"]["type"], "string");
  EXPECT_EQ(schemas["shop.Order"]["required"], (json{"id", "total"}));
  EXPECT_EQ(schemas["shop.Paid"]["properties"]["reference"]["type"], "string");
  EXPECT_TRUE(doc.body["paths"].contains("/v1/keys/{workflow}/{key}/signals/Paid"));
}

TEST(ServiceHttp, InsightsAndMetricsComeFromTheAggregates) {
  TestServer s;
  ASSERT_TRUE(s.ok()) << s.problem();
  // One completed Count, one waiting, one Purchase refused by policy then rejected.
  for (int aisle : {1, 2})
    ASSERT_EQ(s.post("/v1/workflows/Count/instances", {{"aisle", aisle}}, kCy).status, 201);
  const json first = s.get("/v1/tasks?role=Clerk", kCy).body["items"][0];
  ASSERT_EQ(s.post("/v1/tasks/" + first["id"].get<std::string>() + "/decision",
                   {{"form", {{"units", 3}}}}, kCy)
                .status,
            200);
  Reply p = s.post("/v1/workflows/Purchase/instances", {{"o", order("I-1")}, {"by", "ann"}}, kAnn);
  const std::string ptask = p.body["waiting_for"][0]["task"];
  EXPECT_EQ(s.post("/v1/tasks/" + ptask + "/decision", {{"approve", true}}, kAnn).status, 409);
  EXPECT_EQ(s.post("/v1/tasks/" + ptask + "/decision", {{"approve", false}}, kBob).status, 200);

  Reply in = s.get("/v1/insights", kCy);
  ASSERT_EQ(in.status, 200) << in.text;
  json count, purchase;
  for (const json& w : in.body["workflows"]) {
    if (w["workflow"] == "shop.Count") count = w;
    if (w["workflow"] == "shop.Purchase") purchase = w;
  }
  ASSERT_TRUE(count.is_object()) << in.text;
  EXPECT_EQ(count["instances"]["Completed"], 1);
  EXPECT_EQ(count["instances"]["Waiting"], 1);
  EXPECT_EQ(count["instances"]["Running"], 0);
  EXPECT_EQ(count["started"], 2);
  EXPECT_EQ(count["completed"], 1);
  EXPECT_EQ(count["cycle_time_ms"]["count"], 1);
  EXPECT_TRUE(count["cycle_time_ms"]["p50"].is_number());
  EXPECT_EQ(count["tasks"]["created"], 2);
  EXPECT_EQ(count["tasks"]["decided"], 1);
  EXPECT_EQ(count["tasks"]["open_by_age"]["<1h"], 1);
  ASSERT_TRUE(purchase.is_object());
  EXPECT_EQ(purchase["policy_refusals"], 1);
  EXPECT_EQ(purchase["instances"]["Completed"], 1);
  EXPECT_FALSE(in.body["cycle_time_series"].empty());
  EXPECT_TRUE(in.body["circuit_breakers"].is_array()) << in.text;

  Reply only = s.get("/v1/insights?workflow=Count&since=1h", kCy);
  ASSERT_EQ(only.status, 200);
  EXPECT_EQ(only.body["workflows"].size(), 1u);
  EXPECT_EQ(s.get("/v1/insights?since=2020-01-01T00:00:00Z", kCy).status, 200);
  EXPECT_EQ(s.get("/v1/insights?since=yesterday", kCy).status, 400);

  EXPECT_EQ(s.get("/metrics", nullptr).status, 401) << "metrics_open is false";
  Reply metrics = s.get("/metrics", kCy);
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.headers["Content-Type"].find("text/plain"), std::string::npos);
  EXPECT_NE(metrics.text.find("rflow_instances{workflow=\"shop.Count\",status=\"Completed\"} 1"),
            std::string::npos)
      << metrics.text;
  EXPECT_NE(metrics.text.find(
                "rflow_instance_cycle_seconds_bucket{workflow=\"shop.Count\",le=\"+Inf\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.text.find("rflow_policy_refusals_total{workflow=\"shop.Purchase\"} 1"),
            std::string::npos);

  // The aggregates survive a restart (they are in the store, not only in memory).
  s.restart();
  ASSERT_TRUE(s.ok()) << s.problem();
  Reply after = s.get("/v1/insights?workflow=Count", kCy);
  EXPECT_EQ(after.body["workflows"][0]["instances"]["Completed"], 1) << after.text;
  EXPECT_EQ(after.body["workflows"][0]["instances"]["Waiting"], 1);
}

TEST(ServiceHttp, MetricsCanBeOpen) {
  TestServer s(kShopProject, true, "\n[service]\nmetrics_open = true\n");
  ASSERT_TRUE(s.ok()) << s.problem();
  EXPECT_EQ(s.get("/metrics", nullptr).status, 200);
  EXPECT_EQ(s.get("/v1/insights", nullptr).status, 401);
}

TEST(ServiceHttp, ScheduleTriggersFireOncePerSlotAndOnceForMissedSlots) {
  // 2027-01-15T08:00:30Z: "* * * * *" next fires at 08:01:00.
  engine::ManualClock clock(1'800'000'030'000);
  TestServer s(kShopProject, true, {}, {}, &clock);
  ASSERT_TRUE(s.ok()) << s.problem();
  const auto ticks = [&] { return s.get("/v1/instances?workflow=Tick").body["items"].size(); };
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(ticks(), 0u) << "no slot has come yet";
  // Ten minutes pass at once: the latest slot fires, once.
  clock.set(clock.now() + 10 * 60'000);
  EXPECT_TRUE(eventually([&] { return ticks() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(ticks(), 1u);
  EXPECT_TRUE(eventually([&] {
    return s.get("/v1/instances?workflow=Tick&status=Completed").body["items"].size() == 1;
  }));
  // Down for an hour: the restart fires the latest missed slot once.
  s.stop();
  clock.set(clock.now() + 60 * 60'000);
  s.restart();
  ASSERT_TRUE(s.ok()) << s.problem();
  EXPECT_TRUE(eventually([&] { return ticks() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(ticks(), 2u);
  bool said = false;
  for (const std::string& line : s.printed())
    said = said || line.find("slots passed while the service was down") != std::string::npos;
  EXPECT_TRUE(said);
}

}  // namespace
}  // namespace rflow::service::testing
