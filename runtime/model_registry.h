// ModelRegistry: the classifier models a running engine answers `classify` with
// (intelligence.md §1), one current model per classifier, as rflow.toml's
// [classifiers.NAME] tables configure them; `rflow serve` and `rflow run` hand it to the
// engine as EngineOptions::classifiers.
//
// Invariants: every model held passed classifier::checkLabels against its classifier's
// enum (no label that is not a member); keys are qualified classifier names of the module
// it was loaded for; a classifier with no model is absent, and classify() answers nullopt
// for it (the engine then records "no model" and the person decides). All members are
// safe to call from many threads at once: a model is immutable and shared, so replacing
// one (set) never disturbs a prediction already running on the old one.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bytecode/module.h"
#include "engine/engine.h"
#include "runtime/classifier/model.h"
#include "runtime/config.h"

namespace rflow::runtime {

// What loading found: errors refuse the start (a model that cannot be read, a label that
// is not a member, a table naming no classifier); warnings do not (members a model never
// predicts). Each message names the file and, where there is one, rflow.toml's line.
struct ModelLoadReport {
  std::vector<std::string> errors;
  std::vector<std::string> warnings;

  // "the classifier models cannot be loaded:" and the errors, one a line; nullopt with none.
  std::optional<std::string> failure() const;
};

class ModelRegistry final : public engine::ClassifierModels {
 public:
  // Loads the model of every [classifiers.NAME] table of `config` for `module`'s
  // classifiers, replacing what was held. Models are held only when there are no errors.
  ModelLoadReport load(const bytecode::Module& module, const Config& config);

  // Makes `model` current for `classifier` (qualified); nullptr removes it.
  void set(const std::string& classifier, std::shared_ptr<const classifier::Model> model);
  std::shared_ptr<const classifier::Model> current(std::string_view classifier) const;

  std::optional<engine::ModelAnswer> classify(std::string_view classifier,
                                              std::string_view text) override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const classifier::Model>, std::less<>> models_;
};

// The classifier of `module` that `name` means: its qualified name, else the one declared
// with that short name; an error message (with "did you mean") otherwise.
std::variant<uint32_t, std::string> findClassifier(const bytecode::Module& module,
                                                   std::string_view name);

// The members of enum `index` of `module`, by name.
std::vector<std::string> enumMembers(const bytecode::Module& module, uint32_t index);

// Reads the model at `path` and checks its labels against `members`: the model, or the
// message to print (naming the file); `warning` gets the members the model lacks, if any.
std::variant<std::shared_ptr<const classifier::Model>, std::string> loadModelFor(
    const std::filesystem::path& path, std::string_view classifier,
    const std::vector<std::string>& members, std::string* warning);

}  // namespace rflow::runtime
