// Stage figures and the at-risk forecast, from the aggregates and the open-entry index.
#include "engine/stage_insights.h"

#include <algorithm>
#include <map>

#include "engine/business_ages.h"
#include "engine/keys.h"
#include "engine/stages.h"

namespace rflow::engine {

namespace {

bool counted(const OpenEntryValue& value, const StageFilter& filter) {
  return std::any_of(value.labels.begin(), value.labels.end(), [&](const auto& label) {
    return label.first == filter.dimension && label.second == filter.value;
  });
}

struct Oldest {
  std::optional<int64_t> since;
  std::string calendar;  // the wait's, "" for none
};

// The oldest open entry of one stage: the first key of its index range (of one tracked
// value: the first whose value says it is counted under it).
store::Result<Oldest> oldestOpen(const store::Store& store, std::string_view workflow,
                                 std::string_view stage, const std::optional<StageFilter>& filter) {
  const std::string prefix = keys::stageSincePrefix(workflow, stage);
  Oldest oldest;
  store::Status scanned =
      store.scan(store::Column::kMeta, prefix, [&](std::string_view key, std::string_view value) {
        const auto entry = OpenEntryValue::decode(value);
        if (filter && (!entry || !counted(*entry, *filter))) return true;
        oldest.since = keys::readTime(key.substr(prefix.size()));
        if (entry) oldest.calendar = entry->calendar;
        return false;
      });
  if (!scanned.ok()) return scanned;
  return oldest;
}

// One open entry of the index: stage \0 since(8) \0 instance \0 request(8), after the
// workflow's prefix.
struct OpenEntry {
  std::string_view stage;
  std::string_view instance;
};
std::optional<OpenEntry> openEntry(std::string_view rest) {
  const size_t stage_end = rest.find('\0');
  // stage, '\0', 8 bytes, '\0', an instance of at least one byte, '\0', 8 bytes.
  if (stage_end == std::string_view::npos || rest.size() < stage_end + 1 + 8 + 1 + 1 + 1 + 8)
    return std::nullopt;
  const size_t instance_begin = stage_end + 1 + 8 + 1;
  return OpenEntry{rest.substr(0, stage_end),
                   rest.substr(instance_begin, rest.size() - 9 - instance_begin)};
}

}  // namespace

store::Result<StageParts> stageParts(const store::Store& store, const Metrics& metrics,
                                     const std::optional<std::string>& workflow,
                                     const std::optional<StageFilter>& filter) {
  StageParts parts;
  parts.figures =
      filter && workflow ? metrics.stages(*workflow, *filter) : metrics.stages(workflow);
  for (const StageFigures& f : parts.figures) {
    if (f.entered <= 0 || f.open <= 0) continue;
    auto oldest = oldestOpen(store, f.workflow, f.stage, filter);
    if (!oldest.ok()) return oldest.status();
    if (oldest.value().since)
      parts.oldest[f.workflow + '\0' + f.stage] = {*oldest.value().since,
                                                   std::move(oldest.value().calendar)};
  }
  return parts;
}

std::vector<StageInsight> stageInsightsFrom(const StageParts& parts, int64_t now) {
  std::vector<StageInsight> out;
  std::map<std::string, int64_t> workflow_total;
  BusinessClock clock;
  for (const StageFigures& f : parts.figures) {
    if (f.entered <= 0) continue;
    StageInsight s;
    s.workflow = f.workflow;
    s.stage = f.stage;
    s.entered = f.entered;
    s.open = f.open;
    s.ended = f.time.count;
    s.max = f.max;
    // Quantiles are interpolated inside fixed buckets; none can be past the longest wait.
    const auto capped = [&](std::optional<int64_t> q) {
      return q && s.ended > 0 ? std::optional<int64_t>(std::min(*q, s.max)) : q;
    };
    s.p50 = capped(f.time.quantile(0.5));
    s.p95 = capped(f.time.quantile(0.95));
    s.total = f.time.sum + std::max<int64_t>(0, f.open * now - f.open_since_sum);
    const auto oldest = parts.oldest.find(f.workflow + '\0' + f.stage);
    if (s.open > 0 && oldest != parts.oldest.end()) {
      s.oldest_open_since = oldest->second.since;
      const std::string& calendar = oldest->second.calendar;
      s.oldest_open_business_age = clock.between(calendar, *s.oldest_open_since, now);
      if (s.oldest_open_business_age) s.oldest_open_calendar = calendarName(calendar);
    }
    workflow_total[s.workflow] += s.total;
    out.push_back(std::move(s));
  }
  for (StageInsight& s : out) {
    const int64_t all = workflow_total[s.workflow];
    s.share = all > 0 ? static_cast<double>(s.total) / static_cast<double>(all) : 0;
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const StageInsight& a, const StageInsight& b) { return a.total > b.total; });
  return out;
}

