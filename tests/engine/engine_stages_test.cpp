// Stages (intelligence.md §2): every wait is a stage, named once; its entry and exit are
// recorded with the steps that start and end it, the figures survive a restart, and the
// at-risk forecast lists an instance before its SLA breaches, given enough history.
#include "engine/keys.h"
#include "engine_fixture.h"

namespace rflow::engine::testing {
namespace {

constexpr const char* kStages = R"(module st
signal Go { n: int }
role Clerk "Clerk"
connector erp {
  fn check(id: string) -> bool
}
workflow Child() -> int {
  owner "ops"
  sleep 30m
  return 1
}
workflow Flow(id: string) -> int {
  owner "ops"
  sla 10h
  let ok = erp.check(id) timeout 10s
  let r = approval "  Review order  " {
    assign Clerk
  }
  let g = await Go timeout 5h
  sleep 1h
  let c = start Child()
  return c + (g?.n ?? 0)
}
workflow Job(id: string) -> int {
  owner "ops"
  sla 10h
  let r = approval "Check" {
    assign Clerk
  }
  return 1
}
)";

class StagesTest : public EngineTest {
 protected:
  std::vector<StageInsight> stages(const std::string& workflow) {
    auto found = engine_->stages(workflow);
    EXPECT_TRUE(found.ok()) << found.status().message();
    return found.ok() ? found.value() : std::vector<StageInsight>{};
  }
  const StageInsight* find(const std::vector<StageInsight>& all, std::string_view stage) {
    for (const StageInsight& s : all)
      if (s.stage == stage) return &s;
    return nullptr;
  }
  std::vector<AtRiskInstance> atRisk() {
    auto found = engine_->atRisk(std::nullopt);
    EXPECT_TRUE(found.ok()) << found.status().message();
    return found.ok() ? found.value() : std::vector<AtRiskInstance>{};
  }
  // `n` Job instances started now, named h0, h1, …: the history of a forecast.
  std::vector<std::string> startJobs(int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i)
      ids.push_back(start("Job", {vm::Value::string("h" + std::to_string(i))}).id);
    return ids;
  }

  void approveOnly(const std::string& instance) {
    const auto tasks = openTasks(instance);
    ASSERT_EQ(tasks.size(), 1u) << instance;
    ASSERT_FALSE(decide(tasks[0].record.id, Decision::Kind::kApprove, "ana"));
  }
  // Flow's run: the call answered after 2 minutes, the review approved 1h later, the
  // signal 3h after that, the sleep of 1h, the child's 30 minutes.
  std::string runFlow() {
    calls_.hold = true;
    const std::string id = start("Flow", {vm::Value::string("o-1")}).id;
    EXPECT_EQ(calls_.held.size(), 1u);
    advance(2 * kMinute);
    answerHeld(ok(vm::Value::boolean(true)));
    engine_->runUntilIdle(false);
    calls_.hold = false;
    return id;
  }
};

