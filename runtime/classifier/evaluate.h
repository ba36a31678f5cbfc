// How well a model does on labelled examples it was not trained on, and which threshold
// to declare (`rflow train`'s validation table, `rflow classify --data`; spec
// intelligence.md §1).
//
// Definitions, matching the runtime's: an example is labelled at threshold t when its best
// confidence is at least t (a text the model cannot place is never labelled, not even at
// 0); precision is the share of labelled examples whose best label is right (1 when none
// are labelled); coverage is the share of all examples that are labelled.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "runtime/classifier/model.h"
#include "runtime/classifier/train.h"

namespace rflow::classifier {

struct ThresholdRow {
  double threshold;
  double precision;
  double coverage;
  size_t labelled;
  bool operator==(const ThresholdRow&) const = default;
};

struct Evaluation {
  size_t examples = 0;
  double accuracy = 0;  // share whose best label is right, whatever its confidence
  // Thresholds 0.00, 0.05, …, 0.95, then 0.97 and 0.99, where precise triage lives.
  std::vector<ThresholdRow> table;
};

Evaluation evaluate(const Model& model, std::span<const Example> labelled);

// The same table from (best confidence, right?) pairs, for callers that already have the
// predictions (and for tests with known answers). A confidence < 0 means no prediction.
Evaluation evaluateScores(std::span<const std::pair<double, bool>> scored);

// The row meeting `target_precision` that labels the most examples; among rows that label
// as many, the highest threshold (the same coverage with a margin to spare). None when no
// row with a labelled example meets the target.
std::optional<ThresholdRow> suggestThreshold(const Evaluation& evaluation, double target_precision);

}  // namespace rflow::classifier
