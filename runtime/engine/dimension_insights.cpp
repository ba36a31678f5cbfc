// Insights per tracked value: the top values, the rest folded, trends.
#include "engine/dimension_insights.h"

#include <algorithm>

#include "engine/insights_merge.h"

namespace rflow::engine {

namespace {

DimensionFigures emptyLike(const std::string& value, const DimensionFigures& shape) {
  DimensionFigures out;
  out.value = value;
  out.cycle.bounds = shape.cycle.bounds;
  out.cycle.counts.assign(shape.cycle.counts.size(), 0);
  return out;
}

}  // namespace

const char* trendName(Trend trend) {
  switch (trend) {
    case Trend::kRising:
      return "rising";
    case Trend::kFalling:
      return "falling";
    case Trend::kSteady:
      break;
  }
  return "steady";
}

Trend trendOf(int64_t before, int64_t now) {
  const auto share = [](int64_t base) { return kTrendShare * static_cast<double>(base); };
  if (now - before >= kTrendMinInstances && static_cast<double>(now - before) >= share(before))
    return Trend::kRising;
  if (before - now >= kTrendMinInstances && static_cast<double>(before - now) >= share(before))
    return Trend::kFalling;
  return Trend::kSteady;
}

DimensionParts dimensionParts(const Metrics& metrics, const DimensionQuery& query) {
  DimensionParts parts;
  parts.now = metrics.byDimension(query.workflow, query.dimension, query.from_day, query.to_day);
  if (query.compare) {
    const int64_t span = query.to_day - query.from_day;
    parts.before =
        metrics.byDimension(query.workflow, query.dimension, query.from_day - span, query.from_day);
  }
  return parts;
}

DimensionInsights dimensionInsights(const Metrics& metrics, const DimensionQuery& query) {
  return dimensionInsightsFrom(dimensionParts(metrics, query), query);
}

DimensionInsights dimensionInsightsFrom(DimensionParts parts, const DimensionQuery& query) {
  std::map<std::string, DimensionFigures>& now = parts.now;
  const std::map<std::string, DimensionFigures>& before = parts.before;
  if (query.compare) {
    // A value seen only before the span is listed too: it fell to nothing.
    for (const auto& [value, figures] : before) {
      if (!now.contains(value)) now.emplace(value, emptyLike(value, figures));
    }
  }
  std::vector<DimensionFigures*> ranked;
  for (auto& [value, figures] : now) {
    if (value != kOtherValue) ranked.push_back(&figures);
  }
  std::stable_sort(
      ranked.begin(), ranked.end(),
      [](const DimensionFigures* a, const DimensionFigures* b) { return a->started > b->started; });
  DimensionInsights out;
  std::optional<DimensionValueInsights> other;
  const auto into_other = [&](const DimensionFigures& figures, const DimensionFigures* earlier) {
    if (!other) {
      other.emplace();
      other->figures = emptyLike(std::string(kOtherValue), figures);
      if (query.compare) other->before = emptyLike(std::string(kOtherValue), figures);
    }
    addDimensionFigures(other->figures, figures);
    if (earlier && other->before) addDimensionFigures(*other->before, *earlier);
  };
  const auto earlier_of = [&](const std::string& value) -> const DimensionFigures* {
    const auto it = before.find(value);
    return it == before.end() ? nullptr : &it->second;
  };
  for (size_t i = 0; i < ranked.size(); ++i) {
    const DimensionFigures& figures = *ranked[i];
    if (i >= kTopDimensionValues) {
      into_other(figures, earlier_of(figures.value));
      ++out.folded;
      continue;
    }
    DimensionValueInsights v;
    v.figures = figures;
    if (query.compare) {
      const DimensionFigures* earlier = earlier_of(figures.value);
      v.before = earlier ? *earlier : emptyLike(figures.value, figures);
      v.trend = trendOf(v.before->started, figures.started);
    }
    out.values.push_back(std::move(v));
  }
  if (auto it = now.find(std::string(kOtherValue)); it != now.end())
    into_other(it->second, earlier_of(std::string(kOtherValue)));
  if (other) {
    if (other->before) other->trend = trendOf(other->before->started, other->figures.started);
    out.values.push_back(std::move(*other));
  }
  return out;
}

}  // namespace rflow::engine
