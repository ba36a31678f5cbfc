// The classifier effects of a step (intelligence.md §1): `classify C(text)` asks the
// engine's ClassifierModels, applies C's threshold and answers C's record; `learn C(text,
// label)` stores a labelled example. Both go into the step's batch: the classification
// with the continuation (a replayed step never asks the model again once committed), an
// audit entry each, and the quality counters (metrics.h). Internal to the engine.
//
// Keys (kMeta; keys.h):
//   "classified" \0 instance \0 classifier          the instance's last classification
//   "example" \0 classifier \0 instance \0 request   one labelled example
//   "effect" \0 instance \0 request                  the classification, for replays
//                                                   (effect_results.h)
#pragma once

#include <string_view>
#include <vector>

#include "engine/host_loop.h"
#include "engine/step.h"

namespace rflow::engine {

class EngineParts;

Answer classify(EngineParts& parts, Step& step, uint64_t request_id,
               const vm::effect::Classify& request);
Answer learn(EngineParts& parts, Step& step, uint64_t request_id, const vm::effect::Learn& request);

// Every example learned for `classifier` (qualified name), in key order.
Found<std::vector<LearnedExample>> learnedExamples(const store::Store& store,
                                                   std::string_view classifier);

// The confidence as a decimal rounded once to 4 places (what `confidence` holds), the
// same text `rflow classify` prints for it.
base::Decimal confidenceDecimal(double confidence);

}  // namespace rflow::engine
