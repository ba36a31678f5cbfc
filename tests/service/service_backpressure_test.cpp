// Back-pressure (issue 16): with a slow connector and many clients, the engine's backlog
// reaches [engine] max_queued and new starts, events and signals are answered 429 with
// Retry-After; the backlog stays bounded, every accepted start completes, and once the
// backlog drains the same requests are accepted again.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>

#include "service/http_server.h"
#include "service_test_util.h"

namespace rflow::service::testing {
namespace {

using nlohmann::json;

// Module `shop` with its roles, for TestServer's users.
constexpr const char* kSlowProject = R"(module shop

role Buyer "Buyer"
role Clerk "Clerk"

connector erp {
  fn look(n: int) -> int
}

signal Nudge { note: string }

workflow Ask(n: int) -> int {
  owner "ops"
  let got = erp.look(n) timeout 30s
  return got
}

workflow Waits(n: int) -> string {
  owner "ops"
  let nudged = await Nudge timeout 1h
  return nudged?.note ?? "none"
}

on event Restock(n: int) start Ask(n)
)";

// The ERP: answers `look` with n + 1 after `delay_ms`, a few at a time.
class SlowErp {
 public:
  explicit SlowErp(int delay_ms) {
    server_.Post(
        "/erp/look", [this, delay_ms](const httplib::Request& req, httplib::Response& res) {
          std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
          calls.fetch_add(1);
          const json body = json::parse(req.body);
          res.set_content(std::to_string(body["args"]["n"].get<int>() + 1), "application/json");
        });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~SlowErp() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/erp"; }
  std::atomic<int> calls{0};

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// The backlog the service reports in /metrics.
long backlogOf(const std::string& metrics) {
  const std::string name = "\nrflow_backlog ";
  const size_t at = metrics.find(name);
  if (at == std::string::npos) return -1;
  return std::stol(metrics.substr(at + name.size()));
}

TEST(BackPressure, ManyClientsAgainstASlowConnectorGet429AndTheBacklogStaysBounded) {
  constexpr size_t kMaxQueued = 8;
  SlowErp erp(100);
  TestServer s(
      kSlowProject, true,
      "[engine]\ndurability = \"async\"\nworkers = 2\nmax_queued = " + std::to_string(kMaxQueued) +
          "\n\n[connectors.erp]\nurl = \"" + erp.url() + "\"\n");
  ASSERT_TRUE(s.ok()) << s.problem();

  // A instance that will take a signal later, started before the load.
  const Reply waits = s.post("/v1/workflows/Waits/instances", {{"n", 1}}, kAnn);
  ASSERT_EQ(waits.status, 201) << waits.text;
  const std::string waits_id = waits.body["id"];
  ASSERT_TRUE(eventually([&] { return s.server().engine().queuedWork() == 0; }));

  std::atomic<bool> loading{true};
  std::atomic<long> max_backlog{0};
  std::thread watcher([&] {
    while (loading) {
      const long now =
          static_cast<long>(s.server().engine().queuedWork() + s.server().engine().callsInFlight());
      long seen = max_backlog.load();
      while (now > seen && !max_backlog.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });

  constexpr int kClients = 24;
  constexpr int kEach = 10;
  std::mutex mutex;
  std::vector<std::string> accepted;
  std::vector<Reply> refused;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kEach; ++i) {
        const int n = c * 100 + i;
        Reply r = s.post("/v1/workflows/Ask/instances", {{"n", n}}, kAnn,
                         {{"Idempotency-Key", "ask-" + std::to_string(n)}});
        std::lock_guard lock(mutex);
        if (r.status == 201)
          accepted.push_back(r.body["id"]);
        else
          refused.push_back(std::move(r));
      }
    });
  }
  for (std::thread& t : clients)
    t.join();
  loading = false;
  watcher.join();

