// Metrics aggregates (runtime.md §5 "metrics aggregates", §7 insights and /metrics): the
// counters the engine keeps up to date with every step, so that process intelligence is
// read from a few thousand numbers in memory instead of by scanning every instance.
//
// What is counted, per workflow (qualified name):
//   gauges (the state now)   instances by status; open tasks by the minute they were
//                            created (age buckets are computed at read time); failed
//                            instances by error kind (the failed backlog)
//   hourly counters          started, completed, failed, cancelled; cycle time histogram
//                            (start to end of completed instances); tasks created,
//                            decided, expired; time-to-decision histogram; escalations;
//                            SLA breaches; policy refusals; per connector op: attempts
//                            answered, failed attempts retried, calls given up, and a
//                            latency histogram (from the call being committed to its
//                            result being committed, retries included: what the workflow
//                            waited)
//
// Invariants:
//   - A step's changes (a MetricsDelta) are written in the SAME store batch as the step,
//     so the aggregates equal what the committed records say, crash or not.
//   - They are written as deltas that the store adds up (store/counters.h): no step
//     reads a count to write it back, so steps of any instances commit in any order and
//     in one group, and a refused batch adds nothing. Memory takes a delta only once its
//     batch is committed (committed(); every read sees every committed delta).
//   - Stored keys are PERSISTED. Schema 2: at most two keys per step, "v2\0g" (every
//     gauge) and "v2\0h\0<hour>" (that hour's counters, and the step's counters per
//     tracked value), each holding counters named by the vocabulary of metrics.cpp. Schema 1 wrote
//     `shard byte (0..15) + name` -> be64 absolute value; load() reads those as the starting values
//     and the deltas add to them. A name's meaning never changes. Histogram buckets are fixed
//     (below): adding buckets means a new metric name.
//   - Stores written before metrics existed start every counter at zero.
//   - Per tracked dimension (intelligence.md §2): an instance's events are also counted
//     per value of each dimension it tracks, by UTC day ("d" counters) and, for stages,
//     since the store began ("e" counters); each dimension counts at most
//     kMaxDimensionValues distinct values, the rest as kOtherValue. The label an instance
//     is counted under is decided once per value (dimensionLabel) and never changes:
//     the set of admitted values only grows, and is rebuilt from the counters at load.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/histogram.h"
#include "engine/value_counts.h"
#include "store/store.h"

namespace rflow::engine {

enum class Status : uint8_t;

// Distinct values counted per tracked dimension; the rest are counted as kOtherValue.
inline constexpr size_t kMaxDimensionValues = 1000;
inline constexpr std::string_view kOtherValue = "(other)";
// Measures are summed in units of 1/kMeasureScale (money and decimals to 4 places).
inline constexpr int64_t kMeasureScale = 10'000;

// Open tasks by age: < 1h, 1-4h, 4-24h, > 24h (runtime.md §7).
inline constexpr std::array<int64_t, 3> kTaskAgeBoundsMs = {kHourMs, 4 * kHourMs, 24 * kHourMs};

// A step's changes to the aggregates. Built while the step runs; applied by
// Metrics::commit with the step's batch.
class MetricsDelta {
 public:
  bool empty() const { return items_.empty() && maxes_.empty() && per_value_.empty(); }
  // Counters by full name.
  const std::map<std::string, int64_t>& items() const { return items_; }
  // Events counted per tracked value: each group's counts once, counted under each of its
  // dimensions (name, label) of its workflow. Usually one group, the step's instance's.
  struct PerValue {
    std::string workflow;
    std::vector<std::pair<std::string, std::string>> dimensions;
    ValueCounts counts;
  };
  const std::vector<PerValue>& perValue() const { return per_value_; }

  // The step's instance's tracked dimensions (name, label it is counted under) and its
  // workflow: the instance's events below are counted per value too. Set before the
  // events; `now` is the step's time (its counters per value are stored under its hour's
  // key).
  void setDimensions(std::vector<std::pair<std::string, std::string>> dimensions,
                     std::string_view workflow, int64_t now) {
    dimensions_ = std::move(dimensions);
    workflow_ = std::string(workflow);
    hour_ = now;
  }
  // The time whose hour's stored key holds this delta's counters per value.
  std::optional<int64_t> anchor() const { return hour_; }
  bool hasDimensions() const { return !dimensions_.empty(); }
  const std::vector<std::pair<std::string, std::string>>& dimensions() const { return dimensions_; }

