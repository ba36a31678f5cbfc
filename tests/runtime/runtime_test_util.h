// Helpers for the runtime tests: a module compiled from rflow source (so the wire tests
// see records, enums, roles and defaults exactly as the compiler lays them out), type
// lookups by name, and a temporary directory removed when the test ends.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

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

// A fresh directory under the system's temporary directory, removed with its contents
// when this object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `text` to path()/name (creating directories) and returns the full path.
  std::filesystem::path write(std::string_view name, std::string_view text) const;

 private:
  std::filesystem::path path_;
};

}  // namespace rflow::runtime::testing
