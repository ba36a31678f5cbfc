// Adding the insights parts of several partitions together (insights_merge.h).
#include "engine/insights_merge.h"

#include <algorithm>
#include <map>

namespace rflow::engine {

namespace {

// Merges the list `from` into the list `to`, both sorted by `key`, adding items with
// equal keys with `add` and keeping the result sorted.
template <typename T, typename Key, typename Add>
void mergeSorted(std::vector<T>& to, const std::vector<T>& from, Key key, Add add) {
  for (const T& item : from) {
    auto it = std::lower_bound(to.begin(), to.end(), item,
                               [&](const T& a, const T& b) { return key(a) < key(b); });
    if (it != to.end() && key(*it) == key(item)) {
      add(*it, item);
    } else {
      to.insert(it, item);
    }
  }
}

template <typename Map>
void addCounts(Map& to, const Map& from) {
  for (const auto& [name, n] : from)
    to[name] += n;
}

void addWorkflow(WorkflowInsights& to, const WorkflowInsights& from) {
  addCounts(to.by_status, from.by_status);
  for (size_t i = 0; i < to.open_tasks_by_age.size(); ++i) {
    to.open_tasks_by_age[i] += from.open_tasks_by_age[i];
    to.open_tasks_by_business_age[i] += from.open_tasks_by_business_age[i];
  }
  to.open_tasks_in_calendar += from.open_tasks_in_calendar;
  addCounts(to.failed_by_kind, from.failed_by_kind);
  to.started += from.started;
  to.completed += from.completed;
  to.failed += from.failed;
  to.cancelled += from.cancelled;
  addHistogram(to.cycle, from.cycle);
  to.tasks_created += from.tasks_created;
  to.tasks_decided += from.tasks_decided;
  to.tasks_expired += from.tasks_expired;
  addHistogram(to.decision, from.decision);
  to.escalations += from.escalations;
  to.sla_breaches += from.sla_breaches;
  to.refusals += from.refusals;
}

void addConnector(ConnectorInsights& to, const ConnectorInsights& from) {
  to.answered += from.answered;
  to.retried += from.retried;
  to.failed += from.failed;
  addHistogram(to.latency, from.latency);
}

void addClassifier(ClassifierQuality& to, const ClassifierQuality& from) {
  to.labelled += from.labelled;
  to.below_threshold += from.below_threshold;
  to.no_model += from.no_model;
  to.learned += from.learned;
  to.compared += from.compared;
  to.agreed += from.agreed;
  for (const auto& [label, q] : from.labels) {
    LabelQuality& into = to.labels[label];
    into.predicted += q.predicted;
    into.learned += q.learned;
    into.agreed += q.agreed;
  }
}

void addStageFigures(StageFigures& to, const StageFigures& from) {
  to.entered += from.entered;
  to.open += from.open;
  to.open_since_sum += from.open_since_sum;
  addHistogram(to.time, from.time);
  to.max = std::max(to.max, from.max);
  addHistogram(to.remaining, from.remaining);
}

void addDimensions(std::map<std::string, DimensionFigures>& to,
                   const std::map<std::string, DimensionFigures>& from) {
  for (const auto& [value, figures] : from) {
    auto it = to.find(value);
    if (it == to.end()) {
      to.emplace(value, figures);
    } else {
      addDimensionFigures(it->second, figures);
    }
  }
}

}  // namespace

void addHistogram(Histogram& to, const Histogram& from) {
  if (to.counts.empty()) {
    to = from;
    return;
  }
  for (size_t i = 0; i < to.counts.size() && i < from.counts.size(); ++i)
    to.counts[i] += from.counts[i];
  to.count += from.count;
  to.sum += from.sum;
}

void addDimensionFigures(DimensionFigures& to, const DimensionFigures& from) {
  to.started += from.started;
  to.completed += from.completed;
  to.failed += from.failed;
  to.cancelled += from.cancelled;
  to.sla_breaches += from.sla_breaches;
  to.escalations += from.escalations;
  addHistogram(to.cycle, from.cycle);
  addCounts(to.outcomes, from.outcomes);
  for (const auto& [key, m] : from.measures) {
    DimensionFigures::Measure& into = to.measures[key];
    into.count += m.count;
    into.sum += m.sum;
  }
}

void mergeInsights(Insights& to, const Insights& from) {
  mergeSorted(
      to.workflows, from.workflows, [](const WorkflowInsights& w) { return w.workflow; },
      addWorkflow);
  mergeSorted(
      to.connectors, from.connectors, [](const ConnectorInsights& c) { return c.op; },
      addConnector);
  mergeSorted(
      to.cycle_series, from.cycle_series, [](const CyclePoint& p) { return p.hour_start; },
      [](CyclePoint& into, const CyclePoint& point) {
        Histogram cycle = std::move(into.cycle);
        addHistogram(cycle, point.cycle);
        into = cyclePoint(into.hour_start, std::move(cycle));
      });
}

void mergeClassifiers(std::vector<ClassifierQuality>& to,
                      const std::vector<ClassifierQuality>& from) {
  mergeSorted(
      to, from, [](const ClassifierQuality& q) { return std::pair(q.classifier, q.model); },
      addClassifier);
}

void mergeStageFigures(std::vector<StageFigures>& to, const std::vector<StageFigures>& from) {
  mergeSorted(
      to, from, [](const StageFigures& f) { return std::pair(f.workflow, f.stage); },
      addStageFigures);
}

void mergeStageParts(StageParts& to, const StageParts& from) {
  mergeStageFigures(to.figures, from.figures);
  for (const auto& [stage, oldest] : from.oldest) {
    auto [it, fresh] = to.oldest.emplace(stage, oldest);
    if (!fresh && oldest.since < it->second.since) it->second = oldest;
  }
}

void mergeDimensionParts(DimensionParts& to, const DimensionParts& from) {
  addDimensions(to.now, from.now);
  addDimensions(to.before, from.before);
}

}  // namespace rflow::engine