TEST_F(StagesTest, EveryWaitIsAStageNamedByWhatItWaitsFor) {
  open(kStages);
  const std::string id = runFlow();
  // In review now: the call's stage ended, the review's is open since the answer.
  auto now = stages("Flow");
  const StageInsight* review = find(now, "Review order");
  ASSERT_NE(review, nullptr);
  EXPECT_EQ(review->open, 1);
  EXPECT_EQ(review->oldest_open_since, kEpoch + 2 * kMinute);
  const StageInsight* call = find(now, "erp.check");
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->open, 0);
  EXPECT_EQ(call->max, 2 * kMinute);
  // One wait of 2 minutes: its quantiles are 2 minutes, not a point inside its bucket.
  EXPECT_EQ(call->p50, 2 * kMinute);
  EXPECT_EQ(call->p95, 2 * kMinute);
  EXPECT_EQ(call->total, 2 * kMinute);
  advance(kHour);
  // Open time counts toward the total while the wait goes on.
  EXPECT_EQ(find(stages("Flow"), "Review order")->total, kHour);
  approveOnly(id);
  advance(3 * kHour);
  ASSERT_FALSE(engine_->signal(id, "Go",
                               vm::Value::record(*engine_->currentProgram()->recordIndex("st.Go"),
                                                 {vm::Value::integer(4)})));
  engine_->runUntilIdle();
  advance(kHour + 30 * kMinute);
  ASSERT_EQ(get(id).status, Status::kCompleted);

  const auto all = stages("Flow");
  std::vector<std::string> names;
  for (const StageInsight& s : all)
    names.push_back(s.stage);
  // The bottleneck first: most total time.
  EXPECT_EQ(names, (std::vector<std::string>{"Go", "Review order", "sleep", "Child", "erp.check"}));
  int64_t total = 0;
  double share = 0;
  for (const StageInsight& s : all) {
    EXPECT_EQ(s.entered, 1) << s.stage;
    EXPECT_EQ(s.open, 0) << s.stage;
    EXPECT_FALSE(s.oldest_open_since) << s.stage;
    total += s.total;
    share += s.share;
  }
  EXPECT_EQ(find(all, "Go")->total, 3 * kHour);
  EXPECT_EQ(find(all, "Review order")->max, kHour);
  EXPECT_EQ(find(all, "sleep")->total, kHour);
  EXPECT_EQ(find(all, "Child")->total, 30 * kMinute);
  EXPECT_EQ(total, 2 * kMinute + kHour + 3 * kHour + kHour + 30 * kMinute);
  EXPECT_NEAR(share, 1.0, 1e-9);
  EXPECT_NEAR(find(all, "Go")->share, 3.0 * kHour / static_cast<double>(total), 1e-9);
  // The child's own wait is a stage of the child's workflow.
  const auto child = stages("Child");
  ASSERT_EQ(child.size(), 1u);
  EXPECT_EQ(child[0].stage, "sleep");
  EXPECT_EQ(child[0].total, 30 * kMinute);
}

TEST_F(StagesTest, FiguresSurviveARestart) {
  const std::string dir =
      (fs::temp_directory_path() / ("rflow-engine-stages-" + std::to_string(::getpid()))).string();
  auto faults = std::make_shared<store::FaultSwitch>();
  openOnFaultyDisk(dir, faults, kStages);
  const std::string id = runFlow();
  advance(kHour);
  const auto before = stages("Flow");
  reopenOnFaultyDisk(dir, faults);
  const auto after = stages("Flow");
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].stage, before[i].stage);
    EXPECT_EQ(after[i].entered, before[i].entered);
    EXPECT_EQ(after[i].open, before[i].open);
    EXPECT_EQ(after[i].oldest_open_since, before[i].oldest_open_since);
    EXPECT_EQ(after[i].max, before[i].max);
    EXPECT_EQ(after[i].total, before[i].total);
  }
  // The open entry closes after the restart as if there had been none.
  approveOnly(id);
  const std::vector<StageInsight> after_approval = stages("Flow");  // find() points into it
  const StageInsight* review = find(after_approval, "Review order");
  ASSERT_NE(review, nullptr);
  EXPECT_EQ(review->open, 0);
  EXPECT_EQ(review->max, kHour);
  close();
  fs::remove_all(dir);
}

