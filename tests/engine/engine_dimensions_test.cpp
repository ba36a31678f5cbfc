// Figures per tracked value (intelligence.md §2): every event of an instance is counted
// per value of each dimension it tracks, in the step's own batch; the counts survive a
// restart, trends compare one span of days with the one before, stages are kept per
// value, and a dimension counts at most kMaxDimensionValues values.
#include "engine/figures.h"
#include "engine_fixture.h"

namespace rflow::engine::testing {
namespace {

inline constexpr int64_t kDay = 24 * kHour;

constexpr const char* kTickets = R"(module ops
enum Outcome { Fixed, Dropped }
role Clerk "Clerk"
workflow Ticket(region: string, store: string, cost: money) -> Outcome {
  owner "ops"
  track region = region, store = store
  measure cost = cost
  sla 2h
  let r = approval "Fix it" {
    stage "fix"
    assign Clerk
  }
  if r.approved { return Outcome.Fixed }
  measure cost = cost + cost
  return Outcome.Dropped
}
workflow Parent(region: string) -> int {
  owner "ops"
  measure spent = 5
  let t = spawn Ticket(region, "S-9", 1.00 EUR)
  measure spent = 7
  return 1
}
)";

vm::Value eur(const char* amount) {
  return vm::Value::money(
      base::Money(*base::Decimal::parse(amount), *base::CurrencyCode::parse("EUR")));
}

class DimensionsTest : public EngineTest {
 protected:
  std::string ticket(const char* region, const std::string& store, const char* cost = "10.00") {
    return start("Ticket", {vm::Value::string(region), vm::Value::string(store), eur(cost)}).id;
  }
  void answer(const std::string& instance, bool approve) {
    const auto tasks = openTasks(instance);
    ASSERT_EQ(tasks.size(), 1u) << instance;
    ASSERT_FALSE(decide(tasks[0].record.id,
                        approve ? Decision::Kind::kApprove : Decision::Kind::kReject, "ana"));
  }
  int64_t today() const { return clock_.now() / kDay; }
  DimensionInsights by(const std::string& dimension, int64_t days, bool compare = false) {
    DimensionQuery q;
    q.workflow = "ops.Ticket";
    q.dimension = dimension;
    q.to_day = today() + 1;
    q.from_day = q.to_day - days;
    q.compare = compare;
    return engine_->byDimension(q);
  }
  static const DimensionValueInsights* value(const DimensionInsights& in, std::string_view v) {
    for (const DimensionValueInsights& x : in.values)
      if (x.figures.value == v) return &x;
    return nullptr;
  }
};

TEST_F(DimensionsTest, EveryEventIsCountedPerTrackedValue) {
  open(kTickets);
  const std::string a = ticket("EU", "S-1", "10.00");
  const std::string b = ticket("EU", "S-2", "2.50");
  const std::string c = ticket("US", "S-3");
  advance(30 * 60'000);
  answer(a, true);
  answer(b, false);
  advance(3 * kHour);  // c breaches its SLA, still open

  const DimensionInsights regions = by("region", 1);
  const DimensionValueInsights* eu = value(regions, "EU");
  const DimensionValueInsights* us = value(regions, "US");
  ASSERT_NE(eu, nullptr);
  ASSERT_NE(us, nullptr);
  EXPECT_EQ(regions.values.front().figures.value, "EU") << "the most started first";
  EXPECT_EQ(eu->figures.started, 2);
  EXPECT_EQ(eu->figures.completed, 2);
  EXPECT_EQ(eu->figures.cycle.count, 2);
  EXPECT_EQ(eu->figures.outcomes, (std::map<std::string, int64_t>{{"Fixed", 1}, {"Dropped", 1}}));
  // Measures count once the instance ended, with their last value: 10.00 + 2 × 2.50.
  const auto cost = eu->figures.measures.find({"cost", "EUR"});
  ASSERT_NE(cost, eu->figures.measures.end());
  EXPECT_EQ(cost->second.count, 2);
  EXPECT_EQ(cost->second.sum, 150'000);
  EXPECT_EQ(us->figures.started, 1);
  EXPECT_EQ(us->figures.completed, 0);
  EXPECT_EQ(us->figures.sla_breaches, 1);
  EXPECT_TRUE(us->figures.measures.empty()) << "it has not ended";
  EXPECT_EQ(by("store", 1).values.size(), 3u);

  // The stages of one value: EU's two waits ended, US's is open.
  auto eu_stages = engine_->stages(std::string("ops.Ticket"), StageFilter{"region", "EU"});
  ASSERT_TRUE(eu_stages.ok());
  ASSERT_EQ(eu_stages.value().size(), 1u);
  EXPECT_EQ(eu_stages.value()[0].stage, "fix");
  EXPECT_EQ(eu_stages.value()[0].entered, 2);
  EXPECT_EQ(eu_stages.value()[0].open, 0);
  EXPECT_EQ(eu_stages.value()[0].oldest_open_since, std::nullopt);
  auto us_stages = engine_->stages(std::string("ops.Ticket"), StageFilter{"region", "US"});
  ASSERT_TRUE(us_stages.ok());
  ASSERT_EQ(us_stages.value().size(), 1u);
  EXPECT_EQ(us_stages.value()[0].open, 1);
  EXPECT_EQ(us_stages.value()[0].oldest_open_since, get(c).created_at);
  auto nowhere = engine_->stages(std::string("ops.Ticket"), StageFilter{"region", "APAC"});
  ASSERT_TRUE(nowhere.ok());
  EXPECT_TRUE(nowhere.value().empty());
}

TEST_F(DimensionsTest, AChildsFiguresAreItsOwnNotItsParents) {
  open(kTickets);
  const InstanceView parent = start("Parent", {vm::Value::string("EU")});
  auto figures = engine_->figures(parent.id);
  ASSERT_TRUE(figures);
  ASSERT_EQ(figures->measures.size(), 1u);
  EXPECT_EQ(figures->measures[0].name, "spent");
  EXPECT_EQ(figures->measures[0].text(), "7");
  EXPECT_TRUE(figures->tracked.empty()) << "the child's tracked values stay the child's";
  const DimensionInsights regions = by("region", 1);  // value() points into it
  const DimensionValueInsights* eu = value(regions, "EU");
  ASSERT_NE(eu, nullptr);
  EXPECT_EQ(eu->figures.started, 1) << "the child, once";
}

TEST_F(DimensionsTest, FiguresSurviveARestart) {
  const std::string dir =
      (fs::temp_directory_path() / ("rflow-engine-dims-" + std::to_string(::getpid()))).string();
  auto faults = std::make_shared<store::FaultSwitch>();
  openOnFaultyDisk(dir, faults, kTickets);
  const std::string a = ticket("EU", "S-1");
  ticket("US", "S-2");
  answer(a, true);
  const DimensionInsights before = by("region", 1);
  reopenOnFaultyDisk(dir, faults);
  const DimensionInsights after = by("region", 1);
  ASSERT_EQ(after.values.size(), before.values.size());
  for (size_t i = 0; i < after.values.size(); ++i) {
    EXPECT_EQ(after.values[i].figures.value, before.values[i].figures.value);
    EXPECT_EQ(after.values[i].figures.started, before.values[i].figures.started);
    EXPECT_EQ(after.values[i].figures.completed, before.values[i].figures.completed);
    EXPECT_EQ(after.values[i].figures.outcomes, before.values[i].figures.outcomes);
  }
  // An instance open across the restart is counted under its value when it ends.
  auto listed = engine_->instances({});
  ASSERT_TRUE(listed);
  std::string us;
  for (const InstanceView& v : *listed)
    if (v.status == Status::kWaiting) us = v.id;
  answer(us, true);
  const DimensionInsights later = by("region", 1);
  const DimensionValueInsights* us_later = value(later, "US");
  ASSERT_NE(us_later, nullptr);
  EXPECT_EQ(us_later->figures.completed, 1);
  close();
  fs::remove_all(dir);
}

TEST_F(DimensionsTest, ATrendComparesTheSpanWithTheOneBefore) {
  open(kTickets);
  for (int i = 0; i < 10; ++i)
    ticket("EU", "S-1");
  for (int i = 0; i < 20; ++i)
    ticket("US", "S-2");
  advance(7 * kDay);
  for (int i = 0; i < 21; ++i)
    ticket("EU", "S-1");  // +110 %: rising
  for (int i = 0; i < 8; ++i)
    ticket("US", "S-2");  // -60 %: falling
  ticket("APAC", "S-3");  // 0 -> 1: too few to say

  const DimensionInsights week = by("region", 7, true);
  const DimensionValueInsights* eu = value(week, "EU");
  const DimensionValueInsights* us = value(week, "US");
  const DimensionValueInsights* apac = value(week, "APAC");
  ASSERT_TRUE(eu && us && apac);
  EXPECT_EQ(eu->figures.started, 21);
  ASSERT_TRUE(eu->before);
  EXPECT_EQ(eu->before->started, 10);
  EXPECT_EQ(eu->trend, Trend::kRising);
  EXPECT_EQ(us->trend, Trend::kFalling);
  EXPECT_EQ(apac->trend, Trend::kSteady);
  EXPECT_EQ(trendOf(40, 49), Trend::kSteady) << "+9: fewer than ten more";
  EXPECT_EQ(trendOf(100, 124), Trend::kSteady) << "+24 %";
  EXPECT_EQ(trendOf(100, 125), Trend::kRising);
  EXPECT_EQ(trendOf(100, 75), Trend::kFalling);
}

TEST_F(DimensionsTest, ADimensionCountsAtMostItsLimitOfValuesAndListsTheTopOnes) {
  open(kTickets);
  for (size_t i = 0; i <= kMaxDimensionValues; ++i)
    ticket("EU", "S-" + std::to_string(i));
  ticket("EU", "S-0");  // a second one for the first store: the most started
  const DimensionInsights stores = by("store", 1);
  ASSERT_EQ(stores.values.size(), kTopDimensionValues + 1);
  EXPECT_EQ(stores.values.front().figures.value, "S-0");
  EXPECT_EQ(stores.values.front().figures.started, 2);
  const DimensionValueInsights& other = stores.values.back();
  EXPECT_EQ(other.figures.value, kOtherValue);
  EXPECT_EQ(stores.folded, static_cast<int64_t>(kMaxDimensionValues - kTopDimensionValues));
  // 1,000 values counted, the 1,001st as (other), the top 50 listed: 951 in (other).
  EXPECT_EQ(other.figures.started,
            static_cast<int64_t>(kMaxDimensionValues + 1 - kTopDimensionValues));
  // The instance itself keeps its real value (listing by it still finds it).
  InstanceFilter filter;
  filter.workflow = "ops.Ticket";
  filter.dimensions = {{"store", "S-" + std::to_string(kMaxDimensionValues)}};
  auto listed = engine_->instances(filter);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 1u);
}

TEST(MeasureScale, AmountsAreScaledToTenThousandths) {
  EXPECT_EQ(scaledAmount("12.5"), 125'000);
  EXPECT_EQ(scaledAmount("-0.0001"), -1);
  EXPECT_EQ(scaledAmount("3"), 30'000);
  EXPECT_EQ(scaledAmount("1.23456"), 12'346);
  EXPECT_EQ(scaledAmount("1.23454"), 12'345);
  EXPECT_EQ(scaledAmount("abc"), std::nullopt);
  EXPECT_EQ(scaledAmount(""), std::nullopt);
  EXPECT_EQ(scaledAmount("99999999999999999999"), std::nullopt);
}

}  // namespace
}  // namespace rflow::engine::testing
