// Backups of a running service (issue 16): POST /v1/admin/backups while clients start
// instances, a restore into a new data directory, and a service started on it that has
// every instance committed before the backup began and carries each on — its timer
// fires, its task is decided, its pending connector call is sent again (with the same
// idempotency key) and completes — with every audit trail whole. Also the request's
// checks, the [backup] schedule, and the start-up errors of a bad [backup] dir.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "../common/temp_dir.h"
#include "engine/audit_verify.h"
#include "service_test_util.h"
#include "store/backup.h"
#include "store/store.h"

namespace rflow::service::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Buyer and Clerk because TestServer's users have them; `shop` because bob's role is
// written qualified.
constexpr const char* kDepot = R"(module shop

connector erp {
  fn book(order: string) -> Booking
}

record Booking { doc: string }

role Buyer "Buyer"
role Clerk "Clerk"

signal Paid { reference: string }

workflow Book(id: string) -> string {
  owner "ops"
  key id
  let b = erp.book(id) retry 3 every 100ms timeout 30s
  return b.doc
}

workflow Pack(id: string) -> int {
  owner "ops"
  key id
  let t = task "Pack {id}" {
    assign Clerk
    form { boxes: int }
  }
  return t.boxes
}

workflow Wait(id: string) -> string {
  owner "ops"
  key id
  let paid = await Paid timeout 1h
  return paid?.reference ?? "unpaid"
}
)";

// The ERP behind the connector. Held: requests wait (so calls are pending while the
// backup is made). Rejecting: held and new requests get 503. Answering: {"doc": "D-id"}.
// Remembers the Idempotency-Key of every request by order id.
class Erp {
 public:
  enum class Mode { kHold, kReject, kAnswer };

