// Ages in business time (intelligence.md §3, docs/insights.md "Business time"): a wait
// declared in a calendar keeps the calendar (from its wait place, bytecode format 6) with
// its wait and its task, and every figure of an open wait's age counts the calendar's
// open time; an `sla d in C`'s forecast compares open time with open time. Waits in plain
// time keep their wall-clock ages; records written before calendars load without one.
#include "engine/business_ages.h"
#include "engine/keys.h"
#include "engine/metrics.h"
#include "engine/stages.h"
#include "engine_fixture.h"

namespace rflow::engine::testing {
namespace {

// kEpoch is Friday 2027-01-15 08:00 UTC. Berlin is UTC+1 in January.
inline constexpr int64_t kSaturday19 = kEpoch + 34 * kHour;  // Sat 19:00 Berlin
inline constexpr int64_t kMonday08 = kEpoch + 71 * kHour;    // Mon 08:00 Berlin: opening

constexpr const char* kStore = R"(module biz
role StoreManager "Store manager"
role Clerk "Clerk"
signal Delivered { n: int }
calendar StoreHours {
  zone "Europe/Berlin"
  open mon-fri 08:00-20:00
  open sat 09:00-18:00
}
workflow FixShelf(store: string) -> bool {
  owner "store-ops"
  let fix = task "Fix the shelf at {store}" {
    stage "shelf fix"
    assign StoreManager
    due 4h in StoreHours
    form {
      fixed: bool
    }
  }
  return fix.fixed
}
workflow Plain(store: string) -> bool {
  owner "store-ops"
  let fix = task "Count at {store}" {
    assign StoreManager
    due 4h
    escalate after 2h in StoreHours to Clerk
    form {
      fixed: bool
    }
  }
  let d = await Delivered timeout 1d
  return fix.fixed
}
workflow Job(id: string) -> int {
  owner "ops"
  sla 330m in StoreHours
  let r = approval "Check" {
    assign Clerk
  }
  return 1
}
)";

class BusinessAgeTest : public EngineTest {
 protected:
  int64_t businessAge(const TaskRecord& task) {
    BusinessClock clock;
    return clock.between(task.calendar, task.created_at, clock_.now()).value_or(-1);
  }
  WorkflowInsights insightsOf(std::string_view workflow) {
    InsightsQuery query;
    query.now = clock_.now();
    query.since = query.now - 7 * 24 * kHour;
    query.workflow = std::string(workflow);
    const Insights in = engine_->insights(query);
    EXPECT_EQ(in.workflows.size(), 1u);
    return in.workflows.empty() ? WorkflowInsights{} : in.workflows[0];
  }
  const StageInsight* stage(const std::vector<StageInsight>& all, std::string_view name) {
    for (const StageInsight& s : all)
      if (s.stage == name) return &s;
    return nullptr;
  }
};

TEST_F(BusinessAgeTest, ATaskOpenedSaturdayEveningAgesFromMondaysOpening) {
  open(kStore);
  clock_.set(kSaturday19);
  const InstanceView v = start("FixShelf", {vm::Value::string("Berlin-Mitte")});
  ASSERT_EQ(v.status, Status::kWaiting);
  auto tasks = openTasks(v.id);
  ASSERT_EQ(tasks.size(), 1u);
  const TaskRecord task = tasks[0].record;
  // The task keeps the calendar its due date was declared in; the due date is Monday noon.
  EXPECT_EQ(calendarName(task.calendar), "StoreHours");
  EXPECT_EQ(task.due, kMonday08 + 4 * kHour);
  ASSERT_EQ(v.waits.size(), 1u);
  EXPECT_EQ(v.waits[0].calendar, task.calendar);

  // Through Sunday the store is closed: the wall age grows, the business age stays 0.
  advance(24 * kHour);
  tasks = openTasks(v.id);
  EXPECT_EQ(businessAge(tasks[0].record), 0);
  WorkflowInsights w = insightsOf("FixShelf");
  EXPECT_EQ(w.open_tasks_by_age, (std::array<int64_t, 4>{0, 0, 0, 1}));  // 24h: ">24h"
  EXPECT_EQ(w.open_tasks_by_business_age, (std::array<int64_t, 4>{1, 0, 0, 0}));
  EXPECT_EQ(w.open_tasks_in_calendar, 1);
  auto figures = engine_->stages(std::string("FixShelf"));
  ASSERT_TRUE(figures.ok());
  const StageInsight* fix = stage(figures.value(), "shelf fix");
  ASSERT_NE(fix, nullptr);
  EXPECT_EQ(fix->oldest_open_since, kSaturday19);
  EXPECT_EQ(fix->oldest_open_calendar, "StoreHours");
  EXPECT_EQ(fix->oldest_open_business_age, 0);

  // Monday 08:00 is the opening: still 0. 09:10 is 1h10m of open time, 38h10m of wall time.
  clock_.set(kMonday08);
  EXPECT_EQ(businessAge(openTasks(v.id)[0].record), 0);
  clock_.set(kMonday08 + kHour + 10 * kMinute);
  EXPECT_EQ(businessAge(openTasks(v.id)[0].record), kHour + 10 * kMinute);
  w = insightsOf("FixShelf");
  EXPECT_EQ(w.open_tasks_by_age, (std::array<int64_t, 4>{0, 0, 0, 1}));
  EXPECT_EQ(w.open_tasks_by_business_age, (std::array<int64_t, 4>{0, 1, 0, 0}));
  figures = engine_->stages(std::string("FixShelf"));
  ASSERT_TRUE(figures.ok());
  fix = stage(figures.value(), "shelf fix");
  ASSERT_NE(fix, nullptr);
  EXPECT_EQ(fix->oldest_open_business_age, kHour + 10 * kMinute);

  // The task survives a reload from the store with its calendar; once done, it is no
  // longer counted open, in either figure.
  Decision done;
  done.task = tasks[0].record.id;
  done.kind = Decision::Kind::kComplete;
  done.user = "ana";
  done.form = {{"fixed", vm::Value::boolean(true)}};
  ASSERT_FALSE(engine_->decide(done));
  engine_->runUntilIdle();
  EXPECT_EQ(get(v.id).status, Status::kCompleted);
  auto closed = engine_->task(done.task);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->record.calendar, task.calendar);
  w = insightsOf("FixShelf");
  EXPECT_EQ(w.open_tasks_by_business_age, (std::array<int64_t, 4>{0, 0, 0, 0}));
  EXPECT_EQ(w.open_tasks_in_calendar, 0);
}

