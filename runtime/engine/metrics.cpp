// Metrics aggregates: the counter vocabulary, their keys in the store, and turning the
// counters into insights. Counter names are text fields joined by '\0' (names never
// contain it):
//
//   g \0 workflow \0 status \0 <Status name>        instances in that status
//   g \0 workflow \0 open \0 <minute>               open tasks created in that minute
//   g \0 workflow \0 failed \0 <error kind>         failed instances by kind
//   h \0 <hour> \0 workflow \0 <name> \0 <label>     hourly counters (label: an op or "")
//   c \0 classifier \0 model \0 <name> \0 <label>    classifier counters (since ever): name
//                                                   labelled, below_threshold, no_model,
//                                                   learned, compared, agreed (label ""),
//                                                   and per label predicted, learned_label,
//                                                   agreed_label
//   s \0 workflow \0 stage \0 <name>                stage counters (since ever): entered,
//                                                   open, open_since (sum of open waits'
//                                                   start times), time_* (histogram of
//                                                   ended waits), rem_* (histogram of
//                                                   last entry to completion)
//   d \0 workflow \0 dim \0 value \0 <day> \0 <name> \0 <label>
//                                                   per tracked value, daily: started,
//                                                   completed, failed, cancelled, breaches,
//                                                   escalations, cycle_*, outcome (label:
//                                                   the member), msum and mn (label:
//                                                   measure ' ' currency)
//   e \0 workflow \0 dim \0 value \0 stage \0 <name>  the stage counters per tracked value
//   D \0 workflow \0 <n> \0 dim1 \0 value1 … \0 dimN \0 valueN \0 d|e \0 <rest>
//                                                   how a step stores the "d" and "e"
//                                                   counters: once for all n dimensions of
//                                                   its instance; load() counts each under
//                                                   every dimension's value
//
// Stored keys: "v2\0g" holds the gauges and the classifier and stage counters, "v2\0h\0<hour>"
// an hour's counters and the counters per tracked value of the steps of that hour ("D" names;
// stores written before held one "d"/"e" name per dimension, which load() still reads).
// Older stores kept each tracked value's in a key of its own ("v2\0d\0workflow\0dim\0value",
// "v2\0e\0…"); load() still reads them.
//
// The longest time in a stage is no sum, so it is not a counter: each step that beats
// the maximum in memory puts a key "stage-max" (keys.h) that sorts the longest first.
//
// Histograms are named <h>_sum (ms) and <h>_b<i> (bucket i); their count is the sum of the
// buckets. Stores written before also kept <h>_n (the count); readers skip it.
//
// The counters per tracked value ("d", "e") are kept typed in memory and in a step's delta
// (value_counts.h, which alone knows their names below the value's fields).
#include "engine/metrics.h"

#include <algorithm>
#include <charconv>

#include "engine/business_ages.h"
#include "engine/keys.h"
#include "engine/records.h"
#include "store/counters.h"

namespace rflow::engine {

namespace {

using namespace std::string_view_literals;

constexpr char kSep = '\0';

std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  bool first = true;
  for (std::string_view p : parts) {
    if (!first) out += kSep;
    out += p;
    first = false;
  }
  return out;
}

std::vector<std::string_view> split(std::string_view key) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t end = key.find(kSep, start);
    out.push_back(
        key.substr(start, end == std::string_view::npos ? key.size() - start : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

std::optional<int64_t> number(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

int64_t floorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

std::string hourly(int64_t now, std::string_view workflow, std::string_view name,
                   std::string_view label = {}) {
  return join({"h", std::to_string(floorDiv(now, kHourMs)), workflow, name, label});
}

template <size_t N>
size_t bucketOf(const std::array<int64_t, N>& bounds, int64_t value) {
  return static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), value) -
                             bounds.begin());
}

template <size_t N>
Histogram emptyHistogram(const std::array<int64_t, N>& bounds) {
  Histogram h;
  h.bounds.assign(bounds.begin(), bounds.end());
  h.counts.assign(N + 1, 0);
  return h;
}

// Adds one hourly histogram field ("_sum", "_b3") to `h`. Its count is the sum of its
// buckets: "_n", which stores written before also kept, is not needed.
void addHistogramField(Histogram& h, std::string_view field, int64_t value) {
  if (field == "_sum") {
    h.sum += value;
  } else if (field.size() > 2 && field.substr(0, 2) == "_b") {
    if (auto i = number(field.substr(2));
        i && *i >= 0 && static_cast<size_t>(*i) < h.counts.size()) {
      h.counts[static_cast<size_t>(*i)] += value;
      h.count += value;
    }
  }
}

bool nameMatches(std::string_view qualified, std::string_view wanted) {
  if (qualified == wanted) return true;
  const size_t dot = qualified.rfind('.');
  return dot != std::string_view::npos && qualified.substr(dot + 1) == wanted;
}

}  // namespace

// ---- Deltas --------------------------------------------------------------------------------