  Erp() {
    server_.Post("/erp/book", [this](const httplib::Request& req, httplib::Response& res) {
      const json body = json::parse(req.body, nullptr, false);
      const std::string order = body.is_object() && body.contains("args")
                                    ? body["args"].value("order", std::string())
                                    : std::string();
      std::unique_lock lock(mutex_);
      keys_[order].insert(req.get_header_value("Idempotency-Key"));
      changed_.wait(lock, [&] { return mode_ != Mode::kHold; });
      if (mode_ == Mode::kReject) {
        res.status = 503;
        return;
      }
      res.set_content(json{{"doc", "D-" + order}}.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Erp() {
    set(Mode::kReject);
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  void set(Mode mode) {
    {
      std::lock_guard lock(mutex_);
      mode_ = mode;
    }
    changed_.notify_all();
  }
  std::map<std::string, std::set<std::string>> keys() const {
    std::lock_guard lock(mutex_);
    return keys_;
  }
  void forgetKeys() {
    std::lock_guard lock(mutex_);
    keys_.clear();
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Mode mode_ = Mode::kHold;
  std::map<std::string, std::set<std::string>> keys_;
};

using rflow::test_support::TempDir;

std::string depotConfig(int erp_port, const fs::path& backups, const std::string& more = {}) {
  return "[connectors.erp]\nurl = \"http://127.0.0.1:" + std::to_string(erp_port) +
         "/erp\"\ntimeout = \"30s\"\n\n[engine]\ndurability = \"sync\"\nworkers = 2\n\n"
         "[backup]\ndir = \"" +
         backups.string() + "\"\nkeep = 5\n" + more;
}

std::string statusOf(TestServer& s, const std::string& id) {
  const Reply r = s.get("/v1/instances/" + id);
  return r.status == 200 ? r.body["status"].get<std::string>() : "HTTP " + std::to_string(r.status);
}

TEST(ServiceBackup, ARestoredBackupHasEveryInstanceCommittedBeforeItAndCarriesThemOn) {
  Erp erp;
  TempDir backups;
  const int64_t t0 = 1'800'000'000'000;
  engine::ManualClock clock(t0);
  TestServer s(kDepot, true, depotConfig(erp.port(), backups.path()), {}, &clock);
  ASSERT_TRUE(s.ok()) << s.problem();

  // Clients start instances of the three workflows until told to stop.
  struct Started {
    std::string id;
    std::string workflow;
    std::string key;
  };
  std::mutex started_mutex;
  std::vector<Started> started;
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 3; ++c) {
    clients.emplace_back([&, c] {
      static constexpr const char* kWorkflows[] = {"Book", "Pack", "Wait"};
      for (int n = 0; !stop.load(); ++n) {
        const std::string workflow = kWorkflows[(n + c) % 3];
        const std::string key = "o" + std::to_string(c) + "-" + std::to_string(n);
        const Reply r = s.post("/v1/workflows/" + workflow + "/instances", {{"id", key}}, kAnn);
        if (r.status != 201) {
          ++failures;
          continue;
        }
        std::lock_guard lock(started_mutex);
        started.push_back({r.body["id"].get<std::string>(), workflow, key});
      }
    });
  }
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(started_mutex);
    return started.size() >= 30;
  }));
  // Every start answered 201 by now was committed before the backup began.
  std::vector<Started> before;
  {
    std::lock_guard lock(started_mutex);
    before = started;
  }
  const Reply made = s.post("/v1/admin/backups", {{"label", "under load"}});
  ASSERT_EQ(made.status, 201) << made.text;
  EXPECT_EQ(made.body["id"], 1);
  EXPECT_EQ(made.body["label"], "under load");
  EXPECT_EQ(made.body["dir"], backups.path().string());
  EXPECT_GT(made.body["bytes"].get<uint64_t>(), 0u);
  EXPECT_GT(made.body["files"].get<uint32_t>(), 0u);
  // The clients keep going a little after the backup: those instances may or may not be
  // in it, and must not disturb anything either way.
  size_t at_backup = 0;
  {
    std::lock_guard lock(started_mutex);
    at_backup = started.size();
  }
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(started_mutex);
    return started.size() >= at_backup + 6;
  }));
  stop = true;
  for (auto& t : clients)
    t.join();
  EXPECT_EQ(failures.load(), 0);
  const Reply listed = s.get("/v1/admin/backups");
  ASSERT_EQ(listed.status, 200) << listed.text;
  ASSERT_EQ(listed.body["items"].size(), 1u);
  EXPECT_EQ(listed.body["keep"], 5);
  EXPECT_EQ(listed.body["every"], nullptr);

  // The calls the old service sent before the backup, by order.
  const auto keys_before = erp.keys();
  erp.set(Erp::Mode::kReject);  // the old service's held calls end, so it stops at once
  s.stop();
  erp.forgetKeys();

  // Restore into a new directory, and serve that one in place of the old.
  const fs::path data = s.dir() / "data";
  fs::rename(data, s.dir() / "data-old");
  auto restored = store::restoreBackup(backups.path().string(), std::nullopt, data.string());
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  EXPECT_EQ(restored.value().id, 1u);
  {
    auto opened = store::Store::open(data.string());
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
    const engine::AuditCheck check =
        engine::verifyAudit(*std::get<std::unique_ptr<store::Store>>(opened));
    EXPECT_TRUE(check.problems.empty()) << check.problems.front().message;
    EXPECT_GE(check.instances, before.size());
  }
  erp.set(Erp::Mode::kAnswer);
  s.restart();
  ASSERT_TRUE(s.ok()) << s.problem();

  size_t books = 0, packs = 0, waits = 0;
  for (const Started& i : before) {
    const Reply view = s.get("/v1/instances/" + i.id);
    ASSERT_EQ(view.status, 200) << i.id << " (" << i.workflow << ") was committed before the "
                                << "backup began";
    EXPECT_EQ(view.body["key"], i.key);
    if (i.workflow == "Pack") {
      std::string task;
      ASSERT_TRUE(eventually([&] {
        const Reply now = s.get("/v1/instances/" + i.id);
        for (const json& w : now.body["waiting_for"])
          if (w.contains("task")) task = w["task"].get<std::string>();
        return !task.empty();
      })) << i.id
          << ": " << s.get("/v1/instances/" + i.id).text;
      const Reply decided =
          s.post("/v1/tasks/" + task + "/decision", {{"form", {{"boxes", 3}}}}, kCy);
      ASSERT_EQ(decided.status, 200) << decided.text;
      ++packs;
    }
    books += i.workflow == "Book" ? 1 : 0;
    waits += i.workflow == "Wait" ? 1 : 0;
  }
  EXPECT_GT(books, 0u);
  EXPECT_GT(packs, 0u);
  EXPECT_GT(waits, 0u);
  // The Wait instances' timers are due an hour after they started.
  clock.set(t0 + 2 * 3'600'000);
  for (const Started& i : before) {
    ASSERT_TRUE(eventually([&] { return statusOf(s, i.id) == "Completed"; }))
        << i.id << " (" << i.workflow << ") is " << s.get("/v1/instances/" + i.id).text;
    const json result = s.get("/v1/instances/" + i.id).body["result"];
    if (i.workflow == "Book") {
      EXPECT_EQ(result, "D-" + i.key);
    } else if (i.workflow == "Pack") {
      EXPECT_EQ(result, 3);
    } else {
      EXPECT_EQ(result, "unpaid");
    }
  }
  // A call sent before the backup was sent again with the same key.
  const auto resent = erp.keys();
  size_t same_key = 0;
  for (const Started& i : before) {
    if (i.workflow != "Book") continue;
    auto old_keys = keys_before.find(i.key);
    auto new_keys = resent.find(i.key);
    ASSERT_NE(new_keys, resent.end()) << i.key << " was not sent again";
    if (old_keys == keys_before.end()) continue;  // queued, not yet sent, at the backup
    for (const std::string& k : new_keys->second)
      same_key += old_keys->second.count(k);
  }
  EXPECT_GT(same_key, 0u);

  // The restored directory's trails are whole after all that, too.
  s.stop();
  auto opened = store::Store::open(data.string());
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
  const engine::AuditCheck check =
      engine::verifyAudit(*std::get<std::unique_ptr<store::Store>>(opened));
  EXPECT_TRUE(check.problems.empty()) << check.problems.front().message;
}

