// Deployments and the program cache: module versions are stored by content hash in
// kModules, "current" in kMeta names the version new instances start on, and each version
// is loaded (verified, quickened: vm::Program) once and shared by every instance on it.
//
// Invariants: a version, once stored, never changes (it is its bytes' hash); the current
// version is read from the store once, at construction, and then changed only by
// deploy(), after its commit (which is in the partition log when there is one); programs are never
// evicted (a deployment is small and instances on old versions keep needing theirs).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "engine/engine.h"

namespace rflow::engine {

class ProgramCache {
 public:
  explicit ProgramCache(store::Store& store);

  // Stores the version and makes it current through `commit` (the engine's pipeline, so
  // that with a partition log the deployment is in the log, and a node that replays it
  // has the module its instances need).
  // With `log_seq` (a cluster's global deployment log, runtime/cluster/deployment_log.h),
  // the same batch records it as kMeta "deployment-seq": the entry this partition applied.
  std::variant<std::string, EngineError> deploy(
      std::vector<uint8_t> module_bytes, const std::function<store::Status(store::Batch)>& commit,
      std::optional<uint64_t> log_seq = std::nullopt);
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
// The version a module's bytes would be deployed as; nullopt when they do not load.
std::optional<std::string> versionOfModule(std::span<const uint8_t> bytes);

}  // namespace rflow::engine
