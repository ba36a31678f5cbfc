// Migration of waiting instances (intelligence.md §4; engine/migrations.cpp): the
// instances whose wait maps move to the new version in one step each and finish there,
// the others are listed with the reason and finish on the old version, and a request
// naming something that does not exist, or a dry run, changes nothing.
#include <chrono>
#include <map>

#include "engine_fixture.h"

namespace rflow::engine::testing {
namespace {

// v1: a big order waits at "Big review", a small one at "Small review".
constexpr const char* kV1 = R"(module mig
role Clerk "Clerk"
workflow Order(id: string, big: bool) -> string {
  owner "ops"
  if big {
    let r = approval "Big review" {
      assign Clerk
    }
    return "v1 big {id} {r.approved}"
  }
  let s = approval "Small review" {
    assign Clerk
  }
  return "v1 small {id} {s.approved}"
}
workflow Other() -> int {
  owner "ops"
  sleep 1h
  return 1
}
)";

// v2: "Big review" is still there (with the same data); "Small review" became "Quick
// look", so a small order waiting in v1 has no place to go. `Other` is gone.
constexpr const char* kV2 = R"(module mig
role Clerk "Clerk"
workflow Order(id: string, big: bool) -> string {
  owner "ops"
  if big {
    let r = approval "Big review" {
      assign Clerk
    }
    return "v2 big {id} {r.approved}"
  }
  let s = approval "Quick look" {
    assign Clerk
  }
  return "v2 small {id} {s.approved}"
}
)";

class MigrateTest : public EngineTest {
 protected:
  // Deploys v1, starts `count` orders (even ones big), then deploys v2.
  void setUpVersions(size_t count) {
    open("");
    auto v1 = engine_->deploy(compile(kV1));
    ASSERT_TRUE(std::holds_alternative<std::string>(v1)) << std::get<EngineError>(v1).message;
    v1_ = std::get<std::string>(v1);
    for (size_t i = 0; i < count; ++i) {
      auto started = engine_->start(
          "Order", {vm::Value::string(fmt::format("o{}", i)), vm::Value::boolean(i % 2 == 0)});
      ASSERT_TRUE(std::holds_alternative<InstanceView>(started))
          << std::get<EngineError>(started).message;
      ids_.push_back(std::get<InstanceView>(started).id);
    }
    engine_->runUntilIdle();
    auto v2 = engine_->deploy(compile(kV2));
    ASSERT_TRUE(std::holds_alternative<std::string>(v2)) << std::get<EngineError>(v2).message;
    v2_ = std::get<std::string>(v2);
    ASSERT_NE(v1_, v2_);
  }
  MigrationReport migrate(bool dry_run, std::string workflow = "Order") {
    auto report = engine_->migrate({v1_, v2_, std::move(workflow), dry_run, "admin"});
    if (auto* e = std::get_if<EngineError>(&report)) {
      ADD_FAILURE() << e->message;
      return {};
    }
    return std::get<MigrationReport>(std::move(report));
  }
  // Every instance still on `version` (and waiting).
  size_t waitingOn(const std::string& version) {
    size_t n = 0;
    for (const std::string& id : ids_) {
      const InstanceView v = get(id);
      if (v.status == Status::kWaiting && v.version == version) ++n;
    }
    return n;
  }
  // Every open task, by instance (one scan: a filter by instance scans all tasks).
  std::map<std::string, TaskRecord> openTasksByInstance() {
    TaskFilter filter;
    filter.limit = ids_.size() + 1;
    auto found = engine_->tasks(filter);
    EXPECT_TRUE(found.ok());
    std::map<std::string, TaskRecord> out;
    if (!found) return out;
    for (TaskView& t : *found) {
      EXPECT_TRUE(out.emplace(t.record.instance, t.record).second) << "two open tasks";
    }
    return out;
  }
  const MigrationPlace* place(const MigrationReport& r, std::string_view stage) {
    for (const MigrationPlace& p : r.places)
      if (p.stage == stage) return &p;
    return nullptr;
  }
  std::string v1_, v2_;
  std::vector<std::string> ids_;
};

