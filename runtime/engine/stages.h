// Stages (intelligence.md §2): every wait is a stage. This file names a wait's stage and
// records, in the step's own batch, the stages a step entered and left, so the stage
// aggregates (metrics.h) and the open entries (keys.h "stage-*") equal what the committed
// instance records say, crash or not.
//
// Invariants:
//   - A wait's stage is named once, when the wait is made (stageOf), and stored with the
//     open entry ("stage-open"); its end reads it back, so a later change of naming never
//     splits one wait over two stages.
//   - Entry and exit are found by comparing the waits the step loaded with the waits it
//     leaves, whatever path (answer, timer, signal, cancel, failure) removed or added
//     them: one place, no path forgotten.
//   - The per-instance keys ("stage-open", "stage-entry") are gone once the instance
//     ended, in the batch of the step that ended it.
#pragma once

#include <string>

#include "engine/records.h"
#include "store/status.h"
#include "vm/program.h"
#include "vm/request.h"

namespace rflow::engine {

class EngineParts;
class Step;

// The stage of the wait `request` made (`wait` as the host filled it in).
std::string stageOf(const vm::Program& program, const vm::Request& request, const Wait& wait);

// Puts the stage entries and exits of `step` (loaded waits against rec.waits) into its
// batch and its metrics delta; the instance's entry times become remaining-time figures
// when it completed. Reads the open entries it closes: a failed read is the Status.
store::Status recordStages(EngineParts& parts, Step& step);

}  // namespace rflow::engine
