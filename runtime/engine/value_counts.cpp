// A tracked value's figures and their stored counter names (value_counts.h).
#include "engine/value_counts.h"

#include <array>
#include <charconv>
#include <string>

namespace rflow::engine {

namespace {

constexpr char kSep = '\0';

std::optional<int64_t> number(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

void addMap(std::map<std::string, int64_t, std::less<>>& into,
            const std::map<std::string, int64_t, std::less<>>& from) {
  for (const auto& [name, amount] : from)
    into[name] += amount;
}

// The plain day counters by stored name.
constexpr std::array<std::pair<std::string_view, int64_t DayCounts::*>, 6> kDayFields = {{
    {"started", &DayCounts::started},
    {"completed", &DayCounts::completed},
    {"failed", &DayCounts::failed},
    {"cancelled", &DayCounts::cancelled},
    {"breaches", &DayCounts::breaches},
    {"escalations", &DayCounts::escalations},
}};
constexpr std::array<std::pair<std::string_view, int64_t StageCounts::*>, 3> kStageFields = {{
    {"entered", &StageCounts::entered},
    {"open", &StageCounts::open},
    {"open_since", &StageCounts::open_since},
}};

// One field of a stored histogram ("_sum", "_b3"; "_n", which stores written before
// also kept, is the sum of the buckets and is not needed). False for others.
bool addDurationField(DurationCounts& d, std::string_view field, int64_t amount) {
  if (field == "_n") return true;
  if (field == "_sum") {
    d.sum += amount;
    return true;
  }
  if (!field.starts_with("_b")) return false;
  const auto i = number(field.substr(2));
  if (!i || *i < 0 || static_cast<size_t>(*i) >= d.buckets.size()) return false;
  d.buckets[static_cast<size_t>(*i)] += amount;
  return true;
}

// Calls `out(name, amount)` for each non-zero field of `d` named `prefix`_sum / _b<i>.
template <typename Out>
void forEachDurationField(const DurationCounts& d, std::string_view prefix, Out&& out) {
  std::string name(prefix);
  if (d.sum != 0) out(name + "_sum", d.sum);
  for (size_t i = 0; i < d.buckets.size(); ++i) {
    if (d.buckets[i] != 0) out(name + "_b" + std::to_string(i), d.buckets[i]);
  }
}

bool addDay(DayCounts& day, std::string_view name, std::string_view label, int64_t amount) {
  for (const auto& [field, member] : kDayFields) {
    if (name == field) {
      day.*member += amount;
      return true;
    }
  }
  if (name.starts_with("cycle")) return addDurationField(day.cycle, name.substr(5), amount);
  if (name == "outcome") {
    day.outcomes[std::string(label)] += amount;
    return true;
  }
  if (name == "mn" || name == "msum") {
    (name == "mn" ? day.measure_count : day.measure_sum)[std::string(label)] += amount;
    return true;
  }
  return false;
}

bool addStage(StageCounts& stage, std::string_view name, int64_t amount) {
  for (const auto& [field, member] : kStageFields) {
    if (name == field) {
      stage.*member += amount;
      return true;
    }
  }
  if (name.starts_with("time")) return addDurationField(stage.time, name.substr(4), amount);
  if (name.starts_with("rem")) return addDurationField(stage.remaining, name.substr(3), amount);
  return false;
}

}  // namespace

DayCounts& DayCounts::operator+=(const DayCounts& other) {
  for (const auto& [field, member] : kDayFields)
    this->*member += other.*member;
  cycle += other.cycle;
  addMap(outcomes, other.outcomes);
  addMap(measure_count, other.measure_count);
  addMap(measure_sum, other.measure_sum);
  return *this;
}

StageCounts& StageCounts::operator+=(const StageCounts& other) {
  for (const auto& [field, member] : kStageFields)
    this->*member += other.*member;
  time += other.time;
  remaining += other.remaining;
  return *this;
}

ValueCounts& ValueCounts::operator+=(const ValueCounts& other) {
  for (const auto& [day, counts] : other.days)
    days[day] += counts;
  for (const auto& [stage, counts] : other.stages) {
    auto it = stages.find(stage);
    if (it == stages.end()) it = stages.emplace(stage, StageCounts{}).first;
    it->second += counts;
  }
  return *this;
}

bool ValueCounts::addStored(char family, std::string_view rest, int64_t amount) {
  const size_t first = rest.find(kSep);
  if (first == std::string_view::npos) return false;
  if (family == 'e') {  // stage \0 name
    const std::string_view stage = rest.substr(0, first);
    auto it = stages.find(stage);
    if (it == stages.end()) it = stages.emplace(std::string(stage), StageCounts{}).first;
    return addStage(it->second, rest.substr(first + 1), amount);
  }
  if (family != 'd') return false;
  // day \0 name \0 label
  const size_t second = rest.find(kSep, first + 1);
  const auto day = number(rest.substr(0, first));
  if (!day || second == std::string_view::npos) return false;
  return addDay(days[*day], rest.substr(first + 1, second - first - 1), rest.substr(second + 1),
                amount);
}

void ValueCounts::forEachStored(
    const std::function<void(char, std::string_view, int64_t)>& out) const {
  std::string name;
  for (const auto& [day, d] : days) {
    const std::string prefix = std::to_string(day) + kSep;
    const auto put = [&](std::string_view field, std::string_view label, int64_t amount) {
      if (amount == 0) return;
      name.assign(prefix);
      name += field;
      name += kSep;
      name += label;
      out('d', name, amount);
    };
    for (const auto& [field, member] : kDayFields)
      put(field, {}, d.*member);
    forEachDurationField(d.cycle, "cycle",
                         [&](const std::string& field, int64_t amount) { put(field, {}, amount); });
    for (const auto& [member, amount] : d.outcomes)
      put("outcome", member, amount);
    for (const auto& [label, amount] : d.measure_count)
      put("mn", label, amount);
    for (const auto& [label, amount] : d.measure_sum)
      put("msum", label, amount);
  }
  for (const auto& entry : stages) {
    // Named, not a structured binding: clang refuses to capture those in a lambda.
    const std::string& stage = entry.first;
    const StageCounts& s = entry.second;
    const auto put = [&](std::string_view field, int64_t amount) {
      if (amount == 0) return;
      name.assign(stage);
      name += kSep;
      name += field;
      out('e', name, amount);
    };
    for (const auto& [field, member] : kStageFields)
      put(field, s.*member);
    forEachDurationField(s.time, "time",
                         [&](const std::string& field, int64_t amount) { put(field, amount); });
    forEachDurationField(s.remaining, "rem",
                         [&](const std::string& field, int64_t amount) { put(field, amount); });
  }
}

}  // namespace rflow::engine