TEST(ServiceBackup, TheRequestIsCheckedAndNeedsABackupDir) {
  TestServer plain;
  ASSERT_TRUE(plain.ok()) << plain.problem();
  const Reply none = plain.post("/v1/admin/backups", nullptr);
  EXPECT_EQ(none.status, 409);
  EXPECT_NE(none.text.find("no [backup] dir"), std::string::npos) << none.text;
  EXPECT_EQ(plain.get("/v1/admin/backups").status, 409);

  TempDir backups;
  TestServer s(kShopProject, true, "[backup]\ndir = \"" + backups.path().string() + "\"\n");
  ASSERT_TRUE(s.ok()) << s.problem();
  EXPECT_EQ(s.get("/v1/admin/backups").body["items"], json::array()) << "none made yet";
  EXPECT_EQ(s.post("/v1/admin/backups", {{"labels", "x"}}).status, 400);
  EXPECT_EQ(s.post("/v1/admin/backups", {{"label", 3}}).status, 400);
  EXPECT_EQ(s.post("/v1/admin/backups", {{"label", std::string(201, 'x')}}).status, 400);
  EXPECT_EQ(s.post("/v1/admin/backups", json::array()).status, 400);
  EXPECT_EQ(s.post("/v1/admin/backups", {{"label", "x"}}, kAnn).status, 403);
  const Reply elsewhere = s.post("/v1/admin/backups", {{"dir", "/tmp/somewhere-else"}});
  EXPECT_EQ(elsewhere.status, 409);
  EXPECT_NE(elsewhere.text.find("backs up only into its [backup] dir"), std::string::npos);
  EXPECT_FALSE(fs::exists("/tmp/somewhere-else/meta"));
  const Reply other_data = s.post("/v1/admin/backups", {{"data", "/var/lib/another"}});
  EXPECT_EQ(other_data.status, 409);
  EXPECT_NE(other_data.text.find("this service serves the data directory"), std::string::npos)
      << other_data.text;
  EXPECT_TRUE(fs::is_empty(backups.path()) || !fs::exists(backups.path() / "meta"))
      << "nothing was written for a refused request";
  // No body at all, then the configured dir named by another path to it.
  const Reply first = s.postText("/v1/admin/backups", "");
  ASSERT_EQ(first.status, 201) << first.text;
  EXPECT_EQ(first.body["label"], "");
  const Reply second = s.post("/v1/admin/backups", {{"dir", (backups.path() / "." / "").string()},
                                                    {"data", (s.dir() / "data").string()}});
  ASSERT_EQ(second.status, 201) << second.text;
  EXPECT_EQ(second.body["id"], 2);
  EXPECT_EQ(s.get("/v1/admin/backups").body["items"].size(), 2u);
}

