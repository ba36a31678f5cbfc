// One recorded instance replayed against another build of its project (`rflow whatif`,
// intelligence.md §4), on the engine `rflow test` uses: an in-memory store, a virtual
// clock that starts at the instance's recorded start time, and answers from the record
// instead of the outside world.
//
//   - a connector call gets the result the original got for the same operation and
//     arguments (the first unused one, in the order they were made);
//   - `classify` gets the original's classification of the same text;
//   - an approval or task gets the original's decision at its wait with the same stage
//     (the n-th wait of a stage matches the original's n-th), after the same time the
//     original took to decide; one the original let expire expires by its due time; one
//     still open in the original leaves the replay waiting there, its timers (escalations,
//     expiry) fired only as far as the original had waited when the record ends;
//   - anything the original never reached (a call it never made, a stage it never
//     waited at, a signal, a child workflow, a decision the replay's policies refuse)
//     ends the replay as "unknown from here", naming the stage.
//
// Invariants: nothing of the recorded data is changed (the record is read-only input);
// one Replayer replays many instances one after another, each from a clean slate of
// answers, on an engine and in-memory store it renews every so many replays (what earlier
// replays left behind never changes a later one); a replay ends (a step bound stops one
// that would not).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/figures.h"
#include "engine/recorded.h"

namespace rflow::whatif {

struct Replayed {
  std::string id;           // the recorded instance
  std::string old_outcome;  // "Posted", "failed", "cancelled", "waiting"
  std::string new_outcome;  // the same words; empty when unknown
  bool unknown = false;
  std::string unknown_stage;   // where the replay could not go on
  std::string unknown_reason;  // why, for a person
  // Approvals and tasks per stage: the original's, and the replay's (when known).
  std::map<std::string, int64_t> old_stages;
  std::map<std::string, int64_t> new_stages;
  std::vector<engine::MeasureValue> old_measures;
  std::vector<engine::MeasureValue> new_measures;
};

class RecordedCalls;
class RecordedClassifiers;

class Replayer {
 public:
  // `module_bytes`: the project to replay against (a built .rfc). Check setupError().
  explicit Replayer(const std::vector<uint8_t>& module_bytes);
  ~Replayer();
  Replayer(const Replayer&) = delete;
  Replayer& operator=(const Replayer&) = delete;

  const std::string& setupError() const { return setup_error_; }
  const bytecode::Module& module() const;

  // Replays `recorded`; `old_module` is the version it ran on (null when it is not
  // stored: its result then reads as "completed"); `recorded_until`, where the record
  // ends (engine::RecordedHistory): a wait still open in the original is not carried
  // past it.
  Replayed replay(const engine::RecordedInstance& recorded, const bytecode::Module* old_module,
                  int64_t recorded_until);

 private:
  struct Run;
  void advance(int64_t to);
  // A new in-memory store and engine with the module deployed; the problem, or "".
  std::string freshEngine();

  std::shared_ptr<const vm::Program> program_;
  std::unique_ptr<engine::ManualClock> clock_;
  std::unique_ptr<RecordedCalls> calls_;
  std::unique_ptr<RecordedClassifiers> classifiers_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<engine::Engine> engine_;
  std::vector<uint8_t> module_bytes_;
  int replays_on_engine_ = 0;
  std::string setup_error_;
};

// How an instance ended, in the words of the report: the printed result of a completed
// one, else "failed", "cancelled" or "waiting".
std::string outcomeOf(engine::Status status, const vm::Value* result,
                      const bytecode::Module* module, uint32_t workflow);

}  // namespace rflow::whatif