store::Result<std::vector<StageInsight>> stageInsights(const store::Store& store,
                                                       const Metrics& metrics,
                                                       const std::optional<std::string>& workflow,
                                                       int64_t now,
                                                       const std::optional<StageFilter>& filter) {
  auto parts = stageParts(store, metrics, workflow, filter);
  if (!parts.ok()) return parts.status();
  return stageInsightsFrom(parts.value(), now);
}

Forecast forecastOf(const std::vector<StageFigures>& figures) {
  Forecast out;
  for (const StageFigures& f : figures) {
    if (f.remaining.count < kAtRiskMinHistory) continue;
    if (auto q = f.remaining.quantile(0.8)) out[f.workflow][f.stage] = {*q, f.remaining.count};
  }
  return out;
}

void orderAtRisk(std::vector<AtRiskInstance>& instances) {
  std::sort(instances.begin(), instances.end(),
            [](const AtRiskInstance& a, const AtRiskInstance& b) {
              return a.sla_end != b.sla_end ? a.sla_end < b.sla_end : a.instance < b.instance;
            });
}

store::Result<std::vector<AtRiskInstance>> atRisk(const store::Store& store, const Metrics& metrics,
                                                  const std::optional<std::string>& workflow,
                                                  int64_t now) {
  return atRiskWith(store, forecastOf(metrics.stages(workflow)), now);
}

store::Result<std::vector<AtRiskInstance>> atRiskWith(const store::Store& store,
                                                      const Forecast& forecast, int64_t now) {
  std::map<std::string, AtRiskInstance> by_instance;
  BusinessClock clock;
  for (const auto& entry_of_forecast : forecast) {
    // Named, not structured bindings: clang (the sanitizer build) refuses to capture
    // those in the lambda below.
    const std::string& name = entry_of_forecast.first;
    const auto& stages = entry_of_forecast.second;
    const std::string prefix = keys::stageSincePrefix(name);
    store::Status scanned =
        store.scan(store::Column::kMeta, prefix, [&](std::string_view key, std::string_view value) {
          const auto entry = openEntry(key.substr(prefix.size()));
          if (!entry) return true;
          const auto it = stages.find(entry->stage);
          if (it == stages.end()) return true;
          const auto open = OpenEntryValue::decode(value);
          if (!open || !open->sla_end) return true;  // no SLA
          const int64_t* created = &open->created;
          const std::optional<int64_t>& sla_end = open->sla_end;
          if (now >= *sla_end) return true;  // breached: no forecast
          // In a calendar the p80 is open time, so it ends where that much open time ends.
          const std::optional<int64_t> in_calendar =
              clock.add(open->sla_calendar, now, it->second.p80);
          const int64_t predicted = in_calendar.value_or(now + it->second.p80);
          if (predicted <= *sla_end) return true;
          AtRiskInstance& r = by_instance[std::string(entry->instance)];
          if (!r.instance.empty() && r.predicted_end >= predicted) return true;
          r = {std::string(entry->instance),
               name,
               std::string(entry->stage),
               *created,
               now - *created,
               predicted,
               *sla_end,
               it->second.history,
               {},
               std::nullopt};
          if (in_calendar) {
            r.calendar = calendarName(open->sla_calendar);
            r.elapsed_business = clock.between(open->sla_calendar, *created, now);
          }
          return true;
        });
    if (!scanned.ok()) return scanned;
  }
  std::vector<AtRiskInstance> out;
  for (auto& [id, r] : by_instance)
    out.push_back(std::move(r));
  orderAtRisk(out);
  return out;
}

}  // namespace rflow::engine