void MetricsDelta::classified(std::string_view classifier, std::string_view model,
                              std::string_view outcome, std::string_view best) {
  add(join({"c", classifier, model, outcome, ""}), 1);
  if (!best.empty()) add(join({"c", classifier, model, "predicted", best}), 1);
}

void MetricsDelta::learned(std::string_view classifier, std::string_view model,
                           std::string_view label, std::optional<bool> agreed) {
  add(join({"c", classifier, model, "learned", ""}), 1);
  add(join({"c", classifier, model, "learned_label", label}), 1);
  if (!agreed) return;
  add(join({"c", classifier, model, "compared", ""}), 1);
  if (!*agreed) return;
  add(join({"c", classifier, model, "agreed", ""}), 1);
  add(join({"c", classifier, model, "agreed_label", label}), 1);
}

ValueCounts& MetricsDelta::perValue(
    std::string_view workflow, const std::vector<std::pair<std::string, std::string>>& dimensions) {
  for (PerValue& group : per_value_) {
    if (group.workflow == workflow && group.dimensions == dimensions) return group.counts;
  }
  return per_value_.emplace_back(PerValue{std::string(workflow), dimensions, {}}).counts;
}

ValueCounts* MetricsDelta::perValue(std::string_view workflow) {
  if (dimensions_.empty()) return nullptr;
  return &perValue(workflow, dimensions_);
}

DayCounts* MetricsDelta::valueDay(std::string_view workflow, int64_t now) {
  ValueCounts* counts = perValue(workflow);
  return counts == nullptr ? nullptr : &counts->days[floorDiv(now, kDayMs)];
}

StageCounts* MetricsDelta::valueStage(std::string_view workflow, std::string_view stage) {
  ValueCounts* counts = perValue(workflow);
  if (counts == nullptr) return nullptr;
  auto it = counts->stages.find(stage);
  if (it == counts->stages.end()) it = counts->stages.emplace(stage, StageCounts{}).first;
  return &it->second;
}

void MetricsDelta::stage(std::string_view workflow, std::string_view stage, std::string_view name,
                         int64_t amount) {
  add(join({"s", workflow, stage, name}), amount);
}

void MetricsDelta::stageEntered(std::string_view workflow, std::string_view stage, int64_t since) {
  this->stage(workflow, stage, "entered", 1);
  this->stage(workflow, stage, "open", 1);
  this->stage(workflow, stage, "open_since", since);
  if (StageCounts* v = valueStage(workflow, stage)) {
    ++v->entered;
    ++v->open;
    v->open_since += since;
  }
}

void MetricsDelta::stageLeft(std::string_view workflow, std::string_view stage, int64_t since,
                             int64_t ms) {
  ms = std::max<int64_t>(0, ms);
  this->stage(workflow, stage, "open", -1);
  this->stage(workflow, stage, "open_since", -since);
  this->stage(workflow, stage, "time_sum", ms);
  this->stage(workflow, stage, "time_b" + std::to_string(DurationCounts::bucketOf(ms)), 1);
  if (StageCounts* v = valueStage(workflow, stage)) {
    --v->open;
    v->open_since -= since;
    v->time.record(ms);
  }
}

void MetricsDelta::stageRemaining(std::string_view workflow, std::string_view stage, int64_t ms) {
  ms = std::max<int64_t>(0, ms);
  this->stage(workflow, stage, "rem_sum", ms);
  this->stage(workflow, stage, "rem_b" + std::to_string(DurationCounts::bucketOf(ms)), 1);
  if (StageCounts* v = valueStage(workflow, stage)) v->remaining.record(ms);
}

void MetricsDelta::outcome(std::string_view workflow, std::string_view member, int64_t now) {
  if (DayCounts* day = valueDay(workflow, now)) {
    auto it = day->outcomes.find(member);
    if (it == day->outcomes.end()) it = day->outcomes.emplace(member, 0).first;
    ++it->second;
  }
}

void MetricsDelta::measureAtEnd(std::string_view workflow, std::string_view measure,
                                std::string_view currency, int64_t amount, int64_t now) {
  DayCounts* day = valueDay(workflow, now);
  if (day == nullptr) return;
  const std::string label = std::string(measure) + ' ' + std::string(currency);
  day->measure_count[label] += 1;
  day->measure_sum[label] += amount;
}

void MetricsDelta::stageMax(std::string_view workflow, std::string_view stage, int64_t ms) {
  int64_t& slot = maxes_[join({workflow, stage})];
  slot = std::max(slot, ms);
}

void MetricsDelta::add(std::string key, int64_t amount) {
  auto& slot = items_[std::move(key)];
  slot += amount;
}

void MetricsDelta::instanceStarted(
    std::string_view workflow, int64_t now,
    const std::vector<std::pair<std::string, std::string>>& dimensions) {
  add(join({"g", workflow, "status", statusName(Status::kRunning)}), 1);
  add(hourly(now, workflow, "started"), 1);
  if (dimensions.empty()) return;
  if (!hour_) hour_ = now;
  ++perValue(workflow, dimensions).days[floorDiv(now, kDayMs)].started;
}

