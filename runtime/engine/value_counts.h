// The figures of one value of a tracked dimension (intelligence.md §2), as memory keeps
// them and as a step's delta carries them: typed fields updated in place, so counting a
// step for each of its instance's dimensions builds and parses no counter names.
//
// The store keeps the same figures as named counters (metrics.cpp's vocabulary):
//   day counters   <day> \0 <name> \0 <label>   under "d \0 workflow \0 dim \0 value"
//   stage counters <stage> \0 <name>            under "e \0 workflow \0 dim \0 value"
// forEachStored() turns the fields into those names, addStored() reads them back; the
// two are the only places that know the names, and a name's meaning never changes.
//
// Invariants: fields only add up (every field of a sum is the sum of the fields); a
// field at zero is not stored.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "engine/histogram.h"

namespace rflow::engine {

// One UTC day of one tracked value.
struct DayCounts {
  int64_t started = 0, completed = 0, failed = 0, cancelled = 0;
  int64_t breaches = 0, escalations = 0;
  DurationCounts cycle;                                  // completed instances, start to end
  std::map<std::string, int64_t, std::less<>> outcomes;  // enum member -> completed
  // "measure currency" -> ended instances that had it / their sum in 1/kMeasureScale
  std::map<std::string, int64_t, std::less<>> measure_count, measure_sum;

  DayCounts& operator+=(const DayCounts& other);
};

// One stage of one tracked value, since the store began.
struct StageCounts {
  int64_t entered = 0;
  int64_t open = 0;
  int64_t open_since = 0;    // the sum of the open waits' start times (ms)
  DurationCounts time;       // time in stage of the waits that ended
  DurationCounts remaining;  // completed instances: last entry into it to completion

  StageCounts& operator+=(const StageCounts& other);
};

struct ValueCounts {
  std::map<int64_t, DayCounts> days;  // by UTC day (ms / kDayMs)
  std::map<std::string, StageCounts, std::less<>> stages;

  bool empty() const { return days.empty() && stages.empty(); }
  ValueCounts& operator+=(const ValueCounts& other);

  // Adds one stored counter: `family` 'd' or 'e', `rest` the name after the value's
  // fields. False for a name this version does not know (it is left out).
  bool addStored(char family, std::string_view rest, int64_t amount);
  // Calls `out` with each non-zero field as a stored counter (family, rest).
  void forEachStored(
      const std::function<void(char family, std::string_view rest, int64_t amount)>& out) const;
};

}  // namespace rflow::engine
