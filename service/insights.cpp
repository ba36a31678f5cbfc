// Process intelligence (GET /v1/insights) and Prometheus metrics (GET /metrics), both
// rendered from the engine's aggregates (engine/metrics.h), classifiers' triage quality
// included: the cost of a request depends on the number of workflows, ops, hours and
// classifiers' models, never on the number of instances.
#include <fmt/format.h>

#include <map>

#include "base/time_text.h"
#include "runtime/duration_text.h"
#include "service/service.h"
#include "service/views.h"

namespace rflow::service {

using nlohmann::json;

namespace {

constexpr int64_t kDefaultWindowMs = 7 * 24 * engine::kHourMs;

std::string label(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string seconds(int64_t ms) {
  return fmt::format("{}", static_cast<double>(ms) / 1000.0);
}

void histogramText(std::string& out, std::string_view name, std::string_view labels,
                   const engine::Histogram& h) {
  int64_t cumulative = 0;
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < h.counts.size(); ++i) {
    cumulative += h.counts[i];
    const std::string le = i < h.bounds.size() ? seconds(h.bounds[i]) : "+Inf";
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, le, cumulative);
  }
  out += fmt::format("{}_sum{{{}}} {}\n", name, labels, seconds(h.sum));
  out += fmt::format("{}_count{{{}}} {}\n", name, labels, h.count);
}

}  // namespace

std::variant<InsightsParts, ApiError> Service::insightsParts(
    const std::optional<std::string>& workflow, const std::optional<std::string>& since,
    const std::optional<std::string>& by, const std::optional<std::string>& period) const {
  engine::InsightsQuery query;
  query.now = engine_.clock().now();
  query.workflow = workflow;
  query.since = query.now - kDefaultWindowMs;
  if (period && !by)
    return ApiError{ApiError::Code::kBadRequest,
                    "`period`: compares the figures of each value of a tracked dimension with "
                    "the period before; add `by=…`"};
  if (since) {
    if (auto t = base::parseTime(*since)) {
      query.since = *t;
    } else {
      auto d = runtime::parseDurationText(*since);
      if (std::holds_alternative<std::string>(d))
        return ApiError{ApiError::Code::kBadRequest,
                        fmt::format("`since`: expected an RFC 3339 time "
                                    "(\"2027-01-15T08:00:00Z\") or a duration ago (\"24h\"), "
                                    "found \"{}\"",
                                    *since)};
      query.since = query.now - std::get<int64_t>(d);
    }
  }
  InsightsParts parts;
  if (by) {
    auto found = insightsBy(workflow, *by, since ? std::optional(query.since) : std::nullopt,
                            period, query.now);
    if (auto* error = std::get_if<ApiError>(&found)) return std::move(*error);
    parts.by = std::move(std::get<InsightsParts::By>(found));
  }
  parts.insights = engine_.insights(query);
  if (breakers_) parts.breakers = breakers_();
  parts.classifiers = engine_.classifierQuality();
  parts.writable = !engine_.storageFailing();
  parts.stalled_work = static_cast<int64_t>(engine_.stalledWork());
  return parts;
}

Outcome Service::insights(const std::optional<std::string>& workflow,
                          const std::optional<std::string>& since,
                          const std::optional<std::string>& by,
                          const std::optional<std::string>& period) const {
  auto parts = insightsParts(workflow, since, by, period);
  if (auto* error = std::get_if<ApiError>(&parts)) return std::move(*error);
  return insightsJson(std::get<InsightsParts>(parts));
}