  // `dimensions`: the new instance's (not the step's: a parent's step starts children).
  void instanceStarted(std::string_view workflow, int64_t now,
                       const std::vector<std::pair<std::string, std::string>>& dimensions);
  // An instance's status moved from `from` to `to` (to != from).
  void statusChanged(std::string_view workflow, Status from, Status to, int64_t now,
                     int64_t created_at, std::string_view error_kind);
  // `calendar`: the calendar the task was declared in ("" for none), whose open time its
  // business age counts (business_ages.h).
  void taskOpened(std::string_view workflow, int64_t created_at, int64_t now,
                  std::string_view calendar);
  // A task left the inbox: `decided` (approved, rejected, completed) or not (expired,
  // cancelled with its instance); `expired` for an approval past its due time.
  void taskClosed(std::string_view workflow, int64_t created_at, std::string_view calendar,
                  int64_t now, bool decided, bool expired);
  void escalated(std::string_view workflow, int64_t now);
  void slaBreached(std::string_view workflow, int64_t now);
  void refused(std::string_view workflow, int64_t now);
  // A connector attempt's outcome for op "conn.op": answered, failed and retried, or
  // failed for good; `waited` is set for the final outcomes.
  enum class CallOutcome : uint8_t { kOk, kRetried, kFailed };
  void call(std::string_view workflow, std::string_view op, CallOutcome outcome, int64_t now,
            std::optional<int64_t> waited);
  // A classification: outcome "labelled", "below_threshold" or "no_model"; `best` is the
  // top label ("" without a model).
  void classified(std::string_view classifier, std::string_view model, std::string_view outcome,
                  std::string_view best);
  // A labelled example; `agreed` when the instance had classified before (with `model`).
  void learned(std::string_view classifier, std::string_view model, std::string_view label,
               std::optional<bool> agreed);
  // Stages (stages.h, intelligence.md §2), counted since the store began: a wait of
  // `stage` began at `since`; one that began at `since` ended after `ms`; an instance that
  // last entered `stage` `ms` before it completed.
  void stageEntered(std::string_view workflow, std::string_view stage, int64_t since);
  void stageLeft(std::string_view workflow, std::string_view stage, int64_t since, int64_t ms);
  void stageRemaining(std::string_view workflow, std::string_view stage, int64_t ms);
  // A time in stage longer than any the aggregates held when the step ran.
  void stageMax(std::string_view workflow, std::string_view stage, int64_t ms);
  // workflow \0 stage -> the longest time this step saw.
  const std::map<std::string, int64_t>& maxes() const { return maxes_; }
  // Per dimension only: a completed instance's enum result member; an ended instance's
  // measure (`amount` in 1/kMeasureScale units; `currency` "" unless money).
  void outcome(std::string_view workflow, std::string_view member, int64_t now);
  void measureAtEnd(std::string_view workflow, std::string_view measure, std::string_view currency,
                    int64_t amount, int64_t now);

