// `rflow whatif` (intelligence.md §4): replays the recorded instances of a data directory
// against a build of the project with changed constants (replay.h) and sums up what would
// have been different: outcomes same / different (old -> new) / unknown, approvals and
// tasks avoided or added per stage, each measure's sum old and new, and the first changed
// instances. Reads the data directory only; the replays live in memory.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"

namespace rflow::whatif {

// How many changed instances the report names.
inline constexpr size_t kChangedShown = 20;

struct WhatIfOptions {
  std::vector<std::string> workflows;  // qualified names; empty: every recorded workflow
  std::optional<int64_t> since;        // instances started at or after (UTC ms)
  size_t limit = SIZE_MAX;             // the first N by start time
};

struct StageCounts {
  std::string stage;
  int64_t old_count = 0;  // approvals and tasks the originals made here
  int64_t new_count = 0;  // the replays
  int64_t avoided = 0;    // per instance, old beyond new, summed
  int64_t added = 0;      // per instance, new beyond old, summed
};

struct MeasureSums {
  std::string name;
  std::string old_sum;  // as the language writes it ("12,500.00 USD" is "12500.00 USD")
  std::string new_sum;
  int64_t instances = 0;  // instances whose replay is known and that set it either way
};

struct WhatIfReport {
  size_t instances = 0;
  size_t same = 0;
  size_t different = 0;
  size_t unknown = 0;
  // old outcome -> new outcome, for the different ones.
  std::map<std::pair<std::string, std::string>, size_t> changes;
  // Unknown replays by the stage they stopped at and the original's outcome.
  std::map<std::pair<std::string, std::string>, size_t> unknown_at;
  std::vector<StageCounts> stages;    // of instances whose replay is known
  std::vector<MeasureSums> measures;  // likewise
  std::vector<std::string> changed;   // the first kChangedShown different ones, by start
  size_t unreadable = 0;              // records that could not be read
  double seconds = 0;                 // the replays' wall time
};

// Replays; `setup_error` is set (and the report empty) when the project cannot run.
store::Result<WhatIfReport> whatIf(const store::Store& data,
                                   const std::vector<uint8_t>& module_bytes,
                                   const WhatIfOptions& options, std::string& setup_error);

std::string renderText(const WhatIfReport& report);
std::string renderJson(const WhatIfReport& report);

}  // namespace rflow::whatif
