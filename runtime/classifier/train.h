// Training a classifier from labelled examples, and splitting examples into a training
// and a validation share (`rflow train`, spec intelligence.md §1).
//
// Invariants: train() normalizes every text with normalize() (text.h), so the model sees
// exactly what predict() will give it; it returns a Model that passed the same checks as
// any loaded file (train writes the model, then loads its bytes); its errors are values,
// never exceptions. stratifiedSplit() depends on nothing but its arguments.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "runtime/classifier/model.h"

namespace rflow::classifier {

struct Example {
  std::string text;
  std::string label;  // an enum member's name, without "__label__"
  bool operator==(const Example&) const = default;
};

enum class Loss { kSoftmax, kHierarchicalSoftmax, kOneVsAll };

struct TrainOptions {
  int epoch = 25;
  double lr = 0.5;
  int dim = 50;
  int word_ngrams = 2;
  int minn = 3;  // character n-grams, so that misspelled words still land near
  int maxn = 6;
  int bucket = 200000;
  Loss loss = Loss::kSoftmax;
  int min_count = 1;
  // fastText trains "hogwild": with more than one thread, runs with the same seed differ
  // slightly. threads = 1 gives the same model bytes for the same seed and examples.
  int threads = 2;
  int seed = 0;
  // Product quantization (a .ftz): input rows cut to the `cutoff` with the largest norms
  // (0 keeps all), norms quantized separately when `qnorm`, `dsub` dimensions per code byte.
  bool quantize = true;
  int cutoff = 10000;
  bool qnorm = true;
  int dsub = 2;
  // Called from fastText's training threads, one call at a time, with progress rising
  // from 0 to 1. fastText only publishes its loss when training ends: calls before the
  // last carry NaN.
  std::function<void(double progress, double loss)> on_progress;
};

// Defaults for short texts (a sentence or two, about a hundred examples per label); the
// measurements behind them are in train.cpp.
TrainOptions defaultTrainOptions();

// A model trained on `examples`. Errors: no examples, fewer than two labels, a label that
// is empty or holds whitespace, a text that is empty after normalization, options out of
// range, or fastText failing (e.g. a learning rate so high that training diverges).
std::variant<Model, std::string> train(std::span<const Example> examples,
                                       const TrainOptions& options);

struct Split {
  std::vector<Example> train, validate;
};

// Puts round(share * n) of each label's n examples into `validate` (at least one when a
// label has two or more, never all of them), chosen by a generator seeded with `seed`;
// the rest go to `train`. Both keep the input's order. share is clamped to [0, 1].
Split stratifiedSplit(std::span<const Example> examples, double share, uint64_t seed);

}  // namespace rflow::classifier