void MetricsDelta::statusChanged(std::string_view workflow, Status from, Status to, int64_t now,
                                 int64_t created_at, std::string_view error_kind) {
  add(join({"g", workflow, "status", statusName(from)}), -1);
  add(join({"g", workflow, "status", statusName(to)}), 1);
  switch (to) {
    case Status::kCompleted: {
      add(hourly(now, workflow, "completed"), 1);
      const int64_t cycle = std::max<int64_t>(0, now - created_at);
      add(hourly(now, workflow, "cycle_sum"), cycle);
      add(hourly(now, workflow, "cycle_b" + std::to_string(DurationCounts::bucketOf(cycle))), 1);
      if (DayCounts* day = valueDay(workflow, now)) {
        ++day->completed;
        day->cycle.record(cycle);
      }
      break;
    }
    case Status::kFailed:
      add(hourly(now, workflow, "failed"), 1);
      add(join({"g", workflow, "failed", error_kind.empty() ? "unknown" : error_kind}), 1);
      if (DayCounts* day = valueDay(workflow, now)) ++day->failed;
      break;
    case Status::kCancelled:
      add(hourly(now, workflow, "cancelled"), 1);
      if (DayCounts* day = valueDay(workflow, now)) ++day->cancelled;
      break;
    case Status::kRunning:
    case Status::kWaiting:
      break;
  }
}

// Open tasks are gauges by the minute they opened ("open"); those declared in a calendar
// also by minute and calendar ("open-cal"), which reading turns into business ages.
void MetricsDelta::taskOpened(std::string_view workflow, int64_t created_at, int64_t now,
                              std::string_view calendar) {
  const std::string minute = std::to_string(floorDiv(created_at, kMinuteMs));
  add(join({"g", workflow, "open", minute}), 1);
  if (!calendar.empty()) add(join({"g", workflow, "open-cal", minute, calendar}), 1);
  add(hourly(now, workflow, "tasks"), 1);
}

void MetricsDelta::taskClosed(std::string_view workflow, int64_t created_at,
                              std::string_view calendar, int64_t now, bool decided, bool expired) {
  const std::string minute = std::to_string(floorDiv(created_at, kMinuteMs));
  add(join({"g", workflow, "open", minute}), -1);
  if (!calendar.empty()) add(join({"g", workflow, "open-cal", minute, calendar}), -1);
  if (expired) add(hourly(now, workflow, "expired"), 1);
  if (!decided) return;
  const int64_t waited = std::max<int64_t>(0, now - created_at);
  add(hourly(now, workflow, "decided"), 1);
  add(hourly(now, workflow, "decision_sum"), waited);
  add(hourly(now, workflow, "decision_b" + std::to_string(DurationCounts::bucketOf(waited))), 1);
}

void MetricsDelta::escalated(std::string_view workflow, int64_t now) {
  add(hourly(now, workflow, "escalations"), 1);
  if (DayCounts* day = valueDay(workflow, now)) ++day->escalations;
}

void MetricsDelta::slaBreached(std::string_view workflow, int64_t now) {
  add(hourly(now, workflow, "breaches"), 1);
  if (DayCounts* day = valueDay(workflow, now)) ++day->breaches;
}

void MetricsDelta::refused(std::string_view workflow, int64_t now) {
  add(hourly(now, workflow, "refusals"), 1);
}

void MetricsDelta::call(std::string_view workflow, std::string_view op, CallOutcome outcome,
                        int64_t now, std::optional<int64_t> waited) {
  const char* name = outcome == CallOutcome::kOk        ? "call_ok"
                     : outcome == CallOutcome::kRetried ? "call_retry"
                                                        : "call_fail";
  add(hourly(now, workflow, name, op), 1);
  if (!waited) return;
  const int64_t ms = std::max<int64_t>(0, *waited);
  add(hourly(now, workflow, "latency_sum", op), ms);
  add(hourly(now, workflow, "latency_b" + std::to_string(bucketOf(kLatencyBucketsMs, ms)), op), 1);
}

// ---- The aggregates --------------------------------------------------------------------------

