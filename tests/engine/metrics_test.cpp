// The aggregates' stored counters (metrics.h, value_counts.h): what a step's delta writes
// reads back into the same figures, and counters written by earlier versions — a tracked
// value's counters in keys of their own, histograms with their "_n" count — are still
// read as they were meant.
#include "engine/metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "engine/records.h"
#include "store/counters.h"

namespace rflow::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

constexpr int64_t kNow = 20'000 * kDayMs + 10 * kHourMs;  // 2024-10-04T10:00Z
constexpr int64_t kToday = kNow / kDayMs;

class MetricsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() /
            ("rflow-metrics-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
    auto opened = store::Store::open(dir_);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened))
        << std::get<std::string>(opened);
    store_ = std::move(std::get<std::unique_ptr<store::Store>>(opened));
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void commit(const MetricsDelta& delta) {
    store::Batch batch;
    Metrics::write(batch, delta);
    ASSERT_TRUE(store_->commit(batch).ok());
  }
  // Counters under `key` as an earlier version wrote them (the encoding is unchanged).
  void putOld(std::string_view key, const store::Counters& counters) {
    store::Batch batch;
    batch.addCounters(key, store::encodeCounters(counters));
    ASSERT_TRUE(store_->commit(batch).ok());
  }
  std::string dir_;
  std::unique_ptr<store::Store> store_;
};

// A tracked instance of ops.Ticket in EU / S-1: started, one stage entered and left, then
// completed with an outcome and a measure.
MetricsDelta ticketLife() {
  MetricsDelta d;
  const std::vector<std::pair<std::string, std::string>> dims = {{"region", "EU"},
                                                                 {"store", "S-1"}};
  d.setDimensions(dims, "ops.Ticket", kNow);
  d.instanceStarted("ops.Ticket", kNow - 2 * kHourMs, dims);
  d.stageEntered("ops.Ticket", "fix", kNow - 2 * kHourMs);
  d.stageLeft("ops.Ticket", "fix", kNow - 2 * kHourMs, 2 * kHourMs);
  d.escalated("ops.Ticket", kNow);
  d.statusChanged("ops.Ticket", Status::kRunning, Status::kCompleted, kNow, kNow - 2 * kHourMs, "");
  d.stageRemaining("ops.Ticket", "fix", 2 * kHourMs);
  d.outcome("ops.Ticket", "Fixed", kNow);
  d.measureAtEnd("ops.Ticket", "cost", "EUR", 12 * kMeasureScale, kNow);
  return d;
}

void expectTicketFigures(const Metrics& m, std::string_view dimension, const std::string& value) {
  const auto by = m.byDimension("ops.Ticket", dimension, kToday, kToday + 1);
  ASSERT_EQ(by.size(), 1u);
  const DimensionFigures& f = by.at(value);
  EXPECT_EQ(f.started, 1);
  EXPECT_EQ(f.completed, 1);
  EXPECT_EQ(f.escalations, 1);
  EXPECT_EQ(f.cycle.count, 1);
  EXPECT_EQ(f.cycle.sum, 2 * kHourMs);
  EXPECT_EQ(f.outcomes, (std::map<std::string, int64_t>{{"Fixed", 1}}));
  const auto cost = f.measures.at({"cost", "EUR"});
  EXPECT_EQ(cost.count, 1);
  EXPECT_EQ(cost.sum, 12 * kMeasureScale);
  const auto stages = m.stages("ops.Ticket", StageFilter{std::string(dimension), value});
  ASSERT_EQ(stages.size(), 1u);
  EXPECT_EQ(stages[0].stage, "fix");
  EXPECT_EQ(stages[0].entered, 1);
  EXPECT_EQ(stages[0].open, 0);
  EXPECT_EQ(stages[0].time.count, 1);
  EXPECT_EQ(stages[0].remaining.count, 1);
  EXPECT_EQ(stages[0].remaining.sum, 2 * kHourMs);
  // Nothing on the day before.
  EXPECT_TRUE(m.byDimension("ops.Ticket", dimension, kToday - 1, kToday).empty());
}

TEST_F(MetricsStoreTest, WhatAStepWritesReadsBackAsMemoryCountedIt) {
  Metrics counted;
  const MetricsDelta delta = ticketLife();
  commit(delta);
  counted.committed(ticketLife());
  expectTicketFigures(counted, "region", "EU");
  expectTicketFigures(counted, "store", "S-1");

  Metrics loaded;
  ASSERT_TRUE(loaded.load(*store_).ok());
  expectTicketFigures(loaded, "region", "EU");
  expectTicketFigures(loaded, "store", "S-1");
  // The workflow's own figures: a histogram's count is its buckets'.
  const Insights in = loaded.insights({std::nullopt, 0, kNow});
  ASSERT_EQ(in.workflows.size(), 1u);
  EXPECT_EQ(in.workflows[0].completed, 1);
  EXPECT_EQ(in.workflows[0].cycle.count, 1);
  const auto all = loaded.stages(std::nullopt);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].time.count, 1);
  EXPECT_EQ(all[0].remaining.count, 1);
}

