// Helpers for base/ tests: decimals from text, and results as text so that a failing
// EXPECT_EQ shows the value (or the error) and its scale.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

#include "base/decimal.h"
#include "base/money.h"

namespace rflow::base {

// How gtest prints these in failure messages.
inline void PrintTo(const Decimal& value, std::ostream* out) {
  *out << value.toString();
}
inline void PrintTo(const Money& value, std::ostream* out) {
  *out << value.toString();
}

namespace testutil {

inline Decimal dec(std::string_view text) {
  const Result<Decimal> parsed = Decimal::parse(text);
  EXPECT_TRUE(parsed.ok()) << "not a decimal: " << text;
  return parsed.valueOr(Decimal());
}

inline CurrencyCode code(std::string_view text) {
  const Result<CurrencyCode> parsed = CurrencyCode::parse(text);
  EXPECT_TRUE(parsed.ok()) << "not a currency code: " << text;
  return parsed.valueOr(*CurrencyCode::parse("XXX"));
}

inline Money money(std::string_view amount, std::string_view currency) {
  return Money(dec(amount), code(currency));
}

inline std::string errorName(ArithmeticError error) {
  switch (error) {
    case ArithmeticError::kOverflow:
      return "error:kOverflow";
    case ArithmeticError::kTooManyDigits:
      return "error:kTooManyDigits";
    case ArithmeticError::kDivisionByZero:
      return "error:kDivisionByZero";
    case ArithmeticError::kCurrencyMismatch:
      return "error:kCurrencyMismatch";
    case ArithmeticError::kOutOfRange:
      return "error:kOutOfRange";
    case ArithmeticError::kInvalidText:
      return "error:kInvalidText";
  }
  return "error:?";
}

inline std::string str(const Result<Decimal>& result) {
  return result.ok() ? result->toString() : errorName(result.error());
}

inline std::string str(const Result<Money>& result) {
  return result.ok() ? result->toString() : errorName(result.error());
}

inline std::string str(const Result<int64_t>& result) {
  return result.ok() ? std::to_string(*result) : errorName(result.error());
}

}  // namespace testutil
}  // namespace rflow::base
