// Money arithmetic, comparison, display, and the ISO 4217 table.
#include "base/money.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <unordered_set>

#include "base/currency.h"
#include "base/tests/test_util.h"

namespace rflow::base {
namespace {

using testutil::code;
using testutil::dec;
using testutil::money;
using testutil::str;

TEST(Money, NeverRoundsImplicitly) {
  EXPECT_EQ(str(multiply(money("1000.00", "USD"), dec("0.02"))), "20.0000 USD");
  EXPECT_EQ(str(multiply(money("19.99", "EUR"), 3)), "59.97 EUR");
  EXPECT_EQ(str(add(money("0.1", "USD"), money("0.2", "USD"))), "0.30 USD");
  EXPECT_EQ(str(subtract(money("10", "USD"), money("0.005", "USD"))), "9.995 USD");
  EXPECT_EQ(str(divide(money("10.00", "USD"), int64_t{4})), "2.50 USD");
  EXPECT_EQ(str(divide(money("100", "USD"), int64_t{3})), "33.33333333333333333333333333 USD");
  EXPECT_EQ(str(divide(money("100", "USD"), dec("0.5"))), "200.00 USD");
  EXPECT_EQ(str(multiply(money("1", "USD"), int64_t{INT64_MIN})), "-9223372036854775808.00 USD");
}

TEST(Money, CurrenciesMustMatch) {
  EXPECT_EQ(str(add(money("1", "USD"), money("1", "EUR"))), "error:kCurrencyMismatch");
  EXPECT_EQ(str(subtract(money("1", "USD"), money("1", "EUR"))), "error:kCurrencyMismatch");
  const Result<Decimal> ratio = divide(money("1", "USD"), money("1", "EUR"));
  EXPECT_EQ(ratio.error(), ArithmeticError::kCurrencyMismatch);
  EXPECT_EQ(compare(money("1", "USD"), money("2", "EUR")).error(),
            ArithmeticError::kCurrencyMismatch);
  EXPECT_EQ(str(divide(money("10.00", "USD"), money("4", "USD"))), "2.50");
  EXPECT_EQ(str(divide(money("1", "USD"), money("0", "USD"))), "error:kDivisionByZero");
  EXPECT_EQ(str(divide(money("1", "USD"), int64_t{0})), "error:kDivisionByZero");
}

TEST(Money, EqualityAndOrdering) {
  EXPECT_EQ(money("0.3", "USD"), money("0.30", "USD"));
  EXPECT_NE(money("0.3", "USD"), money("0.3", "EUR"));
  EXPECT_NE(money("0.3", "USD"), money("0.31", "USD"));
  EXPECT_EQ(*compare(money("1.5", "USD"), money("1.50", "USD")), std::weak_ordering::equivalent);
  EXPECT_EQ(*compare(money("-1", "USD"), money("0.01", "USD")), std::weak_ordering::less);
  EXPECT_EQ(*compare(money("10", "JPY"), money("9", "JPY")), std::weak_ordering::greater);
  std::unordered_set<Money> set = {money("0.3", "USD"), money("0.30", "USD"), money("0.3", "EUR")};
  EXPECT_EQ(set.size(), 2u);
}

TEST(Money, NegationAndRound) {
  EXPECT_EQ((-money("5", "USD")).toString(), "-5.00 USD");
  EXPECT_EQ((-money("0", "USD")).toString(), "0.00 USD");
  EXPECT_EQ(str(money("25.05825", "USD").round(2)), "25.06 USD");
  EXPECT_EQ(str(money("2.5", "JPY").round(0)), "2 JPY");
  EXPECT_EQ(str(money("0.125", "EUR").round(2)), "0.12 EUR");
  EXPECT_EQ(str(money("1", "USD").round(29)), "error:kOutOfRange");
}

TEST(Money, PrintsWithAtLeastTheMinorUnits) {
  EXPECT_EQ(money("20", "USD").toString(), "20.00 USD");
  EXPECT_EQ(money("20.0", "USD").toString(), "20.00 USD");
  EXPECT_EQ(money("20.000", "USD").toString(), "20.000 USD");
  EXPECT_EQ(money("25.05825", "USD").toString(), "25.05825 USD");
  EXPECT_EQ(money("1000", "JPY").toString(), "1000 JPY");
  EXPECT_EQ(money("1000.5", "JPY").toString(), "1000.5 JPY");
  EXPECT_EQ(money("5", "KWD").toString(), "5.000 KWD");
  EXPECT_EQ(money("0.1", "BHD").toString(), "0.100 BHD");
  EXPECT_EQ(money("1", "CLF").toString(), "1.0000 CLF");
  EXPECT_EQ(money("-0.5", "EUR").toString(), "-0.50 EUR");
  EXPECT_EQ(money("1.5", "XAU").toString(), "1.5 XAU");  // ISO gives gold no minor unit
  EXPECT_EQ(money("7", "ABC").toString(), "7 ABC");      // not ISO: the amount as it is
  // The wire form is the exact amount.
  EXPECT_EQ(money("20", "USD").amount().toString(), "20");
}

TEST(Currency, CodesAreThreeCapitalLetters) {
  EXPECT_TRUE(CurrencyCode::parse("USD").ok());
  EXPECT_EQ(CurrencyCode::parse("USD")->text(), "USD");
  for (const char* text : {"", "US", "USDX", "usd", "Usd", "US1", "U D", "ÜSD"})
    EXPECT_EQ(CurrencyCode::parse(text).error(), ArithmeticError::kInvalidText) << text;
  EXPECT_LT(code("EUR"), code("USD"));
  static_assert(sizeof(CurrencyCode) == 3);
  static_assert(sizeof(Money) <= 24);
}

TEST(Currency, IsoTableSpotChecks) {
  EXPECT_EQ(minorUnits(code("USD")), 2);
  EXPECT_EQ(minorUnits(code("EUR")), 2);
  EXPECT_EQ(minorUnits(code("JPY")), 0);
  EXPECT_EQ(minorUnits(code("KRW")), 0);
  EXPECT_EQ(minorUnits(code("KWD")), 3);
  EXPECT_EQ(minorUnits(code("BHD")), 3);
  EXPECT_EQ(minorUnits(code("TND")), 3);
  EXPECT_EQ(minorUnits(code("CLF")), 4);
  EXPECT_EQ(minorUnits(code("UYW")), 4);
  EXPECT_EQ(minorUnits(code("XCG")), 2);
  EXPECT_EQ(minorUnits(code("ZWG")), 2);
  EXPECT_EQ(minorUnits(code("ABC")), std::nullopt);
  EXPECT_FALSE(isIsoCurrency(code("ABC")));
  EXPECT_TRUE(isIsoCurrency("CHF"));
  EXPECT_FALSE(isIsoCurrency("chf"));
  EXPECT_FALSE(isIsoCurrency(""));
  // Withdrawn codes are gone.
  for (const char* old : {"ANG", "BGN", "HRK", "CUC", "SLL", "ZWL", "DEM", "VEF"})
    EXPECT_FALSE(isIsoCurrency(old)) << old;
}

TEST(Currency, IsoTableIsSortedAndComplete) {
  const auto table = isoCurrencies();
  EXPECT_EQ(table.size(), 178u);
  EXPECT_TRUE(
      std::is_sorted(table.begin(), table.end(),
                     [](const IsoCurrency& a, const IsoCurrency& b) { return a.code < b.code; }));
  EXPECT_EQ(std::adjacent_find(
                table.begin(), table.end(),
                [](const IsoCurrency& a, const IsoCurrency& b) { return a.code == b.code; }),
            table.end());
  for (const IsoCurrency& entry : table) {
    EXPECT_TRUE(CurrencyCode::parse(entry.code).ok()) << entry.code;
    EXPECT_LE(entry.minor_units, 4) << entry.code;
    EXPECT_TRUE(isIsoCurrency(entry.code));
  }
}

}  // namespace
}  // namespace rflow::base
