// Seeded, stratified train/validation split (train.h).
#include <algorithm>
#include <cmath>
#include <map>

#include "runtime/classifier/train.h"

namespace rflow::classifier {

namespace {

// SplitMix64: a generator whose output is fixed by its definition, unlike std::shuffle's
// use of a standard engine, whose results differ between standard libraries; a split must
// be the same wherever `rflow train` runs with the same seed.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

}  // namespace

Split stratifiedSplit(std::span<const Example> examples, double share, uint64_t seed) {
  share = std::isfinite(share) ? std::clamp(share, 0.0, 1.0) : 0.0;
  // Labels draw in order of first appearance rather than by name, so that renaming one
  // label does not change which examples of the others are drawn.
  std::vector<std::string_view> order;
  std::map<std::string_view, std::vector<size_t>> by_label;
  for (size_t i = 0; i < examples.size(); ++i) {
    auto [it, added] = by_label.try_emplace(examples[i].label);
    if (added) order.push_back(examples[i].label);
    it->second.push_back(i);
  }
  SplitMix64 rng(seed);
  std::vector<bool> validate(examples.size(), false);
  for (const std::string_view label : order) {
    std::vector<size_t>& indices = by_label[label];
    const size_t n = indices.size();
    size_t take = static_cast<size_t>(std::llround(share * static_cast<double>(n)));
    if (n >= 2 && share > 0) take = std::clamp<size_t>(take, 1, n - 1);
    if (n < 2) take = 0;
    // A partial Fisher-Yates shuffle: the first `take` places are a uniform sample.
    for (size_t i = 0; i < take; ++i) {
      const size_t j = i + static_cast<size_t>(rng.next() % (n - i));
      std::swap(indices[i], indices[j]);
      validate[indices[i]] = true;
    }
  }
  Split split;
  for (size_t i = 0; i < examples.size(); ++i)
    (validate[i] ? split.validate : split.train).push_back(examples[i]);
  return split;
}

}  // namespace rflow::classifier