TEST_F(BusinessAgeTest, WaitsInPlainTimeKeepWallClockAgesAndAnEscalationNamesTheCalendar) {
  open(kStore);
  clock_.set(kSaturday19);
  const InstanceView v = start("Plain", {vm::Value::string("Berlin-Mitte")});
  auto tasks = openTasks(v.id);
  ASSERT_EQ(tasks.size(), 1u);
  // `due 4h` is plain time; the escalation was declared in the calendar, so it ages in it.
  EXPECT_EQ(calendarName(tasks[0].record.calendar), "StoreHours");
  EXPECT_EQ(tasks[0].record.due, kSaturday19 + 4 * kHour);
  Decision done;
  done.task = tasks[0].record.id;
  done.kind = Decision::Kind::kComplete;
  done.user = "ana";
  done.form = {{"fixed", vm::Value::boolean(true)}};
  ASSERT_FALSE(engine_->decide(done));
  engine_->runUntilIdle();
  // The await's timeout is plain: its wait has no calendar.
  const InstanceView waiting = get(v.id);
  ASSERT_EQ(waiting.waits.size(), 1u);
  EXPECT_EQ(waiting.waits[0].kind, WaitKind::kSignal);
  EXPECT_EQ(waiting.waits[0].calendar, "");
  advance(3 * kHour);
  auto figures = engine_->stages(std::string("Plain"));
  ASSERT_TRUE(figures.ok());
  const StageInsight* delivered = stage(figures.value(), "Delivered");
  ASSERT_NE(delivered, nullptr);
  EXPECT_EQ(delivered->oldest_open_calendar, "");
  EXPECT_FALSE(delivered->oldest_open_business_age);
}

TEST_F(BusinessAgeTest, AnSlaInACalendarIsForecastInOpenTime) {
  open(kStore);
  // Monday 15:00: 5h30m of open time ends Tuesday 08:30 (5h on Monday, 30m on Tuesday).
  clock_.set(kMonday08 + 7 * kHour);
  const std::string late = start("Job", {vm::Value::string("late")}).id;
  std::vector<std::string> history;
  for (int i = 0; i < 20; ++i)
    history.push_back(start("Job", {vm::Value::string("h" + std::to_string(i))}).id);
  // Each of the 20 takes 2h of open time from "Check" to its end.
  advance(2 * kHour);
  for (const std::string& id : history) {
    const auto tasks = openTasks(id);
    ASSERT_EQ(tasks.size(), 1u);
    ASSERT_FALSE(decide(tasks[0].record.id, Decision::Kind::kApprove, "ana"));
  }
  const int64_t sla_end = kMonday08 + 24 * kHour + 30 * kMinute;
  // Their p80 is 3h24m (interpolated in the bucket of 1h to 4h). At 17:00, 3h30m of open
  // time are left before the SLA end: they fit.
  auto found = engine_->atRisk(std::nullopt);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found.value().empty());

  // Monday 19:30: 13 wall hours before the SLA end, but only 1h of open time: at risk. A
  // wall-clock forecast (now + p80 = 22:54) would not see it.
  clock_.set(kMonday08 + 11 * kHour + 30 * kMinute);
  found = engine_->atRisk(std::nullopt);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found.value().size(), 1u);
  const AtRiskInstance& r = found.value()[0];
  EXPECT_EQ(r.instance, late);
  EXPECT_EQ(r.sla_end, sla_end);
  EXPECT_EQ(r.calendar, "StoreHours");
  EXPECT_EQ(r.elapsed, 4 * kHour + 30 * kMinute);
  EXPECT_EQ(r.elapsed_business, 4 * kHour + 30 * kMinute);
  // The predicted end is in open time: 30m on Monday, the rest after Tuesday's opening.
  EXPECT_EQ(r.predicted_end, kMonday08 + 24 * kHour + 2 * kHour + 54 * kMinute);
  EXPECT_GT(r.predicted_end, r.sla_end);
  EXPECT_LT(clock_.now() + 3 * kHour + 24 * kMinute, sla_end);
}