namespace {

// Schema 1's keys began with a shard byte below 16; schema 2's with "v2\0".
constexpr size_t kV1Shards = 16;
constexpr std::string_view kV2Prefix{"v2\0", 3};
constexpr std::string_view kGaugesKey{"v2\0g", 4};

constexpr std::string_view kStageMaxPrefix{"stage-max\0", 10};

// "stage-max" \0 workflow \0 stage \0 ~ms -> (workflow \0 stage, ms).
std::optional<std::pair<std::string, int64_t>> stageMaxKey(std::string_view key) {
  const std::string_view rest = key.substr(kStageMaxPrefix.size());
  const size_t wf_end = rest.find(kSep);
  if (wf_end == std::string_view::npos) return std::nullopt;
  const size_t stage_end = rest.find(kSep, wf_end + 1);
  if (stage_end == std::string_view::npos || rest.size() != stage_end + 9) return std::nullopt;
  const auto inverted = store::readU64(rest.substr(stage_end + 1));
  if (!inverted) return std::nullopt;
  return std::pair{std::string(rest.substr(0, stage_end)), static_cast<int64_t>(~*inverted)};
}

// The stored key holding `counter`: its first `fields` fields after "v2".
std::string keyOfFields(std::string_view counter, size_t fields) {
  size_t end = 0;
  for (size_t i = 0; i < fields && end != std::string_view::npos; ++i)
    end = counter.find(kSep, i == 0 ? 0 : end + 1);
  return std::string(kV2Prefix) + std::string(counter.substr(0, end));
}

// The stored key of `counter` written with a delta anchored at `anchor` (its step's
// time): counters per tracked value go with the step's hourly counters, so that tracking
// costs a step no key of its own. Stores written before kept them in keys of their own
// ("v2\0d\0workflow\0dim\0value", "v2\0e\0…"): load() reads every key's counters by
// their full names, wherever they are.
std::string hourKey(int64_t at) {
  return std::string(kV2Prefix) + join({"h", std::to_string(floorDiv(at, kHourMs))});
}

std::string storedKeyOf(std::string_view counter, std::optional<int64_t> anchor) {
  if (counter.starts_with("h")) return keyOfFields(counter, 2);  // h \0 hour
  if (counter.starts_with("d") || counter.starts_with("e")) {
    if (anchor) return hourKey(*anchor);
    return keyOfFields(counter, 4);  // d \0 workflow \0 dim \0 value
  }
  return std::string(kGaugesKey);
}

// A "d" or "e" counter split after its fourth field (d \0 workflow \0 dim \0 value):
// the tracked value's counters, and the rest of the name; nullopt for other names.
std::optional<std::pair<std::string_view, std::string_view>> splitPerValue(std::string_view name) {
  if (!name.starts_with("d\0"sv) && !name.starts_with("e\0"sv)) return std::nullopt;
  size_t end = 1;
  for (int field = 0; field < 3; ++field) {
    end = name.find(kSep, end + 1);
    if (end == std::string_view::npos) return std::nullopt;
  }
  return std::pair{name.substr(0, end), name.substr(end + 1)};
}

// "D \0 workflow \0 <n> \0 dim1 \0 value1 … dimN \0 valueN": the fields that name a group
// of tracked values counted together (one instance's dimensions).
std::string groupPrefix(std::string_view workflow,
                        const std::vector<std::pair<std::string, std::string>>& dimensions) {
  std::string out = "D";
  out += kSep;
  out += workflow;
  out += kSep;
  out += std::to_string(dimensions.size());
  for (const auto& [dimension, value] : dimensions) {
    out += kSep;
    out += dimension;
    out += kSep;
    out += value;
  }
  return out;
}

// A "D" name taken apart: its workflow, its (dimension, value) pairs, and the counter
// below them (family 'd' or 'e', and the rest of the name); nullopt for a name that is not
// one, or is cut short.
struct GroupName {
  std::string_view workflow;
  std::vector<std::pair<std::string_view, std::string_view>> dimensions;
  char family = 0;
  std::string_view rest;
};
std::optional<GroupName> splitGroupName(std::string_view name) {
  if (!name.starts_with("D\0"sv)) return std::nullopt;
  size_t at = 2;
  const auto field = [&]() -> std::optional<std::string_view> {
    const size_t end = name.find(kSep, at);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view f = name.substr(at, end - at);
    at = end + 1;
    return f;
  };
  GroupName out;
  const auto workflow = field();
  const auto count_text = field();
  if (!workflow || !count_text) return std::nullopt;
  out.workflow = *workflow;
  size_t count = 0;
  const auto [end, ec] =
      std::from_chars(count_text->data(), count_text->data() + count_text->size(), count);
  if (ec != std::errc{} || end != count_text->data() + count_text->size() || count > 64)
    return std::nullopt;
  for (size_t i = 0; i < count; ++i) {
    const auto dimension = field();
    const auto value = field();
    if (!dimension || !value) return std::nullopt;
    out.dimensions.emplace_back(*dimension, *value);
  }
  const auto family_field = field();
  if (!family_field || family_field->size() != 1 ||
      (family_field->front() != 'd' && family_field->front() != 'e'))
    return std::nullopt;
  out.family = family_field->front();
  out.rest = name.substr(at);
  return out;
}

std::string family(char letter) {
  return std::string{letter, kSep};
}

}  // namespace