std::string Service::metricsText() const {
  engine::InsightsQuery query;
  query.now = engine_.clock().now();
  query.since = INT64_MIN / 2;  // every hour ever counted: Prometheus counters never go down
  const engine::Insights in = engine_.insights(query);
  std::string out;
  const auto header = [&](std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  header("rflow_instances", "gauge", "Instances by workflow and current status.");
  for (const auto& w : in.workflows)
    for (const auto& [status, n] : w.by_status)
      out += fmt::format("rflow_instances{{workflow=\"{}\",status=\"{}\"}} {}\n", label(w.workflow),
                         status, n);
  header("rflow_instances_started_total", "counter", "Instances started.");
  for (const auto& w : in.workflows)
    out += fmt::format("rflow_instances_started_total{{workflow=\"{}\"}} {}\n", label(w.workflow),
                       w.started);
  header("rflow_instances_ended_total", "counter", "Instances that ended, by how.");
  for (const auto& w : in.workflows) {
    for (const auto& [status, n] : {std::pair<std::string_view, int64_t>{"Completed", w.completed},
                                    {"Failed", w.failed},
                                    {"Cancelled", w.cancelled}})
      out += fmt::format("rflow_instances_ended_total{{workflow=\"{}\",status=\"{}\"}} {}\n",
                         label(w.workflow), status, n);
  }
  header("rflow_instance_cycle_seconds", "histogram",
         "Time from start to completion of completed instances.");
  for (const auto& w : in.workflows)
    histogramText(out, "rflow_instance_cycle_seconds",
                  fmt::format("workflow=\"{}\"", label(w.workflow)), w.cycle);
  header("rflow_open_tasks", "gauge", "Open approvals and tasks by age.");
  for (const auto& w : in.workflows)
    for (size_t i = 0; i < kTaskAgeNames.size(); ++i)
      out += fmt::format("rflow_open_tasks{{workflow=\"{}\",age=\"{}\"}} {}\n", label(w.workflow),
                         kTaskAgeNames[i], w.open_tasks_by_age[i]);
  header("rflow_tasks_created_total", "counter", "Approvals and tasks created.");
  for (const auto& w : in.workflows)
    out += fmt::format("rflow_tasks_created_total{{workflow=\"{}\"}} {}\n", label(w.workflow),
                       w.tasks_created);
  header("rflow_task_decision_seconds", "histogram",
         "Time from a task's creation to its decision.");
  for (const auto& w : in.workflows)
    histogramText(out, "rflow_task_decision_seconds",
                  fmt::format("workflow=\"{}\"", label(w.workflow)), w.decision);
  header("rflow_escalations_total", "counter", "Escalations of open tasks.");
  for (const auto& w : in.workflows)
    out += fmt::format("rflow_escalations_total{{workflow=\"{}\"}} {}\n", label(w.workflow),
                       w.escalations);
  header("rflow_sla_breaches_total", "counter", "Instances that passed their SLA.");
  for (const auto& w : in.workflows)
    out += fmt::format("rflow_sla_breaches_total{{workflow=\"{}\"}} {}\n", label(w.workflow),
                       w.sla_breaches);
  header("rflow_policy_refusals_total", "counter", "Decisions refused by a policy.");
  for (const auto& w : in.workflows)
    out += fmt::format("rflow_policy_refusals_total{{workflow=\"{}\"}} {}\n", label(w.workflow),
                       w.refusals);
  header("rflow_failed_instances", "gauge", "Failed instances by error kind (the backlog).");
  for (const auto& w : in.workflows)
    for (const auto& [kind, n] : w.failed_by_kind)
      out += fmt::format("rflow_failed_instances{{workflow=\"{}\",kind=\"{}\"}} {}\n",
                         label(w.workflow), label(kind), n);
  header("rflow_connector_calls_total", "counter",
         "Connector call attempts by outcome: ok, retried (failed, tried again), failed.");
  for (const auto& c : in.connectors) {
    for (const auto& [outcome, n] : {std::pair<std::string_view, int64_t>{"ok", c.answered},
                                     {"retried", c.retried},
                                     {"failed", c.failed}})
      out += fmt::format("rflow_connector_calls_total{{op=\"{}\",outcome=\"{}\"}} {}\n",
                         label(c.op), outcome, n);
  }
  header("rflow_connector_latency_seconds", "histogram",
         "Time from a call's commit to its result's commit, retries included.");
  for (const auto& c : in.connectors)
    histogramText(out, "rflow_connector_latency_seconds", fmt::format("op=\"{}\"", label(c.op)),
                  c.latency);
  header("rflow_stage_seconds", "histogram",
         "Time in a stage (a wait: approval, task, call, await, sleep, child) of the waits that "
         "ended.");
  for (const engine::StageFigures& f : engine_.stageFigures())
    histogramText(out, "rflow_stage_seconds",
                  fmt::format("workflow=\"{}\",stage=\"{}\"", label(f.workflow), label(f.stage)),
                  f.time);
  const std::vector<runtime::BreakerView> breakers =
      breakers_ ? breakers_() : std::vector<runtime::BreakerView>{};
  header("rflow_connector_circuit_state", "gauge",
         "A connector's circuit breaker: 0 closed, 1 open, 2 half-open.");
  for (const auto& b : breakers)
    out += fmt::format("rflow_connector_circuit_state{{connector=\"{}\"}} {}\n", label(b.connector),
                       static_cast<int>(b.state));
  header("rflow_connector_circuit_rejected_total", "counter",
         "Attempts failed at once because the connector's circuit was open.");
  for (const auto& b : breakers)
    out += fmt::format("rflow_connector_circuit_rejected_total{{connector=\"{}\"}} {}\n",
                       label(b.connector), b.rejected);
  // Summed over each classifier's models: a model's hash as a label would begin new
  // series at every model change, and the spec's labels are classifier and outcome.
  struct Triage {
    int64_t labelled = 0, below_threshold = 0, no_model = 0, learned = 0;
  };
  std::map<std::string, Triage> triage;
  for (const engine::ClassifierQuality& q : engine_.classifierQuality()) {
    Triage& t = triage[q.classifier];
    t.labelled += q.labelled;
    t.below_threshold += q.below_threshold;
    t.no_model += q.no_model;
    t.learned += q.learned;
  }
  header("rflow_classifications_total", "counter",
         "Classifications by outcome: labelled (a confident label), below_threshold (a "
         "person decides), no_model.");
  for (const auto& [classifier, t] : triage) {
    for (const auto& [outcome, n] : {std::pair<std::string_view, int64_t>{"labelled", t.labelled},
                                     {"below_threshold", t.below_threshold},
                                     {"no_model", t.no_model}})
      out += fmt::format("rflow_classifications_total{{classifier=\"{}\",outcome=\"{}\"}} {}\n",
                         label(classifier), outcome, n);
  }
  header("rflow_examples_learned_total", "counter", "Labelled examples `learn` stored.");
  for (const auto& [classifier, t] : triage)
    out += fmt::format("rflow_examples_learned_total{{classifier=\"{}\"}} {}\n", label(classifier),
                       t.learned);
  header("rflow_storage_write_failing", "gauge",
         "1 while the store's last write failed (new work is refused with 503), else 0.");
  out += fmt::format("rflow_storage_write_failing {}\n", engine_.storageFailing() ? 1 : 0);
  header("rflow_stalled_work", "gauge",
         "Steps that could not be committed and wait for the store to take writes again.");
  out += fmt::format("rflow_stalled_work {}\n", engine_.stalledWork());
  header("rflow_backlog", "gauge",
         "Steps queued or running plus connector calls unanswered; at [engine] max_queued new "
         "work is refused with 429.");
  out += fmt::format("rflow_backlog {}\n", backlog());
  header("rflow_backlog_limit", "gauge", "[engine] max_queued.");
  out += fmt::format("rflow_backlog_limit {}\n", config_.engine.max_queued);
  header("rflow_overload_refusals_total", "counter",
         "Starts, events and signals refused with 429 because the backlog was full.");
  out += fmt::format("rflow_overload_refusals_total {}\n", overloadRefusals());
  return out;
}

}  // namespace rflow::service
