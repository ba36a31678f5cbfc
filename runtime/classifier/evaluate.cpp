// Accuracy and the threshold table (evaluate.h).
#include "runtime/classifier/evaluate.h"

namespace rflow::classifier {

namespace {

std::vector<double> thresholds() {
  std::vector<double> out;
  // From integers, so that 0.15 is the double nearest 0.15 rather than a sum of 0.05s.
  for (int i = 0; i < 20; ++i)
    out.push_back(i / 20.0);
  out.push_back(0.97);
  out.push_back(0.99);
  return out;
}

}  // namespace

Evaluation evaluateScores(std::span<const std::pair<double, bool>> scored) {
  Evaluation e;
  e.examples = scored.size();
  size_t right = 0;
  for (const auto& [confidence, correct] : scored)
    right += confidence >= 0 && correct ? 1 : 0;
  e.accuracy = e.examples == 0 ? 0.0 : static_cast<double>(right) / e.examples;
  for (const double t : thresholds()) {
    size_t labelled = 0, labelled_right = 0;
    for (const auto& [confidence, correct] : scored) {
      if (confidence < 0 || confidence < t) continue;
      ++labelled;
      labelled_right += correct ? 1 : 0;
    }
    e.table.push_back(ThresholdRow{
        .threshold = t,
        .precision = labelled == 0 ? 1.0 : static_cast<double>(labelled_right) / labelled,
        .coverage = e.examples == 0 ? 0.0 : static_cast<double>(labelled) / e.examples,
        .labelled = labelled});
  }
  return e;
}

Evaluation evaluate(const Model& model, std::span<const Example> labelled) {
  std::vector<std::pair<double, bool>> scored;
  scored.reserve(labelled.size());
  for (const Example& example : labelled) {
    const std::vector<Prediction> best = model.predict(example.text, 1);
    if (best.empty()) {
      scored.emplace_back(-1.0, false);
    } else {
      scored.emplace_back(best[0].confidence, best[0].label == example.label);
    }
  }
  return evaluateScores(scored);
}

std::optional<ThresholdRow> suggestThreshold(const Evaluation& evaluation,
                                             double target_precision) {
  std::optional<ThresholdRow> best;
  for (const ThresholdRow& row : evaluation.table) {
    if (row.labelled == 0 || row.precision < target_precision) continue;
    if (!best || row.labelled > best->labelled ||
        (row.labelled == best->labelled && row.threshold > best->threshold))
      best = row;
  }
  return best;
}

}  // namespace rflow::classifier