 private:
  void add(std::string key, int64_t amount);
  // A stage counter of the whole workflow.
  void stage(std::string_view workflow, std::string_view stage, std::string_view name,
             int64_t amount);
  // The stage's counts per tracked value; nullptr when the instance tracks none.
  StageCounts* valueStage(std::string_view workflow, std::string_view stage);
  // `now`'s day's counts per tracked value; nullptr when the instance tracks none.
  DayCounts* valueDay(std::string_view workflow, int64_t now);
  // The counts per value of the step's instance's dimensions (of `workflow`); nullptr when
  // it tracks none.
  ValueCounts* perValue(std::string_view workflow);
  ValueCounts& perValue(std::string_view workflow,
                        const std::vector<std::pair<std::string, std::string>>& dimensions);
  std::map<std::string, int64_t> items_;
  std::map<std::string, int64_t> maxes_;
  std::vector<PerValue> per_value_;
  std::string workflow_;
  std::vector<std::pair<std::string, std::string>> dimensions_;
  std::optional<int64_t> hour_;
};

struct WorkflowInsights {
  std::string workflow;
  // Now.
  std::map<std::string, int64_t> by_status;  // status name -> instances
  std::array<int64_t, 4> open_tasks_by_age{};
  // The same tasks by the age that counts: for those declared in a calendar, the open time
  // of the calendar since they were opened; for the others, their age.
  std::array<int64_t, 4> open_tasks_by_business_age{};
  int64_t open_tasks_in_calendar = 0;  // open tasks declared in a calendar
  std::map<std::string, int64_t> failed_by_kind;
  // In the window.
  int64_t started = 0, completed = 0, failed = 0, cancelled = 0;
  Histogram cycle;
  int64_t tasks_created = 0, tasks_decided = 0, tasks_expired = 0;
  Histogram decision;
  int64_t escalations = 0, sla_breaches = 0, refusals = 0;
};

struct ConnectorInsights {
  std::string op;  // "erp.post_invoice"
  int64_t answered = 0;
  int64_t retried = 0;  // failed attempts that were tried again
  int64_t failed = 0;   // calls given up (the workflow saw a connector error)
  Histogram latency;
};

// Cycle time of the instances that completed in one hour.
// Triage quality of one classifier's model (intelligence.md §1), counted since the store
// began: "" as the model holds classifications made without one and examples learned
// where the instance had not classified.
struct LabelQuality {
  int64_t predicted = 0;  // classifications whose best was this label
  int64_t learned = 0;    // examples with this label
  int64_t agreed = 0;     // of those after a classification, the model's best was it
};
struct ClassifierQuality {
  std::string classifier;  // qualified
  std::string model;       // content hash; "" for no model
  int64_t labelled = 0, below_threshold = 0, no_model = 0;
  int64_t learned = 0;
  int64_t compared = 0;  // examples learned after a classification of the same instance
  int64_t agreed = 0;    // of those, the person chose the model's best
  std::map<std::string, LabelQuality> labels;
  int64_t classifications() const { return labelled + below_threshold + no_model; }
};

struct CyclePoint {
  int64_t hour_start = 0;  // UTC ms
  int64_t completed = 0;
  std::optional<int64_t> p50, p95;
  Histogram cycle;  // what the three above are computed from (cyclePoint), for merging
};
// The point of the hour beginning at `hour_start` whose completions are `cycle`.
CyclePoint cyclePoint(int64_t hour_start, Histogram cycle);

// One stage of one workflow (intelligence.md §2; docs/insights.md says what each means).
struct StageFigures {
  std::string workflow;  // qualified
  std::string stage;
  int64_t entered = 0;
  int64_t open = 0;            // waits in it now
  int64_t open_since_sum = 0;  // the sum of their start times (ms): open time = open*now - it
  Histogram time;              // time in stage of the waits that ended
  int64_t max = 0;             // the longest of those
  Histogram remaining;         // completed instances: from their last entry into it to completion
};

// The figures of one value of a tracked dimension over a span of days.
struct DimensionFigures {
  std::string value;
  int64_t started = 0, completed = 0, failed = 0, cancelled = 0;
  int64_t sla_breaches = 0, escalations = 0;
  Histogram cycle;
  std::map<std::string, int64_t> outcomes;  // enum member -> completed instances
  struct Measure {
    int64_t count = 0;  // ended instances that had it
    int64_t sum = 0;    // in 1/kMeasureScale units
  };
  std::map<std::pair<std::string, std::string>, Measure> measures;  // (name, currency)
};

// A stage counted for one value of a dimension.
struct StageFilter {
  std::string dimension;
  std::string value;
};

struct InsightsQuery {
  std::optional<std::string> workflow;  // qualified or declared name
  int64_t since = 0;                    // UTC ms; counters of hours that end after it
  int64_t now = 0;
};

struct Insights {
  int64_t since = 0;
  int64_t now = 0;
  std::vector<WorkflowInsights> workflows;  // by name
  std::vector<ConnectorInsights> connectors;
  std::vector<CyclePoint> cycle_series;  // hourly, oldest first, hours with completions
};

// The engine's aggregates: loaded from kMetrics when the engine opens, kept in memory,
// changed only by apply() after a commit.
class Metrics {
 public:
  // Reads every aggregate (one scan of kMetrics): at startup, and again after the store
  // resumed writes (a refused commit may have landed after all). On a failed read
  // memory keeps what it had, and the Status says why.
  store::Status load(const store::Store& store);