TEST_F(MigrateTest, TenThousandWaitingInstancesMoveWhereTheirWaitMapsAndAllFinish) {
  constexpr size_t kCount = 10'000;
  const auto began = std::chrono::steady_clock::now();
  setUpVersions(kCount);

  const MigrationReport report = migrate(/*dry_run=*/false);
  EXPECT_FALSE(report.dry_run);
  EXPECT_EQ(report.workflow, "mig.Order");
  EXPECT_EQ(report.moved, kCount / 2);
  ASSERT_EQ(report.left.size(), kCount / 2);
  for (const MigrationLeft& l : report.left) {
    EXPECT_NE(l.reason.find("Small review"), std::string::npos) << l.reason;
  }
  const MigrationPlace* big = place(report, "Big review");
  const MigrationPlace* small = place(report, "Small review");
  ASSERT_NE(big, nullptr);
  ASSERT_NE(small, nullptr);
  EXPECT_TRUE(big->maps);
  EXPECT_EQ(big->waiting, kCount / 2);
  EXPECT_FALSE(small->maps);
  EXPECT_FALSE(small->reason.empty());
  EXPECT_EQ(small->waiting, kCount / 2);

  // Record, task and audit agree: the big ones are on v2, the small ones on v1.
  const std::map<std::string, TaskRecord> tasks = openTasksByInstance();
  ASSERT_EQ(tasks.size(), kCount);
  for (size_t i = 0; i < kCount; ++i) {
    const InstanceView v = get(ids_[i]);
    ASSERT_EQ(v.status, Status::kWaiting);
    const std::string& expected = i % 2 == 0 ? v2_ : v1_;
    ASSERT_EQ(v.version, expected) << i;
    ASSERT_EQ(tasks.at(ids_[i]).version, expected) << i;
    const std::vector<std::string> migrated = audit(ids_[i], "migrated");
    if (i % 2 == 0) {
      ASSERT_EQ(migrated.size(), 1u);
      EXPECT_NE(migrated[0].find(v1_.substr(0, 12)), std::string::npos) << migrated[0];
      EXPECT_NE(migrated[0].find(v2_.substr(0, 12)), std::string::npos) << migrated[0];
    } else {
      ASSERT_TRUE(migrated.empty());
    }
  }

  // Every one finishes: the moved ones with v2's code, the others with v1's.
  for (size_t i = 0; i < kCount; ++i) {
    Decision d;
    d.task = tasks.at(ids_[i]).id;
    d.kind = Decision::Kind::kApprove;
    d.user = "ana";
    ASSERT_FALSE(engine_->decide(d)) << i;
  }
  engine_->runUntilIdle();
  for (size_t i = 0; i < kCount; ++i) {
    const InstanceView v = get(ids_[i]);
    ASSERT_EQ(v.status, Status::kCompleted) << i << " " << v.error.value_or("");
    const std::string expected = i % 2 == 0 ? fmt::format("v2 big o{} true", i)
                                            : fmt::format("v1 small o{} true", i);
    ASSERT_EQ(result(v), expected);
  }

  // Asked again, nothing is left to move and the small ones are no longer waiting.
  const MigrationReport again = migrate(/*dry_run=*/false);
  EXPECT_EQ(again.moved, 0u);
  EXPECT_TRUE(again.left.empty());

  const auto took = std::chrono::steady_clock::now() - began;
  EXPECT_LT(took, std::chrono::seconds(30)) << "10,000 instances took too long";
}

TEST_F(MigrateTest, ADryRunReportsTheSameAndMovesNothing) {
  setUpVersions(20);
  const MigrationReport report = migrate(/*dry_run=*/true);
  EXPECT_TRUE(report.dry_run);
  EXPECT_EQ(report.moved, 10u);
  EXPECT_EQ(report.left.size(), 10u);
  EXPECT_EQ(waitingOn(v1_), 20u);
  const std::map<std::string, TaskRecord> tasks = openTasksByInstance();
  for (const std::string& id : ids_) {
    EXPECT_TRUE(audit(id, "migrated").empty());
    EXPECT_EQ(tasks.at(id).version, v1_);
  }
}

TEST_F(MigrateTest, AVersionNotDeployedIsNotFoundAndNothingChanges) {
  setUpVersions(4);
  auto report = engine_->migrate({v1_, std::string(64, 'a'), "Order", false, "admin"});
  ASSERT_TRUE(std::holds_alternative<EngineError>(report));
  EXPECT_EQ(std::get<EngineError>(report).code, EngineError::Code::kNotFound);
  EXPECT_NE(std::get<EngineError>(report).message.find("`to`"), std::string::npos)
      << std::get<EngineError>(report).message;
  report = engine_->migrate({std::string(64, 'b'), v2_, "Order", false, "admin"});
  ASSERT_TRUE(std::holds_alternative<EngineError>(report));
  EXPECT_EQ(std::get<EngineError>(report).code, EngineError::Code::kNotFound);
  EXPECT_NE(std::get<EngineError>(report).message.find("`from`"), std::string::npos);
  EXPECT_EQ(waitingOn(v1_), 4u);
}

TEST_F(MigrateTest, AWorkflowMissingInEitherVersionIsAnErrorAndNothingChanges) {
  setUpVersions(4);
  auto gone = engine_->migrate({v1_, v2_, "Other", false, "admin"});
  ASSERT_TRUE(std::holds_alternative<EngineError>(gone));
  EXPECT_EQ(std::get<EngineError>(gone).code, EngineError::Code::kBadInput);
  EXPECT_NE(std::get<EngineError>(gone).message.find("`workflow`"), std::string::npos);

  auto unknown = engine_->migrate({v1_, v2_, "Nope", false, "admin"});
  ASSERT_TRUE(std::holds_alternative<EngineError>(unknown));
  EXPECT_EQ(std::get<EngineError>(unknown).code, EngineError::Code::kNotFound);
  EXPECT_EQ(waitingOn(v1_), 4u);
  for (const std::string& id : ids_) EXPECT_TRUE(audit(id, "migrated").empty());
}

TEST_F(MigrateTest, VersionsInUseCountsLiveInstancesPerVersion) {
  setUpVersions(6);
  migrate(/*dry_run=*/false);
  auto versions = engine_->versionsInUse();
  ASSERT_TRUE(versions.ok()) << versions.error().message;
  std::map<std::string, size_t> live(versions->begin(), versions->end());
  EXPECT_EQ(live[v1_], 3u);
  EXPECT_EQ(live[v2_], 3u);
}

}  // namespace
}  // namespace rflow::engine::testing
