// Recorded history, read back for replays (`rflow whatif`, intelligence.md §4): the
// instances of a data directory with what each got from outside — its arguments and
// start time (the instance record), its decisions (its task records, with the form of a
// completed task), its connector results and classifications (effect_results.h) — and
// the module versions they ran on. Reads only: the store may be opened read-only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bytecode/module.h"
#include "engine/effect_results.h"
#include "engine/figures.h"
#include "engine/records.h"
#include "store/store.h"

namespace rflow::engine {

struct RecordedInstance {
  InstanceRecord record;
  InstanceFigures figures;
  std::vector<TaskRecord> tasks;      // its approvals and tasks, in the order they were made
  std::vector<EffectResult> effects;  // in the order they were made
};

struct RecordedQuery {
  // Instances of these workflows (qualified names); empty: of every workflow.
  std::vector<std::string> workflows;
  std::optional<int64_t> since;  // created at or after (UTC ms)
  size_t limit = SIZE_MAX;       // the first `limit` by start time
};

// The instances `query` asks for, oldest first (ties by id), each with its tasks and
// effects. A record that cannot be read is skipped and counted in `unreadable`.
struct RecordedHistory {
  std::vector<RecordedInstance> instances;
  size_t unreadable = 0;
  // The latest time any record of the store knows (an instance's start, last write or
  // end, a task's creation or decision): as far as the store can tell, where the record
  // ends. A task still open in the record was open until at least then.
  int64_t recorded_until = 0;
};
store::Result<RecordedHistory> readRecorded(const store::Store& store, const RecordedQuery& query);

// The modules the instances ran on, by version; a version that cannot be read or loaded
// is absent (its instances' recorded values cannot be decoded).
store::Result<std::map<std::string, std::shared_ptr<const bytecode::Module>>> recordedModules(
    const store::Store& store, const std::vector<RecordedInstance>& instances);

}  // namespace rflow::engine