// An approval's stage name is kept in its wait (Wait::stage), not under a key of its own.
// A wait recorded before that (its record without the stages, the name under its
// `stage-open` key) still closes its stage entry, and the key goes with it.
TEST_F(StagesTest, AWaitRecordedBeforeItKeptItsStageClosesByItsStageOpenKey) {
  const std::string dir =
      (fs::temp_directory_path() / ("rflow-engine-stage-open-" + std::to_string(::getpid())))
          .string();
  auto faults = std::make_shared<store::FaultSwitch>();
  openOnFaultyDisk(dir, faults, kStages);
  const std::string fresh = start("Job", {vm::Value::string("a")}).id;
  const std::string old = start("Job", {vm::Value::string("b")}).id;
  const auto keysUnder = [&](std::string_view prefix) {
    size_t n = 0;
    EXPECT_TRUE(store_
                    ->scan(store::Column::kMeta, prefix,
                           [&](std::string_view, std::string_view) { return ++n, true; })
                    .ok());
    return n;
  };
  const std::string_view open_prefix("stage-open\0", 11);
  const std::string_view since_prefix("stage-since\0", 12);
  EXPECT_EQ(keysUnder(open_prefix), 0u) << "a new wait keeps its stage in the record";
  EXPECT_EQ(keysUnder(since_prefix), 2u);

  // `old` as rflow wrote it before: the record without the stages, the name under its key.
  auto stored = store_->get(store::Column::kInstances, old);
  ASSERT_TRUE(stored.ok() && stored.value());
  auto rec = InstanceRecord::decode(*stored.value());
  ASSERT_TRUE(rec);
  ASSERT_EQ(rec->waits.size(), 1u);
  EXPECT_EQ(rec->waits[0].stage, "Check");
  std::string before = rec->encode();
  before.resize(before.size() - (1 + 1 + std::string_view("Check").size()));
  auto decoded = InstanceRecord::decode(before);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->waits[0].stage, "");
  store::Batch batch;
  batch.put(store::Column::kInstances, old, before);
  batch.put(store::Column::kMeta, keys::stageOpen(old, rec->waits[0].request), "Check");
  ASSERT_TRUE(store_->commit(batch).ok());
  reopenOnFaultyDisk(dir, faults);  // nothing of either instance is cached now

  approveOnly(fresh);
  approveOnly(old);
  EXPECT_EQ(get(old).status, Status::kCompleted);
  EXPECT_EQ(keysUnder(open_prefix), 0u);
  EXPECT_EQ(keysUnder(since_prefix), 0u) << "both stage entries closed";
  const std::vector<StageInsight> job = stages("Job");
  const StageInsight* check = find(job, "Check");
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->entered, 2);
  EXPECT_EQ(check->open, 0);
  close();
  fs::remove_all(dir);
}

TEST_F(StagesTest, AtRiskIsListedBeforeItsSlaBreachesOnceTwentyCompletedBeforeIt) {
  open(kStages);
  // The running one and 20 others enter "Check" together; 19 of those finish after an
  // hour, so the p80 of the time from "Check" to the end is under an hour.
  const std::string late = start("Job", {vm::Value::string("late")}).id;
  const std::vector<std::string> history = startJobs(20);
  advance(kHour);
  for (int i = 0; i < 19; ++i)
    approveOnly(history[static_cast<size_t>(i)]);
  advance(8 * kHour + 30 * kMinute);
  // 9.5h in, half an hour before the SLA, past the p80: but 19 are not enough history.
  EXPECT_TRUE(atRisk().empty());
  approveOnly(history.back());
  const auto risky = atRisk();
  ASSERT_EQ(risky.size(), 1u);
  EXPECT_EQ(risky[0].instance, late);
  EXPECT_EQ(risky[0].workflow, "st.Job");
  EXPECT_EQ(risky[0].stage, "Check");
  EXPECT_EQ(risky[0].history, 20);
  EXPECT_EQ(risky[0].started, kEpoch);
  EXPECT_EQ(risky[0].elapsed, 9 * kHour + 30 * kMinute);
  EXPECT_EQ(risky[0].sla_end, kEpoch + 10 * kHour);
  EXPECT_GT(risky[0].predicted_end, risky[0].sla_end);
  EXPECT_LT(clock_.now(), risky[0].sla_end);  // the warning comes before the breach
  EXPECT_EQ(get(late).status, Status::kWaiting);
}

TEST_F(StagesTest, NothingIsAtRiskWhileThePredictionEndsInTime) {
  open(kStages);
  const std::string late = start("Job", {vm::Value::string("late")}).id;
  const std::vector<std::string> history = startJobs(20);
  advance(kHour);
  for (const std::string& h : history)
    approveOnly(h);
  // 9h in: now plus the p80 (under an hour) still ends before the SLA.
  advance(8 * kHour);
  EXPECT_TRUE(atRisk().empty());
  advance(30 * kMinute);
  ASSERT_EQ(atRisk().size(), 1u);
  // Once it breached, it is no forecast any more.
  advance(31 * kMinute);
  EXPECT_TRUE(atRisk().empty());
  EXPECT_EQ(get(late).status, Status::kWaiting);
}

}  // namespace
}  // namespace rflow::engine::testing
