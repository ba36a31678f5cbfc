// Stages (intelligence.md §2): every wait is a stage. This file names a wait's stage and
// records, in the step's own batch, the stages a step entered and left, so the stage
// aggregates (metrics.h) and the open entries (keys.h "stage-*") equal what the committed
// instance records say, crash or not.
//
// Invariants:
//   - A wait's stage is named once, when the wait is made (stageOf). When the wait does not
//     name it by itself (stageOfWait), it is stored with the open entry ("stage-open") and
//     read back at its end, so a later change of naming never splits one wait in two.
//   - Entry and exit are found by comparing the waits the step loaded with the waits it
//     leaves, whatever path (answer, timer, signal, cancel, failure) removed or added
//     them: one place, no path forgotten.
//   - The per-instance keys ("stage-open", "stage-entry") are gone once the instance
//     ended, in the batch of the step that ended it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/records.h"
#include "store/status.h"
#include "vm/program.h"
#include "vm/request.h"

namespace rflow::engine {

class EngineParts;
class Step;

// The stage of the wait `request` made (`wait` as the host filled it in).
std::string stageOf(const vm::Program& program, const vm::Request& request, const Wait& wait);
// The stage a wait names by itself (a call, an await, a sleep); nullopt for approvals,
// tasks and children, whose stage comes from the request and is stored ("stage-open")
// for the wait's end. Saves a read and two writes on the commonest waits.
std::optional<std::string> stageOfWait(const Wait& wait);

// The stage of an approval or task as its record keeps it (its module's `stage` clause for
// its data record, else its title), for readers of recorded history (`rflow whatif`).
std::string stageOfTask(const bytecode::Module& module, const TaskRecord& task);

// What an open entry's index value ("stage-since", keys.h) holds, so the at-risk forecast
// and the stages of one tracked value read no instance. PERSISTED: the instance's start
// (8 bytes), then its SLA end (8 bytes; all ones for none), then the labels it is counted
// under per tracked dimension ("name\0label\0" each), then, when the wait or the SLA was
// declared in a calendar, '\x01', the wait's calendar, '\0', the SLA's calendar, '\0'
// (calendar::encode texts, either may be empty; a dimension's name never starts with
// '\x01'). Entries written before tracked dimensions are 8 (no SLA) or 16 bytes long;
// those written before calendars have none.
struct OpenEntryValue {
  int64_t created = 0;
  std::optional<int64_t> sla_end;
  std::vector<std::pair<std::string, std::string>> labels;
  std::string calendar;      // the wait's (business_ages.h)
  std::string sla_calendar;  // the instance's `sla d in C`

  std::string encode() const;
  static std::optional<OpenEntryValue> decode(std::string_view bytes);
};

// Puts the stage entries and exits of `step` (loaded waits against rec.waits) into its
// batch and its metrics delta; the instance's entry times become remaining-time figures
// when it completed (in the open time of its SLA's calendar when its `sla` is in one, so
// the at-risk forecast compares open time with open time). Reads the open entries it closes: a
// failed read is the Status.
store::Status recordStages(EngineParts& parts, Step& step);

}  // namespace rflow::engine
