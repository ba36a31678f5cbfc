// Reading the stage figures (intelligence.md §2, docs/insights.md): where the time goes
// per workflow and stage, and the at-risk forecast. Both read the aggregates the steps
// keep (metrics.h) and the index of open stage entries (keys.h "stage-since"), never the
// instances: the cost grows with the stages and the waits open now, not with history.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/metrics.h"
#include "store/store.h"

namespace rflow::engine {

struct StageInsight {
  std::string workflow;  // qualified
  std::string stage;
  int64_t entered = 0;
  int64_t open = 0;
  std::optional<int64_t> oldest_open_since;  // UTC ms of the oldest open entry
  // When the oldest open wait was declared in a calendar (business_ages.h): its name and
  // the calendar's open time since the wait began (ms).
  std::string oldest_open_calendar;
  std::optional<int64_t> oldest_open_business_age;
  std::optional<int64_t> p50, p95;  // ms, of the waits that ended
  int64_t max = 0;                  // ms, the longest wait that ended
  int64_t ended = 0;                // waits that ended
  // ms in stage: of the waits that ended, plus of the open ones until now.
  int64_t total = 0;
  double share = 0;  // of all waiting time of its workflow, 0..1
};

// The oldest open wait of one stage: when it began and its calendar ("" for none).
struct OldestOpen {
  int64_t since = 0;
  std::string calendar;
};

// What the stage answer is computed from, in a form that merges exactly across the
// partitions of a cluster (insights_merge.h): counts and sums add, histograms add bucket
// by bucket, maxima and oldest entries take the larger and the older.
struct StageParts {
  std::vector<StageFigures> figures;  // by workflow, then stage
  // workflow \0 stage -> the oldest open wait, for the stages with waits open now.
  std::map<std::string, OldestOpen> oldest;
};

// The parts of the stages of `workflow` (qualified or declared; all when unset); with
// `filter` (and a qualified `workflow`), of its instances with one tracked value.
store::Result<StageParts> stageParts(const store::Store& store, const Metrics& metrics,
                                     const std::optional<std::string>& workflow,
                                     const std::optional<StageFilter>& filter = std::nullopt);
// The stages computed from `parts` at `now`, the most total time first: the one place
// their quantiles, totals and shares are computed, for one node and for a cluster.
std::vector<StageInsight> stageInsightsFrom(const StageParts& parts, int64_t now);

// Stages of `workflow` (qualified or declared; all when unset), the most total time first;
// with `filter` (and a qualified `workflow`), of its instances with one tracked value.
store::Result<std::vector<StageInsight>> stageInsights(
    const store::Store& store, const Metrics& metrics, const std::optional<std::string>& workflow,
    int64_t now, const std::optional<StageFilter>& filter = std::nullopt);

// The history a stage needs before it predicts anything.
inline constexpr int64_t kAtRiskMinHistory = 20;

struct AtRiskInstance {
  std::string instance;
  std::string workflow;  // qualified
  std::string stage;     // the open stage that predicts the latest end
  int64_t started = 0, elapsed = 0, predicted_end = 0, sla_end = 0;  // ms
  int64_t history = 0;  // completed instances the prediction rests on
  // An `sla d in C`: C's name and the open time since the start (ms); `elapsed` stays
  // wall-clock.
  std::string calendar;
  std::optional<int64_t> elapsed_business;
};

// Waiting instances with an SLA not yet breached whose predicted end (now plus the p80 of
// the time completed instances took from entering the stage they are in to completion)
// is after their SLA end; the soonest SLA end first. For an SLA in a calendar, the p80 is
// of open time (recordStages) and is added in open time: the predicted end is the instant
// when that much of the calendar's open time has passed after now.
//
store::Result<std::vector<AtRiskInstance>> atRisk(const store::Store& store, const Metrics& metrics,
                                                  const std::optional<std::string>& workflow,
                                                  int64_t now);

// What the forecast rests on, per workflow and stage with at least kAtRiskMinHistory
// completed instances: the p80 of their remaining time (ms) and how many they are. In a
// cluster it is computed once from every partition's merged stage figures, then each
// partition lists its own waits with it, so it rests on the whole history.
struct ForecastBasis {
  int64_t p80 = 0;
  int64_t history = 0;
};
using Forecast = std::map<std::string, std::map<std::string, ForecastBasis, std::less<>>>;
Forecast forecastOf(const std::vector<StageFigures>& figures);
// The waits open in `store` at risk under `forecast`, in the answer's order (orderAtRisk).
store::Result<std::vector<AtRiskInstance>> atRiskWith(const store::Store& store,
                                                      const Forecast& forecast, int64_t now);
// The soonest SLA end first; equal ends by instance id (ids are unique across partitions,
// so lists of several partitions concatenated and ordered are ordered as one node's).
void orderAtRisk(std::vector<AtRiskInstance>& instances);

}  // namespace rflow::engine
