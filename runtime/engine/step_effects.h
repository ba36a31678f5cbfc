// The step effects a step and an `on breach` handler answer alike: `now` (the step's
// time), `note` and `notify` (audited in the step). Internal to the engine.
#pragma once

#include <optional>

#include "engine/host_loop.h"
#include "engine/step.h"

namespace rflow::engine {

// The answer to `request` when it is one of those effects; nullopt otherwise.
std::optional<Answer> answerStepEffect(Step& step, const vm::Request& request);

}  // namespace rflow::engine