TEST(ServiceBackup, TheScheduleBacksUpAtStartWhenThereIsNoneAndKeepsTheNewest) {
  TempDir backups;
  TestServer s(kShopProject, true,
               "[backup]\ndir = \"" + backups.path().string() + "\"\nevery = \"1h\"\nkeep = 2\n");
  ASSERT_TRUE(s.ok()) << s.problem();
  ASSERT_TRUE(eventually([&] { return s.get("/v1/admin/backups").body["items"].size() == 1; }))
      << s.get("/v1/admin/backups").text;
  const Reply listed = s.get("/v1/admin/backups");
  EXPECT_EQ(listed.body["items"][0]["label"], "scheduled");
  EXPECT_EQ(listed.body["every"], "1h");
  bool said = false;
  for (const std::string& line : s.printed())
    said = said || line.find("backup 1 made in " + backups.path().string()) != std::string::npos;
  EXPECT_TRUE(said) << ::testing::PrintToString(s.printed());
  // A restart within the hour makes none: the newest in the directory is recent.
  s.restart();
  ASSERT_TRUE(s.ok()) << s.problem();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(s.get("/v1/admin/backups").body["items"].size(), 1u);
  // keep = 2: a third backup deletes the first.
  ASSERT_EQ(s.post("/v1/admin/backups", nullptr).status, 201);
  ASSERT_EQ(s.post("/v1/admin/backups", nullptr).status, 201);
  const Reply kept = s.get("/v1/admin/backups");
  ASSERT_EQ(kept.body["items"].size(), 2u);
  EXPECT_EQ(kept.body["items"][0]["id"], 2);
  EXPECT_EQ(kept.body["items"][1]["id"], 3);
}

TEST(ServiceBackup, ABadBackupDirStopsTheStart) {
  TestServer into_data(kShopProject, true, "[backup]\ndir = \"data\"\n");
  EXPECT_FALSE(into_data.ok());
  EXPECT_NE(into_data.problem().find("is the data directory itself"), std::string::npos)
      << into_data.problem();
  TempDir tmp;
  { std::ofstream(tmp.path() / "file") << "x"; }
  TestServer under_file(kShopProject, true,
                        "[backup]\ndir = \"" + (tmp.path() / "file" / "b").string() + "\"\n");
  EXPECT_FALSE(under_file.ok());
  EXPECT_NE(under_file.problem().find("cannot create the backup directory"), std::string::npos)
      << under_file.problem();
  TestServer bad_every(kShopProject, true, "[backup]\ndir = \"b\"\nevery = \"5s\"\n");
  EXPECT_FALSE(bad_every.ok());
  EXPECT_NE(bad_every.problem().find("backup.every"), std::string::npos) << bad_every.problem();
}

}  // namespace
}  // namespace rflow::service::testing