TEST_F(MetricsStoreTest, AStepStoresItsCountsPerValueOnceForAllItsDimensions) {
  commit(ticketLife());
  store::Counters stored;
  ASSERT_TRUE(store_
                  ->scanFrom(store::Column::kMetrics, "",
                             [&](std::string_view, std::string_view v) {
                               EXPECT_TRUE(store::addEncodedCounters(v, stored));
                               return true;
                             })
                  .ok());
  size_t grouped = 0;
  for (const auto& [name, amount] : stored) {
    EXPECT_FALSE(name.starts_with("d\0"s) || name.starts_with("e\0"s))
        << "a per-dimension name: " << name;
    if (name.starts_with("D\0ops.Ticket\0"s "2\0region\0EU\0store\0S-1\0"s)) ++grouped;
  }
  EXPECT_GT(grouped, 0u);
  // Names cut short, or with a count that does not match the fields, are left out.
  const std::string hour = std::to_string(kNow / kHourMs);
  putOld("v2\0h\0"s + hour,
         {{"D\0ops.Ticket\0"s "3\0region\0EU\0store\0S-1\0d\0"s + std::to_string(kToday) +
               "\0started\0"s,
           1},
          {"D\0ops.Ticket\0x\0"s, 1},
          {"D\0ops.Ticket"s, 1}});
  Metrics loaded;
  ASSERT_TRUE(loaded.load(*store_).ok());
  expectTicketFigures(loaded, "region", "EU");
  expectTicketFigures(loaded, "store", "S-1");
}

TEST_F(MetricsStoreTest, CountersWrittenByEarlierVersionsAreRead) {
  // As the engine wrote them before counts were typed: each tracked value's counters in a
  // key of its own, every histogram with its "_n".
  const std::string day = std::to_string(kToday);
  const std::string hour = std::to_string(kNow / kHourMs);
  putOld("v2\0d\0ops.Ticket\0region\0EU"s,
         {{"d\0ops.Ticket\0region\0EU\0"s + day + "\0started\0"s, 1},
          {"d\0ops.Ticket\0region\0EU\0"s + day + "\0completed\0"s, 1},
          {"d\0ops.Ticket\0region\0EU\0"s + day + "\0escalations\0"s, 1},
          {"d\0ops.Ticket\0region\0EU\0"s + day + "\0cycle_n\0"s, 1},
          {"d\0ops.Ticket\0region\0EU\0"s + day + "\0cycle_sum\0"s, 2 * kHourMs},
          {"d\0ops.Ticket\0region\0EU\0"s + day + "\0cycle_b6\0"s, 1},
          {"d\0ops.Ticket\0region\0EU\0"s + day + "\0outcome\0Fixed"s, 1},
          {"d\0ops.Ticket\0region\0EU\0"s + day + "\0mn\0cost EUR"s, 1},
          {"d\0ops.Ticket\0region\0EU\0"s + day + "\0msum\0cost EUR"s, 12 * kMeasureScale}});
  putOld("v2\0e\0ops.Ticket\0region\0EU"s,
         {{"e\0ops.Ticket\0region\0EU\0fix\0entered"s, 1},
          {"e\0ops.Ticket\0region\0EU\0fix\0open"s, 0},
          {"e\0ops.Ticket\0region\0EU\0fix\0time_n"s, 1},
          {"e\0ops.Ticket\0region\0EU\0fix\0time_sum"s, 2 * kHourMs},
          {"e\0ops.Ticket\0region\0EU\0fix\0time_b6"s, 1},
          {"e\0ops.Ticket\0region\0EU\0fix\0rem_n"s, 1},
          {"e\0ops.Ticket\0region\0EU\0fix\0rem_sum"s, 2 * kHourMs},
          {"e\0ops.Ticket\0region\0EU\0fix\0rem_b6"s, 1}});
  // The same value's counters of a later step ride in its hour's key.
  putOld("v2\0h\0"s + hour,
         {{"h\0"s + hour + "\0ops.Ticket\0completed\0"s, 1},
          {"h\0"s + hour + "\0ops.Ticket\0cycle_n\0"s, 1},
          {"h\0"s + hour + "\0ops.Ticket\0cycle_sum\0"s, 2 * kHourMs},
          {"h\0"s + hour + "\0ops.Ticket\0cycle_b6\0"s, 1},
          {"d\0ops.Ticket\0store\0S-1\0"s + day + "\0started\0"s, 1},
          {"d\0ops.Ticket\0store\0S-1\0"s + day + "\0completed\0"s, 1},
          {"d\0ops.Ticket\0store\0S-1\0"s + day + "\0escalations\0"s, 1},
          {"d\0ops.Ticket\0store\0S-1\0"s + day + "\0cycle_n\0"s, 1},
          {"d\0ops.Ticket\0store\0S-1\0"s + day + "\0cycle_sum\0"s, 2 * kHourMs},
          {"d\0ops.Ticket\0store\0S-1\0"s + day + "\0cycle_b6\0"s, 1},
          {"d\0ops.Ticket\0store\0S-1\0"s + day + "\0outcome\0Fixed"s, 1},
          {"d\0ops.Ticket\0store\0S-1\0"s + day + "\0mn\0cost EUR"s, 1},
          {"d\0ops.Ticket\0store\0S-1\0"s + day + "\0msum\0cost EUR"s, 12 * kMeasureScale},
          {"e\0ops.Ticket\0store\0S-1\0fix\0entered"s, 1},
          {"e\0ops.Ticket\0store\0S-1\0fix\0time_n"s, 1},
          {"e\0ops.Ticket\0store\0S-1\0fix\0time_sum"s, 2 * kHourMs},
          {"e\0ops.Ticket\0store\0S-1\0fix\0time_b6"s, 1},
          {"e\0ops.Ticket\0store\0S-1\0fix\0rem_n"s, 1},
          {"e\0ops.Ticket\0store\0S-1\0fix\0rem_sum"s, 2 * kHourMs},
          {"e\0ops.Ticket\0store\0S-1\0fix\0rem_b6"s, 1}});
  Metrics loaded;
  ASSERT_TRUE(loaded.load(*store_).ok());
  expectTicketFigures(loaded, "region", "EU");
  expectTicketFigures(loaded, "store", "S-1");
  const Insights in = loaded.insights({std::nullopt, 0, kNow});
  ASSERT_EQ(in.workflows.size(), 1u);
  EXPECT_EQ(in.workflows[0].cycle.count, 1) << "from the buckets; _n is not counted twice";

  // New steps add to them.
  commit(ticketLife());
  loaded.committed(ticketLife());
  Metrics reloaded;
  ASSERT_TRUE(reloaded.load(*store_).ok());
  for (const Metrics* m : {&loaded, &reloaded}) {
    const auto by = m->byDimension("ops.Ticket", "region", kToday, kToday + 1);
    EXPECT_EQ(by.at("EU").completed, 2);
    EXPECT_EQ(by.at("EU").cycle.count, 2);
    EXPECT_EQ(by.at("EU").measures.at({"cost", "EUR"}).sum, 24 * kMeasureScale);
    EXPECT_EQ(m->stages("ops.Ticket", StageFilter{"store", "S-1"})[0].remaining.count, 2);
  }
}

