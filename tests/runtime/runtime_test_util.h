// Helpers for the runtime tests: a module compiled from rflow source (so the wire tests
// see records, enums, roles and defaults exactly as the compiler lays them out), type
// lookups by name, and a temporary directory removed when the test ends.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "../common/temp_dir.h"
#include "bytecode/module.h"

namespace rflow::runtime::testing {

// Builds `source` (one file) with the prelude; fails the test (ADD_FAILURE) and returns
// an empty module when it does not compile.
bytecode::Module buildModule(std::string_view source);

// The module used by most wire and connector tests (runtime_test_util.cpp shows it).
const bytecode::Module& sampleModule();

// The type of record `record` (qualified or declared name), or of the field `field` of it.
bytecode::TypeId recordType(const bytecode::Module& m, std::string_view record);
bytecode::TypeId fieldType(const bytecode::Module& m, std::string_view record,
                           std::string_view field);
// The type whose name bytecode::typeName gives as `name` ("int", "list<money>", "shop.Line?").
bytecode::TypeId typeNamed(const bytecode::Module& m, std::string_view name);
// Index of op `op` of connector `connector` (declared names).
uint32_t opIndex(const bytecode::Module& m, std::string_view connector, std::string_view op);

using rflow::test_support::TempDir;

}  // namespace rflow::runtime::testing
