// The insights answers' parts: merging, rendering and their JSON form (insights_parts.h).
#include "service/insights_parts.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/time_text.h"
#include "engine/insights_merge.h"
#include "service/views.h"

namespace rflow::service {

using nlohmann::json;

namespace {

json rate(int64_t part, int64_t whole) {
  return whole > 0 ? json(static_cast<double>(part) / static_cast<double>(whole)) : json(nullptr);
}

json msOrNull(const std::optional<int64_t>& ms) {
  return ms ? json(*ms) : json(nullptr);
}

// 1234500 (1/10,000) -> "123.45".
std::string scaledText(int64_t scaled) {
  const bool negative = scaled < 0;
  const uint64_t magnitude =
      negative ? uint64_t{0} - static_cast<uint64_t>(scaled) : static_cast<uint64_t>(scaled);
  const uint64_t scale = static_cast<uint64_t>(engine::kMeasureScale);
  std::string fraction = fmt::format("{:04}", magnitude % scale);
  while (!fraction.empty() && fraction.back() == '0')
    fraction.pop_back();
  std::string out = fmt::format("{}{}", negative ? "-" : "", magnitude / scale);
  if (!fraction.empty()) out += "." + fraction;
  return out;
}

// ---- The public answers ----

json workflowInsightsJson(const engine::WorkflowInsights& w, json& backlog) {
  json by_status = json::object();
  for (const auto& [status, n] : w.by_status)
    by_status[status] = n;
  json ages = json::object();
  json business_ages = json::object();
  for (size_t i = 0; i < kTaskAgeNames.size(); ++i) {
    ages[std::string(kTaskAgeNames[i])] = w.open_tasks_by_age[i];
    business_ages[std::string(kTaskAgeNames[i])] = w.open_tasks_by_business_age[i];
  }
  json failed = json::object();
  for (const auto& [kind, n] : w.failed_by_kind) {
    failed[kind] = n;
    backlog[kind] = backlog.value(kind, int64_t{0}) + n;
  }
  return {{"workflow", w.workflow},
          {"instances", std::move(by_status)},
          {"started", w.started},
          {"completed", w.completed},
          {"failed", w.failed},
          {"cancelled", w.cancelled},
          {"cycle_time_ms", quantilesJson(w.cycle)},
          {"tasks",
           {{"created", w.tasks_created},
            {"decided", w.tasks_decided},
            {"expired", w.tasks_expired},
            {"open_by_age", std::move(ages)},
            {"open_by_business_age", std::move(business_ages)},
            {"open_in_calendar", w.open_tasks_in_calendar}}},
          {"time_to_decision_ms", quantilesJson(w.decision)},
          {"escalations", w.escalations},
          {"escalation_rate", rate(w.escalations, w.tasks_created)},
          {"sla_breaches", w.sla_breaches},
          {"policy_refusals", w.refusals},
          {"failed_backlog", std::move(failed)}};
}

json figuresJson(const engine::DimensionFigures& d,
                 const std::map<std::string, std::string>& kinds) {
  json outcomes = json::object();
  for (const auto& [member, n] : d.outcomes)
    outcomes[member] = n;
  json measures = json::object();
  for (const auto& [key, sum] : d.measures) {
    const auto& [name, currency] = key;
    json entry = {{"count", sum.count},
                  {"sum", scaledText(sum.sum)},
                  {"mean", sum.count > 0 ? json(scaledText(sum.sum / sum.count)) : json(nullptr)}};
    if (!currency.empty()) entry["currency"] = currency;
    if (auto kind = kinds.find(name); kind != kinds.end()) entry["kind"] = kind->second;
    // A measure kept in two currencies over time (a deployment changed it) is listed once
    // per currency.
    const std::string shown = measures.contains(name) ? name + " " + currency : name;
    measures[shown] = std::move(entry);
  }
  return {{"started", d.started},
          {"completed", d.completed},
          {"failed", d.failed},
          {"cancelled", d.cancelled},
          {"sla_breaches", d.sla_breaches},
          {"escalations", d.escalations},
          {"cycle_time_ms", quantilesJson(d.cycle)},
          {"outcomes", std::move(outcomes)},
          {"measures", std::move(measures)}};
}

json byJson(const InsightsParts::By& by) {
  const engine::DimensionQuery& query = by.query;
  const engine::DimensionInsights found = engine::dimensionInsightsFrom(by.parts, query);
  json values = json::array();
  for (const engine::DimensionValueInsights& v : found.values) {
    json entry = figuresJson(v.figures, by.measure_kinds);
    entry["value"] = v.figures.value;
    if (v.before) {
      entry["previous"] = figuresJson(*v.before, by.measure_kinds);
      entry["trend"] = engine::trendName(v.trend);
    }
    values.push_back(std::move(entry));
  }
  json out = {{"workflow", query.workflow},
              {"dimension", query.dimension},
              {"from", base::formatTime(query.from_day * engine::kDayMs)},
              {"to", base::formatTime(query.to_day * engine::kDayMs)},
              {"values", std::move(values)},
              {"values_folded", found.folded},
              {"max_values", engine::kTopDimensionValues}};
  if (by.period) {
    const int64_t days = query.to_day - query.from_day;
    out["period"] = *by.period;
    out["previous_from"] = base::formatTime((query.from_day - days) * engine::kDayMs);
  }
  return out;
}

// ---- The JSON form of the parts ----

json histogramJson(const engine::Histogram& h) {
  return {{"bounds", h.bounds}, {"counts", h.counts}, {"count", h.count}, {"sum", h.sum}};
}
engine::Histogram histogramOf(const json& j) {
  engine::Histogram h;
  h.bounds = j.at("bounds").get<std::vector<int64_t>>();
  h.counts = j.at("counts").get<std::vector<int64_t>>();
  h.count = j.at("count").get<int64_t>();
  h.sum = j.at("sum").get<int64_t>();
  if (h.counts.size() != h.bounds.size() + 1)
    throw std::invalid_argument("a histogram's counts are one more than its bounds");
  return h;
}

json workflowPartsJson(const engine::WorkflowInsights& w) {
  return {{"workflow", w.workflow},
          {"by_status", w.by_status},
          {"open_by_age", w.open_tasks_by_age},
          {"open_by_business_age", w.open_tasks_by_business_age},
          {"open_in_calendar", w.open_tasks_in_calendar},
          {"failed_by_kind", w.failed_by_kind},
          {"started", w.started},
          {"completed", w.completed},
          {"failed", w.failed},
          {"cancelled", w.cancelled},
          {"cycle", histogramJson(w.cycle)},
          {"tasks_created", w.tasks_created},
          {"tasks_decided", w.tasks_decided},
          {"tasks_expired", w.tasks_expired},
          {"decision", histogramJson(w.decision)},
          {"escalations", w.escalations},
          {"sla_breaches", w.sla_breaches},
          {"refusals", w.refusals}};
}
engine::WorkflowInsights workflowPartsOf(const json& j) {
  engine::WorkflowInsights w;
  w.workflow = j.at("workflow").get<std::string>();
  w.by_status = j.at("by_status").get<std::map<std::string, int64_t>>();
  w.open_tasks_by_age = j.at("open_by_age").get<std::array<int64_t, 4>>();
  w.open_tasks_by_business_age = j.at("open_by_business_age").get<std::array<int64_t, 4>>();
  w.open_tasks_in_calendar = j.at("open_in_calendar").get<int64_t>();
  w.failed_by_kind = j.at("failed_by_kind").get<std::map<std::string, int64_t>>();
  w.started = j.at("started").get<int64_t>();
  w.completed = j.at("completed").get<int64_t>();
  w.failed = j.at("failed").get<int64_t>();
  w.cancelled = j.at("cancelled").get<int64_t>();
  w.cycle = histogramOf(j.at("cycle"));
  w.tasks_created = j.at("tasks_created").get<int64_t>();
  w.tasks_decided = j.at("tasks_decided").get<int64_t>();
  w.tasks_expired = j.at("tasks_expired").get<int64_t>();
  w.decision = histogramOf(j.at("decision"));
  w.escalations = j.at("escalations").get<int64_t>();
  w.sla_breaches = j.at("sla_breaches").get<int64_t>();
  w.refusals = j.at("refusals").get<int64_t>();
  return w;
}

json classifierPartsJson(const engine::ClassifierQuality& q) {
  json labels = json::object();
  for (const auto& [name, l] : q.labels)
    labels[name] = {l.predicted, l.learned, l.agreed};
  return {{"classifier", q.classifier}, {"model", q.model},
          {"labelled", q.labelled},     {"below_threshold", q.below_threshold},
          {"no_model", q.no_model},     {"learned", q.learned},
          {"compared", q.compared},     {"agreed", q.agreed},
          {"labels", std::move(labels)}};
}
engine::ClassifierQuality classifierPartsOf(const json& j) {
  engine::ClassifierQuality q;
  q.classifier = j.at("classifier").get<std::string>();
  q.model = j.at("model").get<std::string>();
  q.labelled = j.at("labelled").get<int64_t>();
  q.below_threshold = j.at("below_threshold").get<int64_t>();
  q.no_model = j.at("no_model").get<int64_t>();
  q.learned = j.at("learned").get<int64_t>();
  q.compared = j.at("compared").get<int64_t>();
  q.agreed = j.at("agreed").get<int64_t>();
  for (const auto& [name, l] : j.at("labels").items()) {
    const auto n = l.get<std::array<int64_t, 3>>();
    q.labels[name] = {n[0], n[1], n[2]};
  }
  return q;
}

json breakerJson(const runtime::BreakerView& b) {
  return {{"connector", b.connector},
          {"state", static_cast<int>(b.state)},
          {"consecutive_failures", b.consecutive_failures},
          {"retry_in_ms", b.retry_in_ms},
          {"attempts", b.attempts},
          {"failures", b.failures},
          {"rejected", b.rejected},
          {"opened", b.opened}};
}
runtime::BreakerView breakerOf(const json& j) {
  runtime::BreakerView b;
  b.connector = j.at("connector").get<std::string>();
  const int state = j.at("state").get<int>();
  if (state < 0 || state > 2) throw std::invalid_argument("a breaker's state is 0, 1 or 2");
  b.state = static_cast<runtime::BreakerState>(state);
  b.consecutive_failures = j.at("consecutive_failures").get<uint32_t>();
  b.retry_in_ms = j.at("retry_in_ms").get<int64_t>();
  b.attempts = j.at("attempts").get<uint64_t>();
  b.failures = j.at("failures").get<uint64_t>();
  b.rejected = j.at("rejected").get<uint64_t>();
  b.opened = j.at("opened").get<uint64_t>();
  return b;
}

json dimensionMapJson(const std::map<std::string, engine::DimensionFigures>& values) {
  json out = json::array();
  for (const auto& [value, d] : values) {
    json measures = json::array();
    for (const auto& [key, m] : d.measures)
      measures.push_back({key.first, key.second, m.count, m.sum});
    out.push_back(
        {{"value", value},
         {"counts", {d.started, d.completed, d.failed, d.cancelled, d.sla_breaches, d.escalations}},
         {"cycle", histogramJson(d.cycle)},
         {"outcomes", d.outcomes},
         {"measures", std::move(measures)}});
  }
  return out;
}
std::map<std::string, engine::DimensionFigures> dimensionMapOf(const json& j) {
  std::map<std::string, engine::DimensionFigures> out;
  for (const json& e : j) {
    engine::DimensionFigures d;
    d.value = e.at("value").get<std::string>();
    const auto n = e.at("counts").get<std::array<int64_t, 6>>();
    d.started = n[0];
    d.completed = n[1];
    d.failed = n[2];
    d.cancelled = n[3];
    d.sla_breaches = n[4];
    d.escalations = n[5];
    d.cycle = histogramOf(e.at("cycle"));
    d.outcomes = e.at("outcomes").get<std::map<std::string, int64_t>>();
    for (const json& m : e.at("measures")) {
      d.measures[{m.at(0).get<std::string>(), m.at(1).get<std::string>()}] = {
          m.at(2).get<int64_t>(), m.at(3).get<int64_t>()};
    }
    std::string value = d.value;
    out.emplace(std::move(value), std::move(d));
  }
  return out;
}

json stageFiguresJson(const std::vector<engine::StageFigures>& figures) {
  json out = json::array();
  for (const engine::StageFigures& f : figures)
    out.push_back({{"workflow", f.workflow},
                   {"stage", f.stage},
                   {"entered", f.entered},
                   {"open", f.open},
                   {"open_since_sum", f.open_since_sum},
                   {"time", histogramJson(f.time)},
                   {"max", f.max},
                   {"remaining", histogramJson(f.remaining)}});
  return out;
}
std::vector<engine::StageFigures> stageFiguresOf(const json& j) {
  std::vector<engine::StageFigures> out;
  for (const json& e : j)
    out.push_back({e.at("workflow").get<std::string>(), e.at("stage").get<std::string>(),
                   e.at("entered").get<int64_t>(), e.at("open").get<int64_t>(),
                   e.at("open_since_sum").get<int64_t>(), histogramOf(e.at("time")),
                   e.at("max").get<int64_t>(), histogramOf(e.at("remaining"))});
  return out;
}

// Runs `decode`, turning any shape error into a sentence.
template <typename T, typename Decode>
std::variant<T, std::string> decoded(std::string_view what, Decode decode) {
  try {
    return decode();
  } catch (const std::exception& e) {
    return fmt::format("not the parts of {}: {}", what, e.what());
  }
}

}  // namespace

// ---- GET /v1/insights ----

void mergeParts(InsightsParts& to, const InsightsParts& from) {
  engine::mergeInsights(to.insights, from.insights);
  engine::mergeClassifiers(to.classifiers, from.classifiers);
  // Another node's breakers (PartitionRouter keeps one node's once): a connector's counts
  // add; it shows the worst state any node has it in (open, then half-open), with the
  // longest streak and wait.
  const auto severity = [](runtime::BreakerState s) {
    return s == runtime::BreakerState::kOpen ? 2 : s == runtime::BreakerState::kHalfOpen ? 1 : 0;
  };
  for (const runtime::BreakerView& b : from.breakers) {
    auto it =
        std::find_if(to.breakers.begin(), to.breakers.end(),
                     [&](const runtime::BreakerView& t) { return t.connector == b.connector; });
    if (it == to.breakers.end()) {
      to.breakers.push_back(b);
      continue;
    }
    if (severity(b.state) > severity(it->state)) it->state = b.state;
    it->consecutive_failures = std::max(it->consecutive_failures, b.consecutive_failures);
    it->retry_in_ms = std::max(it->retry_in_ms, b.retry_in_ms);
    it->attempts += b.attempts;
    it->failures += b.failures;
    it->rejected += b.rejected;
    it->opened += b.opened;
  }
  std::stable_sort(to.breakers.begin(), to.breakers.end(),
                   [](const auto& a, const auto& b) { return a.connector < b.connector; });
  to.writable = to.writable && from.writable;
  to.stalled_work += from.stalled_work;
  if (to.by && from.by) engine::mergeDimensionParts(to.by->parts, from.by->parts);
}

json insightsJson(const InsightsParts& parts) {
  const engine::Insights& in = parts.insights;
  json workflows = json::array();
  json backlog = json::object();
  for (const engine::WorkflowInsights& w : in.workflows)
    workflows.push_back(workflowInsightsJson(w, backlog));
  json connectors = json::array();
  for (const engine::ConnectorInsights& c : in.connectors) {
    const int64_t attempts = c.answered + c.retried + c.failed;
    connectors.push_back({{"op", c.op},
                          {"calls", attempts},
                          {"failures", c.retried + c.failed},
                          {"failed_calls", c.failed},
                          {"failure_rate", rate(c.retried + c.failed, attempts)},
                          {"latency_ms", quantilesJson(c.latency)}});
  }
  json breakers = json::array();
  for (const runtime::BreakerView& b : parts.breakers) {
    breakers.push_back({{"connector", b.connector},
                        {"state", runtime::breakerStateName(b.state)},
                        {"consecutive_failures", b.consecutive_failures},
                        {"retry_in_ms", b.retry_in_ms},
                        {"attempts", b.attempts},
                        {"failures", b.failures},
                        {"rejected", b.rejected},
                        {"opened", b.opened}});
  }
  json series = json::array();
  for (const engine::CyclePoint& p : in.cycle_series) {
    series.push_back({{"hour", base::formatTime(p.hour_start)},
                      {"completed", p.completed},
                      {"p50_ms", p.p50 ? json(*p.p50) : json(nullptr)},
                      {"p95_ms", p.p95 ? json(*p.p95) : json(nullptr)}});
  }
  // Triage quality per classifier and model. Not narrowed by `workflow` (a classifier
  // belongs to a module, not to the workflows that call it) nor by `since` (the engine
  // counts it since the store began): the same figures whatever the filters.
  json classifiers = json::array();
  for (const engine::ClassifierQuality& q : parts.classifiers)
    classifiers.push_back(classifierQualityJson(q));
  json out{{"since", base::formatTime(in.since)},
           {"now", base::formatTime(in.now)},
           {"workflows", std::move(workflows)},
           {"connectors", std::move(connectors)},
           {"circuit_breakers", std::move(breakers)},
           {"cycle_time_series", std::move(series)},
           {"failed_backlog", std::move(backlog)},
           {"classifiers", std::move(classifiers)},
           // Whether the store takes writes: while it does not, new work is answered
           // 503 and steps that could not be committed wait (stalled) to be retried.
           {"storage", {{"writable", parts.writable}, {"stalled_work", parts.stalled_work}}}};
  if (parts.by) out["by"] = byJson(*parts.by);
  return out;
}

json partsJson(const InsightsParts& parts) {
  const engine::Insights& in = parts.insights;
  json workflows = json::array();
  for (const engine::WorkflowInsights& w : in.workflows)
    workflows.push_back(workflowPartsJson(w));
  json connectors = json::array();
  for (const engine::ConnectorInsights& c : in.connectors)
    connectors.push_back({{"op", c.op},
                          {"answered", c.answered},
                          {"retried", c.retried},
                          {"failed", c.failed},
                          {"latency", histogramJson(c.latency)}});
  json series = json::array();
  for (const engine::CyclePoint& p : in.cycle_series)
    series.push_back({{"hour", p.hour_start}, {"cycle", histogramJson(p.cycle)}});
  json classifiers = json::array();
  for (const engine::ClassifierQuality& q : parts.classifiers)
    classifiers.push_back(classifierPartsJson(q));
  json breakers = json::array();
  for (const runtime::BreakerView& b : parts.breakers)
    breakers.push_back(breakerJson(b));
  json out{{"since", in.since},
           {"now", in.now},
           {"workflows", std::move(workflows)},
           {"connectors", std::move(connectors)},
           {"cycle_series", std::move(series)},
           {"classifiers", std::move(classifiers)},
           {"breakers", std::move(breakers)},
           {"writable", parts.writable},
           {"stalled_work", parts.stalled_work}};
  if (parts.by) {
    const engine::DimensionQuery& q = parts.by->query;
    out["by"] = {{"workflow", q.workflow},
                 {"dimension", q.dimension},
                 {"from_day", q.from_day},
                 {"to_day", q.to_day},
                 {"compare", q.compare},
                 {"period", parts.by->period ? json(*parts.by->period) : json(nullptr)},
                 {"measure_kinds", parts.by->measure_kinds},
                 {"now", dimensionMapJson(parts.by->parts.now)},
                 {"before", dimensionMapJson(parts.by->parts.before)}};
  }
  return out;
}

std::variant<InsightsParts, std::string> insightsPartsOf(const json& j) {
  return decoded<InsightsParts>("GET /v1/insights", [&] {
    InsightsParts parts;
    engine::Insights& in = parts.insights;
    in.since = j.at("since").get<int64_t>();
    in.now = j.at("now").get<int64_t>();
    for (const json& w : j.at("workflows"))
      in.workflows.push_back(workflowPartsOf(w));
    for (const json& c : j.at("connectors"))
      in.connectors.push_back({c.at("op").get<std::string>(), c.at("answered").get<int64_t>(),
                               c.at("retried").get<int64_t>(), c.at("failed").get<int64_t>(),
                               histogramOf(c.at("latency"))});
    for (const json& p : j.at("cycle_series"))
      in.cycle_series.push_back(
          engine::cyclePoint(p.at("hour").get<int64_t>(), histogramOf(p.at("cycle"))));
    for (const json& q : j.at("classifiers"))
      parts.classifiers.push_back(classifierPartsOf(q));
    for (const json& b : j.at("breakers"))
      parts.breakers.push_back(breakerOf(b));
    parts.writable = j.at("writable").get<bool>();
    parts.stalled_work = j.at("stalled_work").get<int64_t>();
    if (j.contains("by")) {
      const json& b = j.at("by");
      InsightsParts::By by;
      by.query.workflow = b.at("workflow").get<std::string>();
      by.query.dimension = b.at("dimension").get<std::string>();
      by.query.from_day = b.at("from_day").get<int64_t>();
      by.query.to_day = b.at("to_day").get<int64_t>();
      by.query.compare = b.at("compare").get<bool>();
      if (b.at("period").is_string()) by.period = b.at("period").get<std::string>();
      by.measure_kinds = b.at("measure_kinds").get<std::map<std::string, std::string>>();
      by.parts.now = dimensionMapOf(b.at("now"));
      by.parts.before = dimensionMapOf(b.at("before"));
      parts.by = std::move(by);
    }
    return parts;
  });
}

// ---- GET /v1/insights/stages ----

void mergeParts(StagesParts& to, const StagesParts& from) {
  engine::mergeStageParts(to.parts, from.parts);
}

json stagesJson(const StagesParts& parts) {
  const int64_t now = parts.now;
  int64_t all = 0;
  json stages = json::array();
  for (const engine::StageInsight& s : engine::stageInsightsFrom(parts.parts, now)) {
    all += s.total;
    stages.push_back(
        {{"stage", s.stage},
         {"workflow", s.workflow},
         {"entered", s.entered},
         {"open", s.open},
         {"oldest_open", timeOrNull(s.oldest_open_since)},
         {"oldest_open_age_ms", s.oldest_open_since ? json(now - *s.oldest_open_since) : json()},
         {"oldest_open_calendar",
          s.oldest_open_calendar.empty() ? json(nullptr) : json(s.oldest_open_calendar)},
         {"oldest_open_business_age_ms", msOrNull(s.oldest_open_business_age)},
         {"time_in_stage_ms",
          {{"count", s.ended},
           {"p50", msOrNull(s.p50)},
           {"p95", msOrNull(s.p95)},
           {"max", s.ended > 0 ? json(s.max) : json(nullptr)}}},
         {"total_ms", s.total},
         {"share", s.share}});
  }
  json out{{"workflow", parts.workflow},
           {"now", base::formatTime(now)},
           {"total_ms", all},
           {"stages", std::move(stages)}};
  if (parts.filter) {
    out["by"] = parts.filter->dimension;
    out["value"] = parts.filter->value;
  }
  return out;
}

json partsJson(const StagesParts& parts) {
  json oldest = json::array();
  for (const auto& [stage, o] : parts.parts.oldest)
    oldest.push_back({stage, o.since, o.calendar});
  json out{{"workflow", parts.workflow},
           {"now", parts.now},
           {"figures", stageFiguresJson(parts.parts.figures)},
           {"oldest", std::move(oldest)}};
  if (parts.filter) out["filter"] = {parts.filter->dimension, parts.filter->value};
  return out;
}

std::variant<StagesParts, std::string> stagesPartsOf(const json& j) {
  return decoded<StagesParts>("GET /v1/insights/stages", [&] {
    StagesParts parts;
    parts.workflow = j.at("workflow").get<std::string>();
    parts.now = j.at("now").get<int64_t>();
    parts.parts.figures = stageFiguresOf(j.at("figures"));
    for (const json& o : j.at("oldest"))
      parts.parts.oldest[o.at(0).get<std::string>()] = {o.at(1).get<int64_t>(),
                                                        o.at(2).get<std::string>()};
    if (j.contains("filter"))
      parts.filter = engine::StageFilter{j.at("filter").at(0).get<std::string>(),
                                         j.at("filter").at(1).get<std::string>()};
    return parts;
  });
}

// ---- GET /v1/insights/at-risk ----

json partsJson(const ForecastParts& parts) {
  return {{"figures", stageFiguresJson(parts.figures)}};
}

std::variant<ForecastParts, std::string> forecastPartsOf(const json& j) {
  return decoded<ForecastParts>("GET /v1/insights/at-risk",
                                [&] { return ForecastParts{stageFiguresOf(j.at("figures"))}; });
}

json forecastJson(const engine::Forecast& forecast) {
  json out = json::array();
  for (const auto& [workflow, stages] : forecast)
    for (const auto& [stage, basis] : stages)
      out.push_back({workflow, stage, basis.p80, basis.history});
  return out;
}

std::variant<engine::Forecast, std::string> forecastOf(const json& j) {
  return decoded<engine::Forecast>("an at-risk forecast", [&] {
    engine::Forecast out;
    for (const json& e : j)
      out[e.at(0).get<std::string>()][e.at(1).get<std::string>()] = {e.at(2).get<int64_t>(),
                                                                     e.at(3).get<int64_t>()};
    return out;
  });
}

void mergeParts(AtRiskParts& to, const AtRiskParts& from) {
  to.instances.insert(to.instances.end(), from.instances.begin(), from.instances.end());
  engine::orderAtRisk(to.instances);
}

json atRiskJson(const AtRiskParts& parts) {
  json instances = json::array();
  for (const engine::AtRiskInstance& r : parts.instances) {
    instances.push_back({{"id", r.instance},
                         {"workflow", r.workflow},
                         {"stage", r.stage},
                         {"started", base::formatTime(r.started)},
                         {"elapsed_ms", r.elapsed},
                         {"calendar", r.calendar.empty() ? json(nullptr) : json(r.calendar)},
                         {"elapsed_business_ms", msOrNull(r.elapsed_business)},
                         {"predicted_end", base::formatTime(r.predicted_end)},
                         {"sla_end", base::formatTime(r.sla_end)},
                         {"history", r.history}});
  }
  return json{{"now", base::formatTime(parts.now)},
              {"min_history", engine::kAtRiskMinHistory},
              {"instances", std::move(instances)}};
}

json partsJson(const AtRiskParts& parts) {
  json instances = json::array();
  for (const engine::AtRiskInstance& r : parts.instances)
    instances.push_back({r.instance, r.workflow, r.stage, r.started, r.elapsed, r.predicted_end,
                         r.sla_end, r.history, r.calendar, msOrNull(r.elapsed_business)});
  return {{"now", parts.now}, {"instances", std::move(instances)}};
}

std::variant<AtRiskParts, std::string> atRiskPartsOf(const json& j) {
  return decoded<AtRiskParts>("GET /v1/insights/at-risk", [&] {
    AtRiskParts parts;
    parts.now = j.at("now").get<int64_t>();
    for (const json& r : j.at("instances")) {
      engine::AtRiskInstance a{r.at(0).get<std::string>(), r.at(1).get<std::string>(),
                               r.at(2).get<std::string>(), r.at(3).get<int64_t>(),
                               r.at(4).get<int64_t>(),     r.at(5).get<int64_t>(),
                               r.at(6).get<int64_t>(),     r.at(7).get<int64_t>(),
                               r.at(8).get<std::string>(), std::nullopt};
      if (!r.at(9).is_null()) a.elapsed_business = r.at(9).get<int64_t>();
      parts.instances.push_back(std::move(a));
    }
    return parts;
  });
}

}  // namespace rflow::service
