// ModelStore: the classifier models a service keeps in its store (intelligence.md §1),
// by content hash, with the one that is current for each classifier. `rflow serve` makes
// a model current in two ways: PUT /v1/classifiers/{name}/model (source "upload"), and
// rflow.toml's [classifiers.NAME] model when its file changed since the service last saw
// it (source "rflow.toml"). A restart answers with whichever came last.
//
// Keys (kMeta; PERSISTED, listed with the engine's in runtime/engine/keys.h):
//   "model" \0 hash                  the model file's bytes
//   "model-current" \0 classifier    hash \0 source \0 since (decimal UTC ms)
//   "model-config" \0 classifier     hash of the rflow.toml model last made current
//
// Invariants: a current pointer only ever names bytes that are stored (both are written
// in one batch); a model is made current only after it loaded and its labels passed
// classifier::checkLabels against the classifier's enum, so a refused model changes
// nothing; install() serializes, so the store's current model and the registry's agree.
// Stored models are never deleted yet: the audit entries of finished instances name them
// too, and a model is small (a quantized one well under 5 MB).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "bytecode/module.h"
#include "runtime/classifier/model.h"
#include "runtime/config.h"
#include "runtime/model_registry.h"
#include "store/store.h"

namespace rflow::runtime {

inline constexpr std::string_view kSourceUpload = "upload";
inline constexpr std::string_view kSourceConfig = "rflow.toml";

struct CurrentModel {
  std::string hash;
  std::string source;  // kSourceUpload or kSourceConfig
  int64_t since = 0;   // UTC ms
};

class ModelStore {
 public:
  ModelStore(store::Store& store, ModelRegistry& registry) : store_(store), registry_(registry) {}

  store::Result<std::optional<CurrentModel>> current(std::string_view classifier) const;

  // Stores `model` (once per hash) and makes it current for `classifier` (qualified) in
  // one batch, then in the registry. With kSourceConfig, also notes it as the config's.
  store::Status install(const std::string& classifier,
                        std::shared_ptr<const classifier::Model> model, std::string_view source,
                        int64_t at);

  // At start, after the registry loaded rflow.toml's models (ModelRegistry::load): for each
  // classifier of `module`, a config model whose hash differs from the one last noted
  // becomes current (stored); otherwise the stored current model is loaded, checked
  // against the enum, and answers. A stored model that no longer fits the enum (the enum
  // changed) is left out with a warning: the person decides until a new one is put.
  // Errors only for a store that cannot be read or written.
  ModelLoadReport restore(const bytecode::Module& module, int64_t now);

 private:
  store::Store& store_;
  ModelRegistry& registry_;
  std::mutex install_mu_;
};

// Reads a model sent over the API (`bytes`) for classifier `index` of `module`: the
// model, or a message saying what is wrong with it (not a model, truncated, a label that
// is not a member), ready for a 400.
std::variant<std::shared_ptr<const classifier::Model>, std::string> modelFromBytes(
    std::string_view bytes, const bytecode::Module& module, uint32_t index, std::string* warning);

}  // namespace rflow::runtime
