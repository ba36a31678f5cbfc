#include "parse/literals.h"

#include <gtest/gtest.h>

namespace rflow::parse {
namespace {

TEST(Literals, IntsUpToInt64Max) {
  EXPECT_EQ(parseIntLiteral("1_000"), 1000);
  EXPECT_EQ(parseIntLiteral("9223372036854775807"), INT64_MAX);
  EXPECT_FALSE(parseIntLiteral("9223372036854775808"));
  EXPECT_FALSE(parseIntLiteral("99999999999999999999999"));
}

TEST(Literals, Durations) {
  EXPECT_EQ(parseDurationLiteral("500ms"), 500);
  EXPECT_EQ(parseDurationLiteral("30s"), 30'000);
  EXPECT_EQ(parseDurationLiteral("15m"), 900'000);
  EXPECT_EQ(parseDurationLiteral("4h"), 14'400'000);
  EXPECT_EQ(parseDurationLiteral("2d"), 172'800'000);
  EXPECT_EQ(parseDurationLiteral("1w"), 604'800'000);
  EXPECT_EQ(parseDurationLiteral("1_000ms"), 1'000);
  EXPECT_FALSE(parseDurationLiteral("99999999999999w"));
}

TEST(Literals, SignificantDigits) {
  EXPECT_EQ(significantDigits("0.0750"), 3u);
  EXPECT_EQ(significantDigits("5000.00"), 6u);
  EXPECT_EQ(significantDigits("0.0"), 0u);
}

TEST(Literals, BadNumbersGetTheFixAPersonWouldWrite) {
  EXPECT_EQ(classifyBadNumber("3days").replacement, "3d");
  EXPECT_EQ(classifyBadNumber("3days").kind, BadNumber::Kind::kUnknownSuffix);
  EXPECT_EQ(classifyBadNumber("15mins").replacement, "15m");
  EXPECT_EQ(classifyBadNumber("2hours").replacement, "2h");
  EXPECT_EQ(classifyBadNumber("1.5h").replacement, "90m");
  EXPECT_EQ(classifyBadNumber("2.5d").replacement, "60h");
  EXPECT_EQ(classifyBadNumber("0.5s").replacement, "500ms");
  EXPECT_EQ(classifyBadNumber("0.0001ms").replacement, "");  // not a whole number of ms
  EXPECT_EQ(classifyBadNumber("10USD").kind, BadNumber::Kind::kNeedsSpace);
  EXPECT_EQ(classifyBadNumber("10USD").replacement, "10 USD");
  EXPECT_EQ(classifyBadNumber("12abc").replacement, "");
}

}  // namespace
}  // namespace rflow::parse
