// The doc comments (`///`) of a checked program, by qualified name, for what the
// contracts describe (runtime/wire_schema.h's DocTable): records, signals, forms and
// enums with their fields and members, connectors with their operations, workflows and
// event triggers. The bytecode module keeps no doc comments, so whoever holds the
// checked program collects them here.
//
// Keys: "retail.systems.Velocity", "retail.systems.Velocity.daily",
// "retail.common.Priority.High", "retail.systems.pos" and "retail.systems.pos.velocity",
// "retail.replenishment.Replenish", and "event stock_low" for an `on event` trigger.
// Declarations without a doc comment have no entry.
#pragma once

#include <map>
#include <string>

#include "check/program.h"

namespace rflow::compiler {

std::map<std::string, std::string, std::less<>> collectDocs(const check::Program& program);

}  // namespace rflow::compiler