TEST(ValueCounts, StoredNamesReadBackIntoTheSameFields) {
  ValueCounts v;
  DayCounts& d = v.days[kToday];
  d.started = 3;
  d.failed = 1;
  d.cycle.record(90'000);
  d.cycle.record(-5);  // counted as 0
  d.outcomes["Fixed"] = 2;
  d.measure_count["cost EUR"] = 2;
  d.measure_sum["cost EUR"] = -7;
  StageCounts& s = v.stages["DC hand-off"];
  s.entered = 4;
  s.open = 1;
  s.open_since = kNow;
  s.time.record(kHourMs);
  ValueCounts back;
  size_t names = 0;
  v.forEachStored([&](char family, std::string_view rest, int64_t amount) {
    ++names;
    EXPECT_TRUE(back.addStored(family, rest, amount)) << family << " " << rest;
  });
  EXPECT_EQ(names, 13u) << "one name per non-zero field";
  ASSERT_EQ(back.days.size(), 1u);
  const DayCounts& bd = back.days.at(kToday);
  EXPECT_EQ(bd.started, 3);
  EXPECT_EQ(bd.failed, 1);
  EXPECT_EQ(bd.completed, 0);
  EXPECT_EQ(bd.cycle.buckets, d.cycle.buckets);
  EXPECT_EQ(bd.cycle.sum, 90'000);
  EXPECT_EQ(bd.cycle.histogram().count, 2);
  EXPECT_EQ(bd.outcomes, d.outcomes);
  EXPECT_EQ(bd.measure_sum, d.measure_sum);
  const StageCounts& bs = back.stages.at("DC hand-off");
  EXPECT_EQ(bs.entered, 4);
  EXPECT_EQ(bs.open, 1);
  EXPECT_EQ(bs.open_since, kNow);
  EXPECT_EQ(bs.time.buckets, s.time.buckets);
  // A name this version does not know is left out, and said so.
  EXPECT_FALSE(back.addStored('d', std::to_string(kToday) + "\0unheard_of\0"s, 1));
  EXPECT_FALSE(back.addStored('e', "fix\0time_b99"s, 1));
  EXPECT_FALSE(back.addStored('d', "not-a-day\0started\0"s, 1));
}

}  // namespace
}  // namespace rflow::engine
