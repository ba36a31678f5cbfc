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

// The defaults below suit short texts (a sentence or two, about a hundred examples per
// label). They were chosen on the store issues of
// scripts/make_triage_data.py (6 labels, typos and abbreviations, a few percent
// ambiguous rows), a stratified tenth held out, on 2 cores shared with other builds (so
// wall times are pessimistic):
//
//   10,000 rows, these defaults:   accuracy 0.976, 16 s wall (10 s CPU) to train and
//                                  quantize, .ftz 0.40 MB, 19 us per prediction
//   the same, not quantized:       0.977, 6.5 s wall, .bin 40.7 MB
//   fasttext CLI, 48 settings      best 0.979 (dim 100, epoch 50, lr 1.0, bigrams, no
//   (dim 50/100, epoch 25/50, lr   subwords, not quantized); most 0.972-0.977
//   0.5/1, wordNgrams 1/2, minn-
//   maxn 0-0/2-5/3-6, 2 threads):
//   minn 2, maxn 5:                0.971, 21 s wall
//   no subwords (quantized):       0.974; quantization costs them more
//   cutoff 20,000 / 50,000:        0.976 / 0.978, .ftz 0.75 / 1.8 MB, 16 / 33 s CPU
//   1,800 rows (~300 per label):   0.967, 10 s wall, .ftz 0.40 MB
//
// Quantization's k-means over the `cutoff` rows is most of the time, hence a cutoff of
// 10,000. Subwords (3- to 6-grams) cost little accuracy on this data and keep
// misspelled and unseen words ("frezer") near the words they mean.
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
  // last carry NaN. The last call carries fastText's running loss, or, when fastText has
  // none (its first thread saw no example), meanLabelLoss over the examples.
  std::function<void(double progress, double loss)> on_progress;
};

// TrainOptions{}: the defaults measured above.
TrainOptions defaultTrainOptions();

// The mean over `examples` of -ln(the confidence `model` gives the example's label), a
// confidence below 1e-5 counted as 1e-5; NaN for no examples.
double meanLabelLoss(const Model& model, std::span<const Example> examples);

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
