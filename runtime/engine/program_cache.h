// Deployments and the program cache: module versions are stored by content hash in
// kModules, "current" in kMeta names the version new instances start on, and each version
// is loaded (verified, quickened: vm::Program) once and shared by every instance on it.
//
// Invariants: a version, once stored, never changes (it is its bytes' hash); the current
// version is read from the store once, at construction, and then changed only by
// deploy(), after its commit; programs are never evicted (a deployment is small and
// instances on old versions keep needing theirs).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/engine.h"

namespace rflow::engine {

class ProgramCache {
 public:
  explicit ProgramCache(store::Store& store);

  std::variant<std::string, EngineError> deploy(std::vector<uint8_t> module_bytes);
  std::optional<std::string> currentVersion() const;
  std::shared_ptr<const vm::Program> current() const;
  // The program of `version`: from memory, else loaded from the store. A version that is
  // not stored (or does not load) is kNotFound; a failed read is kStorage.
  Found<std::shared_ptr<const vm::Program>> get(const std::string& version) const;

 private:
  store::Store& store_;
  mutable std::mutex mutex_;
  std::optional<std::string> current_;
  mutable std::map<std::string, std::shared_ptr<const vm::Program>> programs_;
};

// The version (content hash, hex) of a loaded module.
std::string versionOf(const vm::Program& program);

}  // namespace rflow::engine
