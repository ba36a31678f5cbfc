// Decimal text: the literal and wire forms accepted, canonical output, round trips over
// generated values, and the explanations for rejected text.
#include <gtest/gtest.h>

#include <random>

#include "base/decimal.h"
#include "base/tests/test_util.h"

namespace rflow::base {
namespace {

using testutil::str;

std::string parsed(std::string_view text) {
  return str(Decimal::parse(text));
}

TEST(DecimalText, AcceptsLiteralAndWireForms) {
  EXPECT_EQ(parsed("12.50"), "12.50");
  EXPECT_EQ(parsed("-3"), "-3");
  EXPECT_EQ(parsed("1_000.50"), "1000.50");
  EXPECT_EQ(parsed("5_000.00"), "5000.00");
  EXPECT_EQ(parsed("1_000_000"), "1000000");
  EXPECT_EQ(parsed("0.000_001"), "0.000001");
  EXPECT_EQ(parsed("0.075"), "0.075");
  EXPECT_EQ(parsed("-0.075"), "-0.075");
  EXPECT_EQ(parsed("007"), "7");
  EXPECT_EQ(parsed("00.50"), "0.50");
  EXPECT_EQ(parsed("0"), "0");
  EXPECT_EQ(parsed("0.00"), "0.00");
  EXPECT_EQ(parsed("-0.00"), "0.00");
  const Decimal d = *Decimal::parse("5000.00");
  EXPECT_EQ(d.coefficient(), Uint128{500000});
  EXPECT_EQ(d.exponent(), -2);
}

TEST(DecimalText, RejectsEverythingElse) {
  for (const char* text :
       {"",    ".",        "-",      "-.",    ".5",        "5.",    "-.5",      "+1",     "+1.5",
        "1e5", "1E5",      "1.5e-3", " 1",    "1 ",        "1 000", "1,000.00", "1__000", "_1",
        "1_",  "1_.5",     "1._5",   "1.5_",  "1.2.3",     "--1",   "1-",       "0x10",   "NaN",
        "inf", "Infinity", "١",      "1.0\n", "12.50 USD", "-_1"}) {
    EXPECT_EQ(parsed(text), "error:kInvalidText") << "\"" << text << "\"";
    EXPECT_FALSE(decimalTextProblem(text).empty()) << text;
  }
}

TEST(DecimalText, ProblemsAreExplained) {
  EXPECT_EQ(decimalTextProblem("12.50"), "");
  EXPECT_EQ(decimalTextProblem(""), "the text is empty");
  EXPECT_EQ(decimalTextProblem("+1"), "a number is not written with `+`: leave it out");
  EXPECT_EQ(decimalTextProblem("1e5"),
            "exponents (`1e5`) are not accepted: write all the digits out");
  EXPECT_EQ(decimalTextProblem("1 000"), "a number has no spaces in it");
  EXPECT_EQ(decimalTextProblem("."), "there are no digits");
  EXPECT_EQ(decimalTextProblem(".5"), "a `.` needs a digit on each side (`0.5`, `5.0`)");
  EXPECT_EQ(decimalTextProblem("5."), "a `.` needs a digit on each side (`0.5`, `5.0`)");
  EXPECT_EQ(decimalTextProblem("1.2.3"), "a number has at most one `.`");
  EXPECT_EQ(decimalTextProblem("1,000"),
            "the decimal point is `.`, and digits are grouped with `_`, not `,`");
  EXPECT_EQ(decimalTextProblem("1__000"), "`_` may only stand between two digits");
  EXPECT_EQ(decimalTextProblem("1-2"), "`-` may only come first");
  EXPECT_EQ(decimalTextProblem(std::string(35, '1')),
            "a decimal has at most 34 significant digits");
  EXPECT_EQ(decimalTextProblem("0." + std::string(6177, '0')),
            "a decimal has at most 6176 digits after the `.`");
}

TEST(DecimalText, TooManyDigitsIsNotInvalidText) {
  EXPECT_EQ(parsed(std::string(35, '1')), "error:kTooManyDigits");
  EXPECT_EQ(parsed("-" + std::string(20, '1') + "." + std::string(15, '1')),
            "error:kTooManyDigits");
  // Malformed wins over long.
  EXPECT_EQ(parsed(std::string(40, '1') + "x"), "error:kInvalidText");
}

TEST(DecimalText, FormatsWithoutExponents) {
  EXPECT_EQ(Decimal::fromInt(3).toString(), "3");
  EXPECT_EQ(str(multiply(*Decimal::parse("1000.00"), *Decimal::parse("0.02"))), "20.0000");
  EXPECT_EQ(str(Decimal::fromParts(true, 75, -3)), "-0.075");
  EXPECT_EQ(str(Decimal::fromParts(false, 5, -10)), "0.0000000005");
  EXPECT_EQ(str(Decimal::fromParts(false, 123456, -3)), "123.456");
  EXPECT_EQ(str(Decimal::fromParts(false, 123, -3)), "0.123");
  EXPECT_EQ(str(Decimal::fromParts(false, kPow10[34] - 1, 0)), std::string(34, '9'));
  EXPECT_EQ(str(Decimal::fromParts(false, kPow10[34] - 1, -34)), "0." + std::string(34, '9'));
  std::string out = "total: ";
  Decimal::fromInt(-12).appendTo(out);
  EXPECT_EQ(out, "total: -12");
}

// Random decimals of every digit count and a wide range of scales, and the text of each.
Decimal randomDecimal(std::mt19937_64& rng) {
  const int digits = static_cast<int>(rng() % 35);  // 0..34
  Uint128 coefficient = 0;
  for (int i = 0; i < digits; ++i)
    coefficient = coefficient * 10 + (i == 0 ? 1 + rng() % 9 : rng() % 10);
  const int32_t exponent =
      rng() % 4 == 0 ? -static_cast<int32_t>(rng() % 6177) : -static_cast<int32_t>(rng() % 40);
  return *Decimal::fromParts(rng() % 2 == 0, coefficient, exponent);
}

TEST(DecimalText, RoundTripsExactly) {
  std::mt19937_64 rng(20261127);
  for (int i = 0; i < 20'000; ++i) {
    const Decimal value = randomDecimal(rng);
    const std::string text = value.toString();
    const Result<Decimal> back = Decimal::parse(text);
    ASSERT_TRUE(back.ok()) << text;
    ASSERT_TRUE(identical(*back, value)) << text << " came back as " << back->toString();
    // Underscores between digits do not change the value.
    std::string grouped;
    for (size_t j = 0; j < text.size(); ++j) {
      grouped += text[j];
      if (j + 1 < text.size() && text[j] >= '0' && text[j] <= '9' && text[j + 1] >= '0' &&
          text[j + 1] <= '9' && rng() % 3 == 0)
        grouped += '_';
    }
    ASSERT_TRUE(identical(*Decimal::parse(grouped), value)) << grouped;
  }
}

TEST(DecimalText, ArithmeticAgreesWithTextAcrossRandomValues) {
  std::mt19937_64 rng(7);
  int sums = 0;
  for (int i = 0; i < 20'000; ++i) {
    const Decimal a = randomDecimal(rng);
    const Decimal b = randomDecimal(rng);
    const Result<Decimal> sum = add(a, b);
    if (!sum) continue;
    ++sums;
    // (a + b) - b is a, unless a itself needs more than 34 digits at the sum's scale.
    const Result<Decimal> back = subtract(*sum, b);
    if (back.ok()) {
      EXPECT_EQ(*back, a) << a.toString() << " + " << b.toString();
    } else {
      EXPECT_EQ(back.error(), ArithmeticError::kTooManyDigits);
    }
    EXPECT_EQ(compare(*sum, a), b.signum()) << a.toString() << " + " << b.toString();
    EXPECT_EQ(compare(a, b), -compare(b, a));
  }
  EXPECT_GT(sums, 1000);
}

}  // namespace
}  // namespace rflow::base
