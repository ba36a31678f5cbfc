// `rflow serve examples/` as the README will run it: the example project with its stub
// connectors and no configured users, so the first start makes the admin token; an event
// starts Replenish, which calls the stubbed POS and WMS through the service's engine.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "service/serve.h"
#include "service_test_util.h"

namespace rflow::service::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST(ServiceExamples, TheExampleProjectServesAndRunsOnItsStubs) {
  char templ[] = "/tmp/rflow-service-examples-XXXXXX";
  const fs::path data = ::mkdtemp(templ);
  std::vector<std::string> printed;
  ServeOptions options;
  options.path = std::string(RFLOW_SOURCE_DIR) + "/examples";
  options.data = data.string();
  options.listen = "127.0.0.1:0";
  options.print = [&](const std::string& line) { printed.push_back(line); };
  auto opened = Server::open(options);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Server>>(opened))
      << std::get<std::string>(opened);
  auto& server = std::get<std::unique_ptr<Server>>(opened);
  std::string token;
  for (const std::string& line : printed) {
    if (const size_t at = line.find("rflow_"); at != std::string::npos) token = line.substr(at, 70);
  }
  ASSERT_EQ(token.size(), 70u);
  const httplib::Headers auth = {{"Authorization", "Bearer " + token}};
  httplib::Client client("127.0.0.1", server->port());
  // Every exchange is recorded when RFLOW_RECORD_EXCHANGES is set, so the examples'
  // traffic is checked against their OpenAPI document (tests/contracts).
  const auto get = [&](const std::string& path) {
    const std::string version = recordedVersion(*server);
    auto result = client.Get(path, auth);
    recordExchange(*server, "GET", path, "", replyOf(result), version);
    return result;
  };
  const auto post = [&](const std::string& path, const std::string& body) {
    const std::string version = recordedVersion(*server);
    auto result = client.Post(path, auth, body, "application/json");
    recordExchange(*server, "POST", path, body, replyOf(result), version);
    return result;
  };
  auto workflows = get("/v1/workflows");
  ASSERT_TRUE(workflows);
  ASSERT_EQ(workflows->status, 200);
  EXPECT_GE(json::parse(workflows->body)["items"].size(), 5u);

  const json report = {{"r",
                        {{"store", {{"id", "S0042"}, {"region", "north"}}},
                         {"sku", "SKU-10231"},
                         {"on_hand", 0},
                         {"reported_by", "dana"}}}};
  auto event = post("/v1/events/StockoutDetected", report.dump());
  ASSERT_TRUE(event);
  ASSERT_EQ(event->status, 201) << event->body;
  const std::string id = json::parse(event->body)["started"][0];
  std::string status;
  for (int i = 0; i < 500 && status != "Waiting" && status != "Completed" && status != "Failed";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto v = get("/v1/instances/" + id);
    status = json::parse(v->body)["status"];
  }
  EXPECT_TRUE(status == "Waiting" || status == "Completed") << status;
  // "Waiting" may be for the connector's answer: its figures count once the answer's step
  // is committed, so wait for them (a slow machine took longer than the status poll).
  auto in = get("/v1/insights");
  for (int i = 0; i < 500 && in && json::parse(in->body)["connectors"].empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    in = get("/v1/insights");
  }
  ASSERT_TRUE(in);
  EXPECT_NE(json::parse(in->body)["connectors"].size(), 0u) << in->body;
  // The connectors' circuit breakers are shown, closed after calls that went through.
  const json breakers = json::parse(in->body)["circuit_breakers"];
  ASSERT_FALSE(breakers.empty()) << in->body;
  EXPECT_EQ(breakers[0]["state"], "closed");
  EXPECT_GT(breakers[0]["attempts"].get<int>(), 0);
  auto metrics = get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("rflow_connector_circuit_state{connector="), std::string::npos)
      << metrics->body;
  server->stop();
  std::error_code ec;
  fs::remove_all(data, ec);
}

}  // namespace
}  // namespace rflow::service::testing