  // Puts `delta` into `batch` as counters the store adds up (at most two keys).
  static void write(store::Batch& batch, const MetricsDelta& delta);
  // `delta`'s batch was committed. Called on the committer thread, whose speed bounds
  // every step's: it only queues the delta; every read adds the queued deltas first, so
  // no read misses a committed step, and settle() adds them on another thread.
  void committed(MetricsDelta delta);
  // Adds the queued deltas to the counters, unless another thread is doing it now.
  void settle();

  Insights insights(const InsightsQuery& query) const;
  std::vector<ClassifierQuality> classifierQuality() const;
  // Every stage of `workflow` (qualified or declared name; every workflow when unset).
  std::vector<StageFigures> stages(const std::optional<std::string>& workflow) const;
  // The same counted for the instances whose `filter.dimension` is `filter.value`
  // (max: the longest wait of the whole stage, which is not kept per value).
  std::vector<StageFigures> stages(std::string_view workflow, const StageFilter& filter) const;
  // The longest time in `stage` so far; 0 when none ended.
  int64_t stageMax(std::string_view workflow, std::string_view stage) const;

  // The figures per value of `dimension` of `workflow` (qualified) over the UTC days
  // [from_day, to_day) (day = ms / kDayMs).
  std::map<std::string, DimensionFigures> byDimension(std::string_view workflow,
                                                      std::string_view dimension, int64_t from_day,
                                                      int64_t to_day) const;
  // The label `value` of `dimension` is counted under: the value itself while the
  // dimension has fewer than kMaxDimensionValues values (admitting it), else kOtherValue.
  std::string dimensionLabel(std::string_view workflow, std::string_view dimension,
                             std::string_view value);

 private:
  std::map<std::string, int64_t> snapshot(std::string_view prefix = {}) const;
  void admit(std::string_view name);  // a counter's dimension value (dimension_mutex_ held)
  // Adds the queued deltas (mutex_ held). Reads are const but settle first: the queue
  // is committed state that memory has not taken yet.
  void settleLocked() const;
  // Lock order: mutex_, then pending_mutex_; dimension_mutex_ and maxes_mutex_ alone or
  // after mutex_.
  using Counters = std::map<std::string, int64_t, std::less<>>;
  void addLocked(std::string_view name, int64_t amount) const;  // mutex_ held
  ValueCounts& valueCounts(std::string_view key) const;         // mutex_ held
  static void addTo(Counters& counters, std::string_view name, int64_t amount);
  mutable std::mutex mutex_;
  // Every counter but those per tracked value, by name.
  mutable Counters values_;
  // The figures per tracked value, by workflow \0 dimension \0 value: a step adds its
  // counts field by field, and a query walks one value's days.
  mutable std::map<std::string, ValueCounts, std::less<>> per_value_;
  // The same entries by hash (keys view per_value_'s, whose nodes never move): settling a
  // step finds each of its values with one hash instead of a walk of long shared prefixes.
  mutable std::unordered_map<std::string_view, ValueCounts*> per_value_index_;
  mutable std::mutex maxes_mutex_;
  std::map<std::string, int64_t, std::less<>> maxes_;  // workflow \0 stage -> ms
  mutable std::mutex pending_mutex_;
  mutable std::vector<MetricsDelta> pending_;  // committed, not yet in values_
  std::mutex dimension_mutex_;
  // workflow \0 dimension -> the values counted.
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> dimension_values_;
};

}  // namespace rflow::engine
