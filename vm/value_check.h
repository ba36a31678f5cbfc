// Checks of values that come from outside the interpreter — a host's arguments and
// effect results, and the values of a decoded state — against a module: that a value
// has the shape of a type, and that it is well formed at all (valid UTF-8, within the
// limits of limits.h, roles, enums and records that exist in the module).
//
// Values the interpreter builds from a verified module satisfy these checks by
// construction, except where a corrupt module mixes up types; the interpreter checks
// tags where that would be unsafe.
#pragma once

#include <optional>
#include <string>

#include "bytecode/module.h"
#include "vm/value.h"

namespace rflow::vm {

// Why `value` is not a value of type `type` in `module`, or nullopt when it is. Optional
// types admit none; kVoid and kNone admit only none; a record must be of that record
// with one value per field, each of the field's type; and so on down.
std::optional<std::string> checkValue(const Value& value, const bytecode::Module& module,
                                      bytecode::TypeId type);

// Why `value` is not well formed for `module`, whatever its type, or nullopt: strings
// are valid UTF-8 and at most kMaxStringBytes, lists and maps at most kMaxListLength
// long, the depth at most kMaxValueDepth, roles, enum members and records exist and a
// record has one value per field.
std::optional<std::string> checkWellFormed(const Value& value, const bytecode::Module& module);

}  // namespace rflow::vm
