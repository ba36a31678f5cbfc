// Decimal: exactness, scale rules, the 34-digit limit, comparison, hashing, round, int
// conversion.
#include <gtest/gtest.h>

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "base/decimal.h"
#include "base/tests/test_util.h"

namespace rflow::base {
namespace {

using testutil::dec;
using testutil::str;

const std::string k34Nines(34, '9');

TEST(DecimalArith, IsSmallAndTriviallyCopyable) {
  static_assert(sizeof(Decimal) == 16);
  static_assert(std::is_trivially_copyable_v<Decimal>);
  static_assert(sizeof(Result<Decimal>) == 24);
}

TEST(DecimalArith, AdditionIsExact) {
  EXPECT_EQ(str(add(dec("0.1"), dec("0.2"))), "0.3");
  EXPECT_TRUE(identical(*add(dec("0.1"), dec("0.2")), dec("0.3")));
  EXPECT_EQ(str(add(dec("0.10"), dec("0.2"))), "0.30");
  EXPECT_EQ(str(subtract(dec("1.50"), dec("0.50"))), "1.00");
  EXPECT_EQ(str(add(dec("1.5"), dec("2.25"))), "3.75");
  EXPECT_EQ(str(add(dec("1000"), dec("0.001"))), "1000.001");
  EXPECT_EQ(str(subtract(dec("0.3"), dec("0.1"))), "0.2");
  EXPECT_EQ(str(subtract(dec("1"), dec("3.5"))), "-2.5");
  EXPECT_EQ(str(add(dec("-1.25"), dec("-1.75"))), "-3.00");
  EXPECT_EQ(str(add(dec("-1.25"), dec("1.25"))), "0.00");  // never "-0.00"
  EXPECT_EQ(str(subtract(dec("-0.5"), dec("-0.5"))), "0.0");
  EXPECT_EQ(str(add(dec("0"), dec("0.000"))), "0.000");
}

TEST(DecimalArith, MultiplicationAddsExponents) {
  EXPECT_EQ(str(multiply(dec("1000.00"), dec("0.02"))), "20.0000");
  EXPECT_EQ(str(multiply(dec("2.5"), dec("4"))), "10.0");
  EXPECT_EQ(str(multiply(dec("-0.5"), dec("0.5"))), "-0.25");
  EXPECT_EQ(str(multiply(dec("-3"), dec("0.00"))), "0.00");
  EXPECT_EQ(str(multiply(dec("-3"), dec("-7"))), "21");
  EXPECT_EQ(str(multiply(dec("0.1"), dec("0.1"))), "0.01");
}

TEST(DecimalArith, ThirtyFourDigitsAtTheBoundary) {
  const Decimal max = dec(k34Nines);
  EXPECT_EQ(max.digits(), 34);
  EXPECT_EQ(str(Decimal::parse(k34Nines + "9")), "error:kTooManyDigits");
  // 34 digits are fine anywhere around the point.
  EXPECT_EQ(str(Decimal::parse("0." + k34Nines)), "0." + k34Nines);
  EXPECT_EQ(str(Decimal::parse("9999999999999999." + std::string(18, '9'))),
            "9999999999999999." + std::string(18, '9'));
  EXPECT_EQ(str(Decimal::parse("1" + std::string(33, '0'))), "1" + std::string(33, '0'));
  EXPECT_EQ(str(Decimal::parse("1" + std::string(34, '0'))), "error:kTooManyDigits");
  // Leading zeros are not significant; trailing ones are.
  EXPECT_EQ(str(Decimal::parse("000" + k34Nines)), k34Nines);
  EXPECT_EQ(str(Decimal::parse("0.000" + k34Nines)), "0.000" + k34Nines);
  EXPECT_EQ(str(Decimal::parse("0." + k34Nines + "0")), "error:kTooManyDigits");

  EXPECT_EQ(str(add(max, dec("0"))), k34Nines);
  EXPECT_EQ(str(add(max, dec("1"))), "error:kTooManyDigits");
  EXPECT_EQ(str(subtract(dec("-" + k34Nines), dec("1"))), "error:kTooManyDigits");
  EXPECT_EQ(str(subtract(max, dec("1"))), std::string(33, '9') + "8");
  EXPECT_EQ(str(add(max, dec("0.0"))), "error:kTooManyDigits");  // 35 digits at scale 1
  // A big operand gap can still give a 34-digit result: 1 - 10^-33.
  EXPECT_EQ(str(subtract(dec("1"), dec("0." + std::string(32, '0') + "1"))),
            "0." + std::string(33, '9'));
  EXPECT_EQ(str(add(dec("1"), dec("0." + std::string(32, '0') + "1"))),
            "1." + std::string(32, '0') + "1");
  EXPECT_EQ(str(add(dec("1"), dec("0." + std::string(33, '0') + "1"))), "error:kTooManyDigits");
  EXPECT_EQ(str(add(dec("0"), dec("0." + std::string(100, '0') + "1"))),
            "0." + std::string(100, '0') + "1");

  // Products: 17 + 17 digits fit, 17 + 18 may not.
  const Decimal big17 = dec(std::string(17, '9'));
  EXPECT_EQ(str(multiply(big17, big17)), "99999999999999998" + std::string(16, '0') + "1");
  EXPECT_EQ(str(multiply(dec("1" + std::string(16, '0')), dec("1" + std::string(17, '0')))),
            "1" + std::string(33, '0'));
  EXPECT_EQ(str(multiply(dec("1" + std::string(17, '0')), dec("1" + std::string(17, '0')))),
            "error:kTooManyDigits");
  EXPECT_EQ(str(multiply(max, max)), "error:kTooManyDigits");
  EXPECT_EQ(str(multiply(max, dec("1"))), k34Nines);
  EXPECT_EQ(str(multiply(max, dec("1.0"))), "error:kTooManyDigits");  // 35 digits at scale 1
  EXPECT_EQ(str(multiply(max, dec("0.1"))), std::string(33, '9') + ".9");
}

TEST(DecimalArith, ExponentLimit) {
  const std::string tiny = "0." + std::string(6175, '0') + "1";  // 10^-6176
  const Decimal smallest = dec(tiny);
  EXPECT_EQ(smallest.exponent(), Decimal::kMinExponent);
  EXPECT_EQ(str(Decimal::parse("0." + std::string(6176, '0') + "1")), "error:kOutOfRange");
  EXPECT_EQ(str(multiply(smallest, dec("0.1"))), "error:kOutOfRange");
  // Zeros lose only scale; trailing zeros of a product go before the value would.
  EXPECT_EQ(multiply(smallest.negated(), dec("0.0"))->exponent(), Decimal::kMinExponent);
  EXPECT_EQ(str(multiply(dec("0." + std::string(6174, '0') + "10"), dec("0.1"))), tiny);
  EXPECT_EQ(str(Decimal::fromParts(false, 5, 1)), "error:kOutOfRange");
  EXPECT_EQ(str(Decimal::fromParts(true, 5, -1)), "-0.5");
  EXPECT_EQ(str(Decimal::fromParts(true, 0, -2)), "0.00");
  EXPECT_EQ(str(Decimal::fromParts(false, kPow10[34], 0)), "error:kTooManyDigits");
}

TEST(DecimalArith, NegationAbsAndSign) {
  EXPECT_EQ((-dec("1.50")).toString(), "-1.50");
  EXPECT_EQ((-dec("-1.50")).toString(), "1.50");
  EXPECT_EQ((-dec("0.00")).toString(), "0.00");
  EXPECT_FALSE((-dec("0")).isNegative());
  EXPECT_EQ(dec("-2.5").abs().toString(), "2.5");
  EXPECT_EQ(dec("-2.5").signum(), -1);
  EXPECT_EQ(dec("0.0").signum(), 0);
  EXPECT_EQ(dec("0.01").signum(), 1);
  EXPECT_EQ(dec("-0").toString(), "0");
  EXPECT_EQ(Decimal::fromInt(INT64_MIN).toString(), "-9223372036854775808");
  EXPECT_EQ(Decimal::fromInt(-7).toString(), "-7");
  EXPECT_EQ(Decimal().toString(), "0");
}

TEST(DecimalArith, ComparesByValue) {
  EXPECT_EQ(dec("0.3"), dec("0.30"));
  EXPECT_FALSE(identical(dec("0.3"), dec("0.30")));
  EXPECT_EQ(dec("0"), dec("0.000"));
  EXPECT_LT(dec("0.29"), dec("0.3"));
  EXPECT_LT(dec("-1"), dec("0.001"));
  EXPECT_LT(dec("-2"), dec("-1.99"));
  EXPECT_GT(dec("10"), dec("9.999999"));
  EXPECT_GT(dec("1" + std::string(33, '0')), dec("0." + k34Nines));
  EXPECT_LT(dec("0." + std::string(40, '0') + "1"), dec("0." + std::string(39, '0') + "1"));
  EXPECT_EQ(dec("12.5000"), dec("12.5"));
  EXPECT_EQ(compare(dec("-0.5"), dec("-0.50")), 0);
  EXPECT_EQ(compare(dec("1.01"), dec("1.1")), -1);
  EXPECT_EQ(compare(Decimal::fromInt(INT64_MAX), Decimal::fromInt(INT64_MIN)), 1);
}

TEST(DecimalArith, TotalOrderSortsDeterministically) {
  std::vector<Decimal> values = {dec("0.3"), dec("-0.30"), dec("0.30"), dec("-0.3"),
                                 dec("0"),   dec("0.00"),  dec("-1"),   dec("2")};
  std::sort(values.begin(), values.end(),
            [](Decimal a, Decimal b) { return totalOrder(a, b) < 0; });
  std::vector<std::string> texts;
  for (const Decimal& v : values)
    texts.push_back(v.toString());
  EXPECT_EQ(texts,
            (std::vector<std::string>{"-1", "-0.3", "-0.30", "0.00", "0", "0.30", "0.3", "2"}));
}

TEST(DecimalArith, HashMatchesNumericEquality) {
  EXPECT_EQ(dec("0.3").hashValue(), dec("0.30").hashValue());
  EXPECT_EQ(dec("0").hashValue(), dec("0.0000").hashValue());
  EXPECT_EQ(dec("10").hashValue(), dec("10.000").hashValue());
  EXPECT_EQ(dec("1" + std::string(20, '0')).hashValue(),
            dec("1" + std::string(20, '0') + "." + std::string(13, '0')).hashValue());
  EXPECT_NE(dec("0.3").hashValue(), dec("-0.3").hashValue());
  EXPECT_NE(dec("0.3").hashValue(), dec("3").hashValue());
  std::unordered_set<Decimal> set = {dec("1.0"), dec("1.00"), dec("2")};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_TRUE(set.contains(dec("1")));
}

TEST(DecimalArith, RoundHalfEvenToPlaces) {
  EXPECT_EQ(str(dec("2.5").round(0)), "2");
  EXPECT_EQ(str(dec("3.5").round(0)), "4");
  EXPECT_EQ(str(dec("-2.5").round(0)), "-2");
  EXPECT_EQ(str(dec("1.005").round(2)), "1.00");
  EXPECT_EQ(str(dec("1.015").round(2)), "1.02");
  EXPECT_EQ(str(dec("1.0051").round(2)), "1.01");
  EXPECT_EQ(str(dec("2").round(2)), "2.00");
  EXPECT_EQ(str(dec("25.05825").round(2)), "25.06");
  EXPECT_EQ(str(dec("9.995").round(2)), "10.00");
  EXPECT_EQ(str(dec("-0.004").round(2)), "0.00");
  EXPECT_EQ(str(dec("0.5").round(0)), "0");
  EXPECT_EQ(str(dec("0.51").round(0)), "1");
  EXPECT_EQ(str(dec("0." + std::string(100, '0') + "9").round(28)), "0." + std::string(28, '0'));
  EXPECT_EQ(str(dec("1").round(28)), "1." + std::string(28, '0'));
  EXPECT_EQ(str(dec("123456").round(28)), "123456." + std::string(28, '0'));
  EXPECT_EQ(str(dec("1234567").round(28)), "error:kTooManyDigits");
  EXPECT_EQ(str(dec("1").round(29)), "error:kOutOfRange");
  EXPECT_EQ(str(dec("1").round(-1)), "error:kOutOfRange");
}

TEST(DecimalArith, ToIntTruncatesTowardZero) {
  EXPECT_EQ(str(dec("2.9").toInt()), "2");
  EXPECT_EQ(str(dec("-2.9").toInt()), "-2");
  EXPECT_EQ(str(dec("0.999").toInt()), "0");
  EXPECT_EQ(str(dec("-0.999").toInt()), "0");
  EXPECT_EQ(str(dec("9223372036854775807.99").toInt()), "9223372036854775807");
  EXPECT_EQ(str(dec("9223372036854775808").toInt()), "error:kOutOfRange");
  EXPECT_EQ(str(dec("-9223372036854775808.9").toInt()), "-9223372036854775808");
  EXPECT_EQ(str(dec("-9223372036854775809").toInt()), "error:kOutOfRange");
  EXPECT_EQ(str(dec(k34Nines).toInt()), "error:kOutOfRange");
  EXPECT_EQ(str(dec("0." + std::string(50, '0') + "1").toInt()), "0");
  for (const int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, INT64_MAX, INT64_MIN}) {
    EXPECT_EQ(Decimal::fromInt(v).toInt().value(), v);
  }
}

// The expected results come from Python's decimal module (make_decimal_vectors.py).
struct Vector {
  const char* op;
  const char* a;
  const char* b;
  const char* expected;
};

constexpr Vector kVectors[] = {
#include "base/tests/decimal_vectors.inc"
};

TEST(DecimalArith, AgreesWithPythonDecimal) {
  int checked = 0;
  for (const Vector& v : kVectors) {
    const Decimal a = dec(v.a);
    const Decimal b = dec(v.b);
    const std::string_view op = v.op;
    const Result<Decimal> result = op == "add"        ? add(a, b)
                                   : op == "subtract" ? subtract(a, b)
                                   : op == "multiply" ? multiply(a, b)
                                                      : divide(a, b);
    EXPECT_EQ(str(result), v.expected) << v.op << "(" << v.a << ", " << v.b << ")";
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(std::size(kVectors)));
  EXPECT_GE(checked, 700);
}

}  // namespace
}  // namespace rflow::base
