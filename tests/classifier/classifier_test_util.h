// Shared pieces of the classifier tests: a small generated data set of store issues in
// four labels (deterministic, so models trained on it with one thread are too), the
// options that train the committed tiny samples, and models trained once per process.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "runtime/classifier/model.h"
#include "runtime/classifier/train.h"

namespace rflow::classifier::testing {

inline const std::vector<std::string> kLabels = {"Refrigeration", "Pricing", "Staffing", "Damage"};

// `per_label` examples of each label, the labels interleaved, from a fixed seed.
std::vector<Example> generatedExamples(size_t per_label, uint64_t seed = 1);

// Small, quick and deterministic (one thread): what the tiny samples are trained with.
TrainOptions tinyOptions(bool quantize);

// Trained once per process on generatedExamples(40), with tinyOptions.
const Model& quantizedModel();
const Model& denseModel();

std::string readFile(const std::filesystem::path& path);
std::filesystem::path samplesDir();

}  // namespace rflow::classifier::testing