store::Status Metrics::load(const store::Store& store) {
  std::map<std::string, int64_t> values;
  store::Counters counters;
  std::map<std::string, int64_t, std::less<>> maxes;
  bool unreadable = false;
  store::Status scanned =
      store.scanFrom(store::Column::kMetrics, "", [&](std::string_view key, std::string_view v) {
        if (key.starts_with(kV2Prefix)) {
          unreadable = unreadable || !store::addEncodedCounters(v, counters);
        } else if (key.starts_with(kStageMaxPrefix)) {
          if (auto m = stageMaxKey(key)) {
            int64_t& slot = maxes[m->first];
            slot = std::max(slot, m->second);
          }
        } else if (!key.empty() && static_cast<uint8_t>(key[0]) < kV1Shards) {
          if (const auto value = store::readU64(v))
            values[std::string(key.substr(1))] += static_cast<int64_t>(*value);
        }
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (unreadable)
    return store::Status::failure("the stored aggregates cannot be read (they were altered)");
  for (const auto& [name, value] : counters)
    values[name] += value;
  std::lock_guard lock(mutex_);
  std::lock_guard dimensions(dimension_mutex_);
  {
    // What is queued was committed before the scan ended: the scan holds it (or, for a
    // step committed while it ran, may not; as when memory took it at once and the new
    // values replaced it).
    std::lock_guard queued(pending_mutex_);
    pending_.clear();
  }
  values_.clear();
  per_value_index_.clear();
  per_value_.clear();
  dimension_values_.clear();
  for (auto& [name, value] : values) {
    if (const auto group = splitGroupName(name)) {
      // A step's counters for all its instance's dimensions: each value admitted and
      // counted. Only stored names are "D" names, so only load() reads them.
      std::string key;
      for (const auto& [dimension, dimension_value] : group->dimensions) {
        dimension_values_[join({group->workflow, dimension})].emplace(dimension_value);
        key.assign(group->workflow);
        key += kSep;
        key += dimension;
        key += kSep;
        key += dimension_value;
        valueCounts(key).addStored(group->family, group->rest, value);
      }
      continue;
    }
    admit(name);
    addLocked(name, value);
  }
  std::lock_guard maxes_lock(maxes_mutex_);
  maxes_ = std::move(maxes);
  return {};
}

void Metrics::admit(std::string_view name) {
  if (!name.starts_with("d")) return;
  const std::vector<std::string_view> f = split(name);
  if (f.size() != 7) return;
  dimension_values_[join({f[1], f[2]})].emplace(f[3]);
}

std::string Metrics::dimensionLabel(std::string_view workflow, std::string_view dimension,
                                    std::string_view value) {
  std::lock_guard lock(dimension_mutex_);
  auto& values = dimension_values_[join({workflow, dimension})];
  if (values.contains(value)) return std::string(value);
  if (values.size() >= kMaxDimensionValues) return std::string(kOtherValue);
  values.emplace(value);
  return std::string(value);
}

void Metrics::write(store::Batch& batch, const MetricsDelta& delta) {
  if (delta.empty()) return;
  for (const auto& [name, ms] : delta.maxes()) {
    const size_t sep = name.find(kSep);
    batch.put(store::Column::kMetrics,
              keys::stageMax(name.substr(0, sep), name.substr(sep + 1), ms), "");
  }
  // A step's names fall under one or two keys (the gauges', its hour's), rarely more.
  std::vector<std::pair<std::string, store::CountersWriter>> keyed;
  for (const auto& [name, amount] : delta.items()) {
    std::string key = storedKeyOf(name, delta.anchor());
    auto it =
        std::find_if(keyed.begin(), keyed.end(), [&](const auto& k) { return k.first == key; });
    if (it == keyed.end())
      it = keyed.insert(keyed.end(), {std::move(key), store::CountersWriter{}});
    it->second.add(name, amount);
  }
  if (!delta.perValue().empty()) {
    // A group's counters once, under the step's hour key, named with all the dimensions
    // they count for ("D" names); load() adds them to each dimension's value. Writing them
    // once per dimension made the aggregates' share of a tracked step's bytes and time
    // grow with the number of dimensions.
    const std::string key = hourKey(*delta.anchor());
    auto it =
        std::find_if(keyed.begin(), keyed.end(), [&](const auto& k) { return k.first == key; });
    if (it == keyed.end()) it = keyed.insert(keyed.end(), {key, store::CountersWriter{}});
    std::string name;
    for (const MetricsDelta::PerValue& group : delta.perValue()) {
      const std::string prefix = groupPrefix(group.workflow, group.dimensions);
      group.counts.forEachStored([&](char family, std::string_view rest, int64_t amount) {
        name.assign(prefix);
        name += kSep;
        name += family;
        name += kSep;
        name += rest;
        it->second.add(name, amount);
      });
    }
  }
  for (auto& [key, counters] : keyed)
    batch.addCounters(key, counters.take());
}

namespace {
// Queued deltas beyond which the committer adds them itself (memory stays bounded when
// no other thread settles).
constexpr size_t kMaxPendingDeltas = 4096;
}  // namespace

void Metrics::committed(MetricsDelta delta) {
  if (delta.empty()) return;
  if (!delta.maxes().empty()) {
    // At once: a step compares its stage times with these to know whether to write one.
    std::lock_guard lock(maxes_mutex_);
    for (const auto& [name, ms] : delta.maxes()) {
      int64_t& slot = maxes_[name];
      slot = std::max(slot, ms);
    }
  }
  size_t queued = 0;
  {
    std::lock_guard lock(pending_mutex_);
    pending_.push_back(std::move(delta));
    queued = pending_.size();
  }
  if (queued < kMaxPendingDeltas) return;
  std::lock_guard lock(mutex_);
  settleLocked();
}

void Metrics::settle() {
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (lock.owns_lock()) settleLocked();
}

void Metrics::settleLocked() const {
  std::vector<MetricsDelta> deltas;
  {
    std::lock_guard lock(pending_mutex_);
    deltas.swap(pending_);
  }
  std::string key;
  for (const MetricsDelta& delta : deltas) {
    for (const auto& [name, amount] : delta.items())
      addLocked(name, amount);
    for (const MetricsDelta::PerValue& group : delta.perValue()) {
      for (const auto& [dimension, value] : group.dimensions) {
        key.assign(group.workflow);
        key += kSep;
        key += dimension;
        key += kSep;
        key += value;
        valueCounts(key) += group.counts;
      }
    }
  }
}

void Metrics::addLocked(std::string_view name, int64_t amount) const {
  if (const auto split = splitPerValue(name)) {
    // Stored per tracked value: into its typed figures (a name this version does not know
    // is left out, as the queries would have skipped it).
    valueCounts(split->first.substr(2)).addStored(name.front(), split->second, amount);
  } else {
    addTo(values_, name, amount);
  }
}

ValueCounts& Metrics::valueCounts(std::string_view key) const {
  if (auto found = per_value_index_.find(key); found != per_value_index_.end())
    return *found->second;
  auto it = per_value_.emplace(std::string(key), ValueCounts{}).first;
  per_value_index_.emplace(it->first, &it->second);
  return it->second;
}

void Metrics::addTo(std::map<std::string, int64_t, std::less<>>& counters, std::string_view name,
                    int64_t amount) {
  auto it = counters.find(name);
  if (it == counters.end()) it = counters.emplace(std::string(name), 0).first;
  it->second += amount;
}

std::vector<ClassifierQuality> Metrics::classifierQuality() const {
  std::map<std::pair<std::string, std::string>, ClassifierQuality> by_model;
  for (const auto& [key, value] : snapshot(family('c'))) {
    const std::vector<std::string_view> f = split(key);
    if (f.size() != 5 || f[0] != "c") continue;
    ClassifierQuality& q = by_model[{std::string(f[1]), std::string(f[2])}];
    q.classifier = std::string(f[1]);
    q.model = std::string(f[2]);
    const std::string_view name = f[3];
    if (name == "labelled") q.labelled += value;
    if (name == "below_threshold") q.below_threshold += value;
    if (name == "no_model") q.no_model += value;
    if (name == "learned") q.learned += value;
    if (name == "compared") q.compared += value;
    if (name == "agreed") q.agreed += value;
    if (name == "predicted") q.labels[std::string(f[4])].predicted += value;
    if (name == "learned_label") q.labels[std::string(f[4])].learned += value;
    if (name == "agreed_label") q.labels[std::string(f[4])].agreed += value;
  }
  std::vector<ClassifierQuality> out;
  for (auto& [key, q] : by_model)
    out.push_back(std::move(q));
  return out;
}

namespace {

// Adds one stage counter (`name` of `stage` of `workflow`) to its figures.
void addStageCounter(std::map<std::pair<std::string, std::string>, StageFigures>& by_stage,
                     std::string_view workflow, std::string_view stage, std::string_view name,
                     int64_t value) {
  auto [it, fresh] = by_stage.try_emplace({std::string(workflow), std::string(stage)});
  StageFigures& st = it->second;
  if (fresh) {
    st.workflow = std::string(workflow);
    st.stage = std::string(stage);
    st.time = emptyHistogram(kDurationBucketsMs);
    st.remaining = emptyHistogram(kDurationBucketsMs);
  }
  if (name == "entered") st.entered += value;
  if (name == "open") st.open += value;
  if (name == "open_since") st.open_since_sum += value;
  if (name.starts_with("time")) addHistogramField(st.time, name.substr(4), value);
  if (name.starts_with("rem")) addHistogramField(st.remaining, name.substr(3), value);
}

// The figures in stage order, each with the longest wait of its stage.
std::vector<StageFigures> withMaxes(
    const Metrics& metrics, std::map<std::pair<std::string, std::string>, StageFigures> by_stage) {
  std::vector<StageFigures> out;
  for (auto& [key, st] : by_stage) {
    st.max = metrics.stageMax(st.workflow, st.stage);
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace

std::vector<StageFigures> Metrics::stages(const std::optional<std::string>& workflow) const {
  std::map<std::pair<std::string, std::string>, StageFigures> by_stage;
  for (const auto& [key, value] : snapshot(family('s'))) {
    const std::vector<std::string_view> f = split(key);
    if (f.size() != 4) continue;
    if (workflow && !nameMatches(f[1], *workflow)) continue;
    addStageCounter(by_stage, f[1], f[2], f[3], value);
  }
  return withMaxes(*this, std::move(by_stage));
}

std::vector<StageFigures> Metrics::stages(std::string_view workflow,
                                          const StageFilter& filter) const {
  std::map<std::pair<std::string, std::string>, StageFigures> by_stage;
  {
    std::lock_guard lock(mutex_);
    settleLocked();
    const auto it = per_value_.find(join({workflow, filter.dimension, filter.value}));
    if (it != per_value_.end()) {
      for (const auto& [stage, counts] : it->second.stages) {
        StageFigures& st = by_stage[{std::string(workflow), stage}];
        st.workflow = std::string(workflow);
        st.stage = stage;
        st.entered = counts.entered;
        st.open = counts.open;
        st.open_since_sum = counts.open_since;
        st.time = counts.time.histogram();
        st.remaining = counts.remaining.histogram();
      }
    }
  }
  return withMaxes(*this, std::move(by_stage));
}

std::map<std::string, DimensionFigures> Metrics::byDimension(std::string_view workflow,
                                                             std::string_view dimension,
                                                             int64_t from_day,
                                                             int64_t to_day) const {
  std::map<std::string, DimensionFigures> out;
  const std::string prefix = join({workflow, dimension, ""});
  // Under the lock rather than on a copy: memory holds a dimension's every value for
  // every day, and a query must not copy them.
  std::lock_guard lock(mutex_);
  settleLocked();
  for (auto value_it = per_value_.lower_bound(prefix);
       value_it != per_value_.end() && value_it->first.starts_with(prefix); ++value_it) {
    const auto& days = value_it->second.days;
    auto day = days.lower_bound(from_day);
    if (day == days.end() || day->first >= to_day) continue;
    const std::string value = value_it->first.substr(prefix.size());
    DimensionFigures& d = out[value];
    d.value = value;
    DayCounts sum;
    for (; day != days.end() && day->first < to_day; ++day)
      sum += day->second;
    d.started = sum.started;
    d.completed = sum.completed;
    d.failed = sum.failed;
    d.cancelled = sum.cancelled;
    d.sla_breaches = sum.breaches;
    d.escalations = sum.escalations;
    d.cycle = sum.cycle.histogram();
    d.outcomes.insert(sum.outcomes.begin(), sum.outcomes.end());
    // "measure currency" labels: split once per label, for its count and its sum.
    const auto measureOf = [&d](const std::string& label) -> DimensionFigures::Measure* {
      const size_t space = label.find(' ');
      if (space == std::string::npos) return nullptr;
      return &d.measures[{label.substr(0, space), label.substr(space + 1)}];
    };
    for (const auto& [label, count] : sum.measure_count)
      if (auto* m = measureOf(label)) m->count = count;
    for (const auto& [label, amount] : sum.measure_sum)
      if (auto* m = measureOf(label)) m->sum = amount;
  }
  return out;
}

int64_t Metrics::stageMax(std::string_view workflow, std::string_view stage) const {
  std::lock_guard lock(maxes_mutex_);
  const auto it = maxes_.find(join({workflow, stage}));
  return it == maxes_.end() ? 0 : it->second;
}

std::map<std::string, int64_t> Metrics::snapshot(std::string_view prefix) const {
  std::lock_guard lock(mutex_);
  settleLocked();
  std::map<std::string, int64_t> out;
  for (auto it = values_.lower_bound(prefix); it != values_.end() && it->first.starts_with(prefix);
       ++it)
    out.emplace_hint(out.end(), it->first, it->second);
  return out;
}

namespace {

// Turns counters into Insights, one counter at a time.
class InsightsBuilder {
 public:
  explicit InsightsBuilder(const InsightsQuery& query)
      : query_(query), first_hour_(floorDiv(query.since, kHourMs)) {}

  void add(std::string_view key, int64_t value) {
    const std::vector<std::string_view> f = split(key);
    if ((f.size() == 4 || (f.size() == 5 && f[2] == "open-cal")) && f[0] == "g") {
      if (!query_.workflow || nameMatches(f[1], *query_.workflow)) gauge(f, value);
      return;
    }
    if (f.size() != 5 || f[0] != "h") return;
    const auto hour = number(f[1]);
    if (!hour || *hour < first_hour_) return;
    if (query_.workflow && !nameMatches(f[2], *query_.workflow)) return;
    if (f[3].starts_with("call_") || f[3].starts_with("latency")) {
      workflow(f[2]);  // a workflow with calls is listed even without other counts
      connector(f[3], f[4], value);
    } else {
      hourly(workflow(f[2]), f[3], *hour, value);
    }
  }

  Insights finish() {
    Insights out;
    out.since = query_.since;
    out.now = query_.now;
    for (auto& [name, w] : workflows_)
      out.workflows.push_back(std::move(w));
    for (auto& [name, c] : connectors_)
      out.connectors.push_back(std::move(c));
    for (const auto& [hour, h] : series_) {
      if (h.count <= 0) continue;
      out.cycle_series.push_back(cyclePoint(hour * kHourMs, h));
    }
    return out;
  }

 private:
  WorkflowInsights& workflow(std::string_view name) {
    auto it = workflows_.find(name);
    if (it == workflows_.end()) {
      WorkflowInsights w;
      w.workflow = std::string(name);
      w.cycle = emptyHistogram(kDurationBucketsMs);
      w.decision = emptyHistogram(kDurationBucketsMs);
      it = workflows_.emplace(std::string(name), std::move(w)).first;
    }
    return it->second;
  }

  // g \0 workflow \0 (status|failed|open) \0 label
  void gauge(const std::vector<std::string_view>& f, int64_t value) {
    WorkflowInsights& w = workflow(f[1]);
    if (f[2] == "status") {
      w.by_status[std::string(f[3])] += value;
    } else if (f[2] == "failed") {
      if (value != 0) w.failed_by_kind[std::string(f[3])] += value;
    } else if (f[2] == "open") {
      if (auto minute = number(f[3])) {
        const size_t bucket = ageBucket(query_.now - *minute * kMinuteMs);
        w.open_tasks_by_age[bucket] += value;
        w.open_tasks_by_business_age[bucket] += value;
      }
    } else if (f[2] == "open-cal" && value != 0) {
      // Counted by wall age under "open" too: moved to the bucket of its business age.
      const auto minute = number(f[3]);
      if (!minute) return;
      const int64_t opened = *minute * kMinuteMs;
      const std::optional<int64_t> open_time = clock_.between(f[4], opened, query_.now);
      if (!open_time) return;
      w.open_tasks_by_business_age[ageBucket(query_.now - opened)] -= value;
      w.open_tasks_by_business_age[ageBucket(*open_time)] += value;
      w.open_tasks_in_calendar += value;
    }
  }

  static size_t ageBucket(int64_t age) {
    size_t bucket = 0;
    while (bucket < kTaskAgeBoundsMs.size() && age >= kTaskAgeBoundsMs[bucket])
      ++bucket;
    return bucket;
  }

  void connector(std::string_view name, std::string_view op, int64_t value) {
    auto it = connectors_.find(op);
    if (it == connectors_.end()) {
      ConnectorInsights c;
      c.op = std::string(op);
      c.latency = emptyHistogram(kLatencyBucketsMs);
      it = connectors_.emplace(std::string(op), std::move(c)).first;
    }
    ConnectorInsights& c = it->second;
    if (name == "call_ok") c.answered += value;
    if (name == "call_retry") c.retried += value;
    if (name == "call_fail") c.failed += value;
    if (name.starts_with("latency")) addHistogramField(c.latency, name.substr(7), value);
  }

  void hourly(WorkflowInsights& w, std::string_view name, int64_t hour, int64_t value) {
    static constexpr std::pair<std::string_view, int64_t WorkflowInsights::*> kCounts[] = {
        {"started", &WorkflowInsights::started},
        {"completed", &WorkflowInsights::completed},
        {"failed", &WorkflowInsights::failed},
        {"cancelled", &WorkflowInsights::cancelled},
        {"tasks", &WorkflowInsights::tasks_created},
        {"decided", &WorkflowInsights::tasks_decided},
        {"expired", &WorkflowInsights::tasks_expired},
        {"escalations", &WorkflowInsights::escalations},
        {"breaches", &WorkflowInsights::sla_breaches},
        {"refusals", &WorkflowInsights::refusals}};
    for (const auto& [counter, member] : kCounts) {
      if (name == counter) w.*member += value;
    }
    if (name.starts_with("cycle")) {
      addHistogramField(w.cycle, name.substr(5), value);
      auto it = series_.find(hour);
      if (it == series_.end()) it = series_.emplace(hour, emptyHistogram(kDurationBucketsMs)).first;
      addHistogramField(it->second, name.substr(5), value);
    }
    if (name.starts_with("decision")) addHistogramField(w.decision, name.substr(8), value);
  }

  const InsightsQuery& query_;
  BusinessClock clock_;
  const int64_t first_hour_;
  std::map<std::string, WorkflowInsights, std::less<>> workflows_;
  std::map<std::string, ConnectorInsights, std::less<>> connectors_;
  std::map<int64_t, Histogram> series_;
};

}  // namespace

CyclePoint cyclePoint(int64_t hour_start, Histogram cycle) {
  CyclePoint point{hour_start, cycle.count, cycle.quantile(0.5), cycle.quantile(0.95), {}};
  point.cycle = std::move(cycle);
  return point;
}

Insights Metrics::insights(const InsightsQuery& query) const {
  InsightsBuilder builder(query);
  for (const char family_letter : {'g', 'h'}) {
    for (const auto& [key, value] : snapshot(family(family_letter)))
      builder.add(key, value);
  }
  return builder.finish();
}

}  // namespace rflow::engine
