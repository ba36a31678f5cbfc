// Insights per value of a tracked dimension (intelligence.md §2, docs/insights.md): the
// figures of each value over a span of whole UTC days, the span before it, and a trend,
// read from the daily counters the steps keep (metrics.h "d"), never from instances.
//
// Invariants:
//   - At most kTopDimensionValues values are listed, the most started first; the rest are
//     added into one kOtherValue entry (with the values the engine already counts there).
//   - A value's trend compares instances started in the span with the span before it:
//     rising when the count grew by at least kTrendShare of the earlier count and by at
//     least kTrendMinInstances, falling when it shrank by both, else steady.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/metrics.h"

namespace rflow::engine {

inline constexpr size_t kTopDimensionValues = 50;
inline constexpr double kTrendShare = 0.25;
inline constexpr int64_t kTrendMinInstances = 10;

enum class Trend : uint8_t { kSteady, kRising, kFalling };
const char* trendName(Trend trend);
Trend trendOf(int64_t before, int64_t now);

struct DimensionQuery {
  std::string workflow;   // qualified
  std::string dimension;  // tracked by it
  int64_t from_day = 0;   // the span: UTC days [from_day, to_day)
  int64_t to_day = 0;
  bool compare = false;  // also the span of the same length before it, and trends
};

struct DimensionValueInsights {
  DimensionFigures figures;
  std::optional<DimensionFigures> before;  // with compare
  Trend trend = Trend::kSteady;
};

struct DimensionInsights {
  std::vector<DimensionValueInsights> values;
  int64_t folded = 0;  // values added into kOtherValue here (beyond the top ones)
};

// What the answer is computed from, in a form that merges exactly across partitions
// (insights_merge.h): each value's figures over the span and, with compare, the span
// before, as the daily counters hold them (before ranking and folding).
struct DimensionParts {
  std::map<std::string, DimensionFigures> now;
  std::map<std::string, DimensionFigures> before;
};
DimensionParts dimensionParts(const Metrics& metrics, const DimensionQuery& query);
// The top values, the rest folded, and trends, from `parts`: the one place they are
// decided, for one node and for a cluster (after the parts of every partition are added).
DimensionInsights dimensionInsightsFrom(DimensionParts parts, const DimensionQuery& query);

DimensionInsights dimensionInsights(const Metrics& metrics, const DimensionQuery& query);

}  // namespace rflow::engine
