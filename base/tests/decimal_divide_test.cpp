// Decimal division: preferred exponents for exact quotients, half-even rounding to 28
// significant digits, ties and double-rounding traps, division by zero.
#include <gtest/gtest.h>

#include "base/decimal.h"
#include "base/tests/test_util.h"

namespace rflow::base {
namespace {

using testutil::dec;
using testutil::str;

std::string quotient(std::string_view a, std::string_view b) {
  return str(divide(dec(a), dec(b)));
}

TEST(DecimalDivide, ExactQuotientsUseThePreferredExponent) {
  EXPECT_EQ(quotient("10.00", "4"), "2.50");
  EXPECT_EQ(quotient("1", "4"), "0.25");
  EXPECT_EQ(quotient("6", "2"), "3");
  EXPECT_EQ(quotient("1", "8"), "0.125");
  EXPECT_EQ(quotient("2.40", "2"), "1.20");
  EXPECT_EQ(quotient("7", "7"), "1");
  EXPECT_EQ(quotient("1.0", "0.1"), "10");
  EXPECT_EQ(quotient("12", "0.25"), "48");
  EXPECT_EQ(quotient("1", "0.8"), "1.25");
  EXPECT_EQ(quotient("-9", "3"), "-3");
  EXPECT_EQ(quotient("9", "-0.3"), "-30");
  EXPECT_EQ(quotient("100.000", "10"), "10.000");
  EXPECT_EQ(quotient("1", "1024"), "0.0009765625");
  EXPECT_EQ(quotient("0.5", "1000"), "0.0005");
}

TEST(DecimalDivide, PositiveExponentsAreWrittenOut) {
  // IEEE gives 2.0E+2 and 0E+1; rflow has no exponents.
  EXPECT_EQ(quotient("100", "0.5"), "200");
  EXPECT_EQ(quotient("0", "0.5"), "0");
  EXPECT_EQ(quotient("0.00", "4"), "0.00");
  EXPECT_EQ(quotient("-0.00", "-4"), "0.00");
  EXPECT_EQ(quotient("1" + std::string(33, '0'), "0.1"), "error:kTooManyDigits");
  EXPECT_EQ(quotient("1" + std::string(32, '0'), "0.1"), "1" + std::string(33, '0'));
  // 28 significant digits, then zeros up to the point.
  EXPECT_EQ(quotient("1" + std::string(30, '0'), "3"), std::string(28, '3') + "00");
  EXPECT_EQ(quotient("12345678901234567890123456789", "1"), "12345678901234567890123456790");
}

TEST(DecimalDivide, InexactQuotientsHave28Digits) {
  EXPECT_EQ(quotient("1", "3"), "0.3333333333333333333333333333");
  EXPECT_EQ(quotient("2", "3"), "0.6666666666666666666666666667");
  EXPECT_EQ(quotient("-2", "3"), "-0.6666666666666666666666666667");
  EXPECT_EQ(quotient("10", "3"), "3.333333333333333333333333333");
  EXPECT_EQ(quotient("100", "7"), "14.28571428571428571428571429");
  EXPECT_EQ(quotient("0.07", "3"), "0.02333333333333333333333333333");
  EXPECT_EQ(quotient("5", "9"), "0.5555555555555555555555555556");
  EXPECT_EQ(quotient("100.00", "3"), "33.33333333333333333333333333");
  EXPECT_EQ(dec("1").digits() + divide(dec("1"), dec("7"))->digits(), 1 + 28);
}

TEST(DecimalDivide, TiesRoundToEven) {
  // Odd 29-digit numbers halved: the 29th significant digit is an exact 5.
  const std::string ends_25 = std::string(27, '1') + "25";  // …62.5 -> …62
  EXPECT_EQ(quotient(ends_25, "2"), std::string(25, '5') + "562");
  const std::string ends_27 = std::string(27, '1') + "27";  // …63.5 -> …64
  EXPECT_EQ(quotient(ends_27, "2"), std::string(25, '5') + "564");
  EXPECT_EQ(quotient("-" + ends_27, "2"), "-" + std::string(25, '5') + "564");
  EXPECT_EQ(quotient("0." + std::string(26, '1') + "125", "2"),
            "0.0" + std::string(25, '5') + "562");
  EXPECT_EQ(quotient("0." + std::string(26, '1') + "135", "2"),
            "0.0" + std::string(25, '5') + "568");
  // A divisor a hair above 2 moves the quotient off the tie (…559.72 -> …560).
  EXPECT_EQ(quotient(std::string(27, '1') + "25", "2.000000000000000000000000001"),
            std::string(25, '5') + "560");
}

TEST(DecimalDivide, NoDoubleRounding) {
  // n = D * 10^6 + 499999 with D odd; (3n + 2) / 3 = n.666…: the digits after the 28th
  // are 4999996…, so the quotient rounds down to D. Rounding to 34 digits first (D500000)
  // and then to 28 would give D + 1.
  const std::string d = "1234567890123456789012345679";                 // 28 digits, odd
  const std::string below_half = "3703703670370370367037037038499999";  // 3 * (D499999) + 2
  EXPECT_EQ(quotient(below_half, "3"), d + "000000");
  // (3n + 1) / 3 with n = E * 10^6 + 500000, E = …678 even: the digits are 5000003…, just over
  // half, so it rounds up; rounding to 34 digits first makes a false tie that goes to even.
  const std::string above_half = "3703703670370370367037037035500001";  // 3 * (E500000) + 1
  EXPECT_EQ(quotient(above_half, "3"), "1234567890123456789012345679000000");
}

TEST(DecimalDivide, ByZero) {
  EXPECT_EQ(quotient("1", "0"), "error:kDivisionByZero");
  EXPECT_EQ(quotient("0", "0.00"), "error:kDivisionByZero");
  EXPECT_EQ(quotient("-5.5", "-0"), "error:kDivisionByZero");
}

TEST(DecimalDivide, ExtremeOperands) {
  const std::string max = std::string(34, '9');
  EXPECT_EQ(quotient(max, max), "1");
  // 34 nines rounded to 28 digits is 10^34, which written out takes 35 digits.
  EXPECT_EQ(quotient(max, "1"), "error:kTooManyDigits");
  EXPECT_EQ(quotient(max, "10"), "1" + std::string(33, '0'));
  EXPECT_EQ(quotient("1", max), "0." + std::string(33, '0') + "1" + std::string(27, '0'));
  EXPECT_EQ(quotient("0." + std::string(6175, '0') + "1", "3"), "error:kOutOfRange");
  EXPECT_EQ(quotient("0." + std::string(6175, '0') + "4", "2"),
            "0." + std::string(6175, '0') + "2");
}

}  // namespace
}  // namespace rflow::base