  ASSERT_FALSE(accepted.empty());
  ASSERT_FALSE(refused.empty()) << "no request was refused: the bound was never reached";
  for (const Reply& r : refused) {
    ASSERT_EQ(r.status, 429) << r.text;
    EXPECT_EQ(r.headers.at("Retry-After"), "2");
    EXPECT_EQ(r.body["error"]["code"], "too_many_requests");
    EXPECT_EQ(r.body["error"]["max_queued"], kMaxQueued);
    EXPECT_NE(r.body["error"]["message"].get<std::string>().find("the service is overloaded"),
              std::string::npos);
  }
  // Admission is a snapshot, so requests admitted at once may each add their one item.
  EXPECT_LE(max_backlog.load(), static_cast<long>(kMaxQueued + kHttpThreads));
  // Nothing was made for a refused start: every instance is an accepted one.
  const Reply listed = s.get("/v1/instances?workflow=Ask&limit=500");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body["items"].size(), accepted.size());

  // Every accepted start completes.
  for (const std::string& id : accepted) {
    ASSERT_TRUE(eventually(
        [&] { return s.get("/v1/instances/" + id).body["status"] == "Completed"; }, 1500))
        << id;
  }
  const std::string metrics = s.get("/metrics").text;
  EXPECT_EQ(backlogOf(metrics), 0) << metrics;
  EXPECT_NE(metrics.find("rflow_backlog_limit 8\n"), std::string::npos);
  EXPECT_NE(metrics.find("rflow_overload_refusals_total " + std::to_string(refused.size()) + "\n"),
            std::string::npos)
      << metrics;
  // With room again, the refused work is taken.
  EXPECT_EQ(s.post("/v1/workflows/Ask/instances", {{"n", 5}}, kAnn).status, 201);
  EXPECT_EQ(s.post("/v1/instances/" + waits_id + "/signals/Nudge", {{"note", "hi"}}, kAnn).status,
            200);
}

// Events and signals are refused too while the backlog is full; reads and decisions are
// not.
TEST(BackPressure, EventsAndSignalsAreRefusedReadsAreNot) {
  SlowErp erp(400);
  TestServer s(kSlowProject, true,
               "[engine]\ndurability = \"async\"\nworkers = 2\nmax_queued = 2\n\n"
               "[connectors.erp]\nurl = \"" +
                   erp.url() + "\"\n");
  ASSERT_TRUE(s.ok()) << s.problem();
  const Reply waits = s.post("/v1/workflows/Waits/instances", {{"n", 1}}, kAnn);
  ASSERT_EQ(waits.status, 201) << waits.text;
  ASSERT_TRUE(eventually([&] { return s.server().engine().queuedWork() == 0; }));
  for (int n = 0; n < 2; ++n)
    ASSERT_EQ(s.post("/v1/workflows/Ask/instances", {{"n", n}}, kAnn).status, 201);
  ASSERT_TRUE(eventually([&] { return s.server().engine().callsInFlight() >= 2; }));

  const Reply event = s.post("/v1/events/Restock", {{"n", 3}}, kAnn);
  EXPECT_EQ(event.status, 429) << event.text;
  const Reply signal =
      s.post("/v1/instances/" + waits.body["id"].get<std::string>() + "/signals/Nudge",
             {{"note", "now"}}, kAnn);
  EXPECT_EQ(signal.status, 429) << signal.text;
  EXPECT_EQ(signal.headers.count("Retry-After"), 1u);
  EXPECT_EQ(s.get("/v1/instances/" + waits.body["id"].get<std::string>()).status, 200);
  EXPECT_EQ(s.get("/healthz").status, 200);
  // The signal was not delivered: the instance still waits for it.
  EXPECT_EQ(s.get("/v1/instances/" + waits.body["id"].get<std::string>()).body["status"],
            "Waiting");
  ASSERT_TRUE(eventually([&] { return s.server().engine().callsInFlight() == 0; }));
  ASSERT_TRUE(eventually([&] { return s.server().engine().queuedWork() == 0; }));
  EXPECT_EQ(s.post("/v1/events/Restock", {{"n", 3}}, kAnn).status, 201);
}

}  // namespace
}  // namespace rflow::service::testing
