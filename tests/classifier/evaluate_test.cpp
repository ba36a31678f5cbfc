// evaluate() and suggestThreshold() on hand-made scores with known answers, and on a
// trained model.
#include "runtime/classifier/evaluate.h"

#include <gtest/gtest.h>

#include "classifier_test_util.h"

namespace rflow::classifier {
namespace {

const ThresholdRow& rowAt(const Evaluation& e, double threshold) {
  for (const auto& row : e.table)
    if (std::abs(row.threshold - threshold) < 1e-9) return row;
  ADD_FAILURE() << "no row at " << threshold;
  return e.table.front();
}

TEST(Evaluate, KnownAnswers) {
  // Ten examples: confidences with right (true) or wrong (false) best labels, and one the
  // model could not place.
  const std::vector<std::pair<double, bool>> scored = {
      {0.99, true}, {0.95, true},  {0.90, true},  {0.85, false}, {0.80, true},
      {0.60, true}, {0.55, false}, {0.40, false}, {0.30, true},  {-1, false}};
  const Evaluation e = evaluateScores(scored);
  EXPECT_EQ(e.examples, 10u);
  EXPECT_DOUBLE_EQ(e.accuracy, 0.6);
  ASSERT_EQ(e.table.size(), 22u);
  EXPECT_DOUBLE_EQ(e.table.front().threshold, 0.0);
  EXPECT_DOUBLE_EQ(e.table[19].threshold, 0.95);
  EXPECT_DOUBLE_EQ(e.table.back().threshold, 0.99);

  EXPECT_EQ(rowAt(e, 0.0), (ThresholdRow{0.0, 6.0 / 9, 0.9, 9}));
  EXPECT_EQ(rowAt(e, 0.5), (ThresholdRow{0.5, 5.0 / 7, 0.7, 7}));
  EXPECT_EQ(rowAt(e, 0.6), (ThresholdRow{0.6, 5.0 / 6, 0.6, 6}));
  EXPECT_EQ(rowAt(e, 0.85), (ThresholdRow{0.85, 3.0 / 4, 0.4, 4}));  // >= counts
  EXPECT_EQ(rowAt(e, 0.9), (ThresholdRow{0.9, 1.0, 0.3, 3}));
  EXPECT_EQ(rowAt(e, 0.99), (ThresholdRow{0.99, 1.0, 0.1, 1}));

  // 0.8 precision: 0.6 (5/6) is the widest row that meets it; 0.65 to 0.80 label 5 at
  // 4/5, also meeting it, but fewer.
  EXPECT_EQ(suggestThreshold(e, 0.8), rowAt(e, 0.6));
  EXPECT_EQ(suggestThreshold(e, 1.0), rowAt(e, 0.9));
  // 0.00 to 0.30 all label the same 9 (6 right): the highest threshold wins the tie.
  EXPECT_EQ(suggestThreshold(e, 0.5), rowAt(e, 0.3));
  const std::vector<std::pair<double, bool>> one = {{0.72, true}, {0.5, false}};
  EXPECT_EQ(suggestThreshold(evaluateScores(one), 0.9), (ThresholdRow{0.7, 1.0, 0.5, 1}));
}

TEST(Evaluate, NoRowMeetsTheTarget) {
  const std::vector<std::pair<double, bool>> scored = {{0.99, false}, {0.5, true}};
  EXPECT_EQ(suggestThreshold(evaluateScores(scored), 0.9), std::nullopt);
  EXPECT_EQ(suggestThreshold(evaluateScores({}), 0.1), std::nullopt);
  const Evaluation empty = evaluateScores({});
  EXPECT_EQ(empty.examples, 0u);
  EXPECT_EQ(empty.accuracy, 0.0);
}

TEST(Evaluate, ATrainedModelOnHeldOutExamples) {
  const Model& model = testing::quantizedModel();
  const auto held_out = testing::generatedExamples(25, 1234);
  const Evaluation e = evaluate(model, held_out);
  EXPECT_EQ(e.examples, 100u);
  EXPECT_GT(e.accuracy, 0.9);
  EXPECT_EQ(e.table.front().labelled, 100u);
  for (size_t i = 1; i < e.table.size(); ++i)
    EXPECT_LE(e.table[i].labelled, e.table[i - 1].labelled);
  const auto suggested = suggestThreshold(e, 0.9);
  ASSERT_TRUE(suggested.has_value());
  EXPECT_GE(suggested->precision, 0.9);
}

}  // namespace
}  // namespace rflow::classifier
