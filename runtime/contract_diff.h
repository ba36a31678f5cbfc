// What changed in the contracts between two versions of a project, and which changes
// break callers (`rflow contract diff`, `rflow build --deny-breaking`, the service's
// deploy answer). Types are compared by the wire encoding's rules (wire.h), in the
// direction the values travel:
//
//   rflow accepts (inbound bodies: workflow and event parameters, signals; outbound:
//   connector results) — breaking when a value that was accepted can be refused now: a
//   removed field or parameter (a sender still sends it: unknown keys are refused), a
//   new required one, an optional that became required, a removed enum member, a
//   changed type.
//   rflow writes (inbound: workflow results; outbound: connector arguments) — breaking
//   when a reader can get what it did not expect: a removed field, a value that may now
//   be null, a new enum member, a changed type. A new field is not breaking.
//
// Also: a removed workflow, signal or event breaks its callers; a new connector
// operation breaks the system behind it (it must serve one more), a removed one does not.
// Records are compared by field names, enums by member names, across the two modules;
// recursive records end because each pair of records is compared once per direction.
#pragma once

#include <string>
#include <vector>

#include "bytecode/module.h"

namespace rflow::runtime {

struct ContractChange {
  bool breaking = false;
  bool inbound = true;  // false: outbound (a connector)
  std::string where;    // "workflow retail.replenishment.Replenish, parameter `r`.`sku`"
  std::string what;     // "removed", "now required", "int became string"
};

// The changes from `before` to `after`, breaking ones first, each group in declaration
// order.
std::vector<ContractChange> diffContracts(const bytecode::Module& before,
                                          const bytecode::Module& after);

// "breaking   inbound   workflow …: removed" — one line, for people.
std::string describe(const ContractChange& change);

}  // namespace rflow::runtime
