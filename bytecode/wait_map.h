// Matching the wait places of one module version with another's (intelligence.md §4,
// "Migration of waiting instances"): for every place an instance of a workflow can wait
// in `from`, the place of `to` it moves to, or why it cannot move.
//
// A place maps when `to` has, in the workflow of the same qualified name, a place of the
// same kind, stage name and ordinal (module.h, WaitPlace) whose wait has the same shape
// (the same data and form records for approvals and tasks, signal for awaits, op for
// calls, child workflow for starts), when neither sits in a `try` body or a `parallel`
// branch, and when every variable live there in `to` is live in `from` under the same
// name with the same type, or has a constant default. Types are the same when their
// structure is: tags, elements, enums (name and members in order), records (name, or for
// the records the compiler makes for an approval's data and a task's form, only their
// fields; field names and types in order).
//
// Nothing here changes a module; the VM moves a state by the mapping (vm/state_migrate.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bytecode/module.h"

namespace rflow::bytecode {

// Declarations of `from` found the same in `to`: record and enum indices.
struct DeclMap {
  std::map<uint32_t, uint32_t> records;
  std::map<uint32_t, uint32_t> enums;
};

// Whether type `a` of `from` is type `b` of `to` (as above); pairs found the same are
// added to `decls`.
bool sameType(const Module& from, TypeId a, const Module& to, TypeId b, DeclMap& decls);

// Where a slot of the new frame gets its value: an old slot, or a constant of `to`.
struct SlotFill {
  uint32_t slot;  // in `to`'s body
  std::optional<uint32_t> from_slot;
  std::optional<ConstantId> constant;
};

struct PlaceMap {
  uint32_t from_place;               // index into from.waits
  std::optional<uint32_t> to_place;  // index into to.waits; none: it does not map
  std::string reason;                // why not, for a person
  std::vector<SlotFill> fills;       // one per live variable of the new place
};

struct WorkflowMap {
  std::string workflow;  // qualified
  uint32_t from_workflow = 0;
  uint32_t to_workflow = 0;
  std::vector<PlaceMap> places;  // in the order of from.waits
  DeclMap decls;
};

struct WaitMapError {
  enum class Code : uint8_t {
    kUnknownWorkflow,     // not in `from`
    kNotInNewVersion,     // in `from`, not in `to`
    kAmbiguousWorkflow,   // a declared name several workflows share
    kNoWaitPlaces,        // `from` is older than format 5 and records none
  } code;
  std::string message;
};

// `workflow` is a qualified or declared name of a workflow of `from`.
std::variant<WorkflowMap, WaitMapError> mapWaits(const Module& from, const Module& to,
                                                 std::string_view workflow);

// "approval \"big reorder review\"" or "approval \"review\" #2": a place as people see it.
std::string placeText(const Module& m, const WaitPlace& place);

}  // namespace rflow::bytecode
