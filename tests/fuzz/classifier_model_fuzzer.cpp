// Fuzz target for the classifier model loader (runtime/classifier/model_format.cpp and
// fastText behind it): any bytes must give a Model or an error value, never a crash, a
// hang, a leak or an unbounded allocation. A model that loads must predict sanely
// (confidences in [0, 1] adding up to at most 1, most likely first) and load again from
// its own bytes with the same hash.
//
// Built as a libFuzzer binary with -DRFLOW_FUZZ=ON (clang), and linked into
// classifier_model_fuzz_test (classifier_model_mutation_driver.cpp) in every build.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "runtime/classifier/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rflow::classifier;
  // Larger inputs only make each run slower, not the search better.
  if (size > 1024 * 1024) return 0;
  auto loaded = Model::load(std::string_view(reinterpret_cast<const char*>(data), size));
  if (auto* error = std::get_if<std::string>(&loaded)) {
    // Every refusal says where; one that does not came from fastText, past our checks.
    if (error->rfind("at byte ", 0) != 0) std::abort();
    return 0;
  }
  const Model& model = std::get<Model>(loaded);
  if (model.labels().empty()) std::abort();
  for (std::string_view text : {"freezer in aisle 4 is warm, dripping!!", "", "x", "café €5"}) {
    double total = 0, previous = 1;
    for (const Prediction& p : model.predict(text, 1000)) {
      if (!(p.confidence >= 0 && p.confidence <= previous)) std::abort();
      previous = p.confidence;
      total += p.confidence;
    }
    if (total > 1.0 + 1e-9) std::abort();
  }
  auto again = Model::load(model.bytes());
  if (!std::holds_alternative<Model>(again) || std::get<Model>(again).hash() != model.hash())
    std::abort();
  return 0;
}