TEST(BusinessAgeRecords, OpenEntriesKeepBothCalendarsAfterTheirLabels) {
  OpenEntryValue value;
  value.created = kEpoch;
  value.sla_end = kEpoch + kHour;
  value.labels = {{"region", "EU"}};
  value.calendar = "StoreHours;Europe/Berlin;1 08:00-20:00;";
  value.sla_calendar = "HeadOffice;Europe/Berlin;1 09:00-17:00;";
  std::string bytes = value.encode();
  auto decoded = OpenEntryValue::decode(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->labels, value.labels);
  EXPECT_EQ(decoded->calendar, value.calendar);
  EXPECT_EQ(decoded->sla_calendar, value.sla_calendar);
  // Without calendars the value is what it was before them.
  value.calendar.clear();
  value.sla_calendar.clear();
  bytes = value.encode();
  EXPECT_EQ(bytes.substr(16), std::string("region\0EU\0", 10));
  decoded = OpenEntryValue::decode(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->labels, value.labels);
  EXPECT_EQ(decoded->calendar, "");
  // Something after the calendars is refused.
  value.calendar = "StoreHours;;1 08:00-20:00;";
  EXPECT_FALSE(OpenEntryValue::decode(value.encode() + "x"));
}

TEST(BusinessAgeRecords, RecordsWrittenBeforeCalendarsLoadWithoutOne) {
  TaskRecord task;
  task.id = "tk-1";
  task.calendar = "StoreHours;Europe/Berlin;1 08:00-20:00;";
  std::string bytes = task.encode();
  auto decoded = TaskRecord::decode(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->calendar, task.calendar);
  // A record of before: the same bytes without the calendar (its length byte and text).
  bytes.resize(bytes.size() - 1 - task.calendar.size());
  decoded = TaskRecord::decode(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->calendar, "");
  EXPECT_EQ(decoded->id, "tk-1");

  InstanceRecord rec;
  rec.id = "in-1";
  rec.waits.push_back(
      {1, 0, WaitKind::kTask, "tk-1", 0, kEpoch, std::nullopt, task.calendar, "Review"});
  rec.waits.push_back({2, 1, WaitKind::kSleep, "", 0, kEpoch, kEpoch + kHour, "", ""});
  bytes = rec.encode();
  auto instance = InstanceRecord::decode(bytes);
  ASSERT_TRUE(instance);
  ASSERT_EQ(instance->waits.size(), 2u);
  EXPECT_EQ(instance->waits[0].calendar, task.calendar);
  EXPECT_EQ(instance->waits[1].calendar, "");
  EXPECT_EQ(instance->waits[0].stage, "Review");
  EXPECT_EQ(instance->waits[1].stage, "");
  // Before the stages: no count and texts after the calendars.
  const size_t stages = 1 + (1 + std::string_view("Review").size()) + 1;
  bytes.resize(bytes.size() - stages);
  instance = InstanceRecord::decode(bytes);
  ASSERT_TRUE(instance);
  EXPECT_EQ(instance->waits[0].calendar, task.calendar);
  EXPECT_EQ(instance->waits[0].stage, "");
  // Before the calendars: no count and texts after spawned_by either.
  bytes.resize(bytes.size() - 1 - (1 + task.calendar.size()) - 1);
  instance = InstanceRecord::decode(bytes);
  ASSERT_TRUE(instance);
  EXPECT_EQ(instance->waits[0].calendar, "");
  EXPECT_EQ(instance->waits[0].detail, "tk-1");
  // A count that does not match the waits is a corrupt record, not a guess.
  rec.waits.pop_back();
  std::string wrong = rec.encode();
  const size_t one_stage = 1 + 1 + std::string_view("Review").size();  // count, length, text
  wrong[wrong.size() - one_stage - 2 - task.calendar.size()] = 2;      // the calendars' count
  EXPECT_FALSE(InstanceRecord::decode(wrong));
  wrong = rec.encode();
  wrong[wrong.size() - 2 - std::string_view("Review").size()] = 2;  // the stages' count
  EXPECT_FALSE(InstanceRecord::decode(wrong));
}

}  // namespace
}  // namespace rflow::engine::testing
