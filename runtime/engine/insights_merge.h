// Merging the insights of several partitions (docs/cluster.md "Insights"): a cluster's
// answer is computed from the parts of every partition added together, with the same
// code one node uses on its own parts (metrics.h, stage_insights.h, dimension_insights.h),
// so one partition's answer merged alone equals its own.
//
// Invariants:
//   - Exact: counts and sums add, histograms add bucket by bucket (their bounds are fixed,
//     histogram.h), maxima take the larger and oldest open waits the older. Quantiles are
//     never merged: they are computed after, from the merged buckets.
//   - Order-free: merging a into b or b into a gives the same parts, and the lists stay in
//     the order one node gives them (workflows and connectors by name, hours oldest first,
//     stages by workflow then stage, classifiers by name then model).
#pragma once

#include <vector>

#include "engine/dimension_insights.h"
#include "engine/metrics.h"
#include "engine/stage_insights.h"

namespace rflow::engine {

// Adds `from`'s buckets, count and sum into `to` (an empty `to` takes `from`'s bounds).
void addHistogram(Histogram& to, const Histogram& from);

// Adds `from` into `to`: workflows by name, connectors by op, the hourly cycle series by
// hour (each point's quantiles computed again from its merged histogram). `to`'s window
// (since, now) is kept.
void mergeInsights(Insights& to, const Insights& from);
// One value's figures (of one partition, or folded into kOtherValue) added into another's.
void addDimensionFigures(DimensionFigures& to, const DimensionFigures& from);
void mergeClassifiers(std::vector<ClassifierQuality>& to,
                      const std::vector<ClassifierQuality>& from);
void mergeStageFigures(std::vector<StageFigures>& to, const std::vector<StageFigures>& from);
void mergeStageParts(StageParts& to, const StageParts& from);
void mergeDimensionParts(DimensionParts& to, const DimensionParts& from);

}  // namespace rflow::engine
