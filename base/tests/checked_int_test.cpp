// Overflow-checked int64 arithmetic.
#include "base/checked_int.h"

#include <gtest/gtest.h>

#include "base/tests/test_util.h"

namespace rflow::base {
namespace {

using testutil::str;

TEST(CheckedInt, AddSubMul) {
  EXPECT_EQ(str(checkedAdd(2, 3)), "5");
  EXPECT_EQ(str(checkedAdd(INT64_MAX, 1)), "error:kOverflow");
  EXPECT_EQ(str(checkedAdd(INT64_MIN, -1)), "error:kOverflow");
  EXPECT_EQ(str(checkedAdd(INT64_MAX, INT64_MIN)), "-1");
  EXPECT_EQ(str(checkedSub(INT64_MIN, 1)), "error:kOverflow");
  EXPECT_EQ(str(checkedSub(0, INT64_MIN)), "error:kOverflow");
  EXPECT_EQ(str(checkedSub(-1, INT64_MIN)), std::to_string(INT64_MAX));
  EXPECT_EQ(str(checkedMul(INT64_MAX, 2)), "error:kOverflow");
  EXPECT_EQ(str(checkedMul(INT64_MIN, -1)), "error:kOverflow");
  EXPECT_EQ(str(checkedMul(-1, INT64_MAX)), std::to_string(-INT64_MAX));
  EXPECT_EQ(str(checkedMul(3'037'000'499, 3'037'000'499)), "9223372030926249001");
  EXPECT_EQ(str(checkedMul(3'037'000'500, 3'037'000'500)), "error:kOverflow");
}

TEST(CheckedInt, DivisionTruncatesAndChecks) {
  EXPECT_EQ(str(checkedDiv(7, 2)), "3");
  EXPECT_EQ(str(checkedDiv(-7, 2)), "-3");
  EXPECT_EQ(str(checkedDiv(7, -2)), "-3");
  EXPECT_EQ(str(checkedDiv(1, 0)), "error:kDivisionByZero");
  EXPECT_EQ(str(checkedDiv(INT64_MIN, -1)), "error:kOverflow");
  EXPECT_EQ(str(checkedDiv(INT64_MIN, 1)), std::to_string(INT64_MIN));
  EXPECT_EQ(str(checkedRem(7, 2)), "1");
  EXPECT_EQ(str(checkedRem(-7, 2)), "-1");
  EXPECT_EQ(str(checkedRem(7, -2)), "1");
  EXPECT_EQ(str(checkedRem(5, 0)), "error:kDivisionByZero");
  EXPECT_EQ(str(checkedRem(INT64_MIN, -1)), "0");
  static_assert(checkedDiv(-9, 4).value() * 4 + checkedRem(-9, 4).value() == -9);
}

TEST(CheckedInt, NegationAndAbs) {
  EXPECT_EQ(str(checkedNeg(5)), "-5");
  EXPECT_EQ(str(checkedNeg(INT64_MAX)), std::to_string(-INT64_MAX));
  EXPECT_EQ(str(checkedNeg(INT64_MIN)), "error:kOverflow");
  EXPECT_EQ(str(checkedAbs(-5)), "5");
  EXPECT_EQ(str(checkedAbs(INT64_MIN)), "error:kOverflow");
}

TEST(ResultType, HoldsAValueOrAnError) {
  constexpr Result<int64_t> value = 5;
  constexpr Result<int64_t> error = ArithmeticError::kOverflow;
  static_assert(value.ok() && *value == 5 && value.valueOr(0) == 5);
  static_assert(!error.ok() && error.error() == ArithmeticError::kOverflow &&
                error.valueOr(7) == 7);
  static_assert(value == Result<int64_t>(5) && value != error);
  static_assert(error == Result<int64_t>(ArithmeticError::kOverflow));
  static_assert(error != Result<int64_t>(ArithmeticError::kDivisionByZero));
  EXPECT_TRUE(static_cast<bool>(value));
  EXPECT_FALSE(static_cast<bool>(error));
}

TEST(ErrorPhrases, EveryErrorHasWords) {
  for (const auto error : {ArithmeticError::kOverflow, ArithmeticError::kTooManyDigits,
                           ArithmeticError::kDivisionByZero, ArithmeticError::kCurrencyMismatch,
                           ArithmeticError::kOutOfRange, ArithmeticError::kInvalidText}) {
    const std::string_view phrase = errorPhrase(error);
    EXPECT_FALSE(phrase.empty());
    EXPECT_NE(phrase.back(), '.');
    EXPECT_TRUE(phrase[0] >= 'a' && phrase[0] <= 'z') << phrase;
  }
  EXPECT_EQ(errorPhrase(ArithmeticError::kDivisionByZero), "division by zero");
}

}  // namespace
}  // namespace rflow::base
