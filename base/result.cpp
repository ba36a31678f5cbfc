#include "base/result.h"

namespace rflow::base {

std::string_view errorPhrase(ArithmeticError error) {
  switch (error) {
    case ArithmeticError::kOverflow:
      return "the result is too large for a 64-bit int";
    case ArithmeticError::kTooManyDigits:
      return "the exact result needs more than 34 significant digits";
    case ArithmeticError::kDivisionByZero:
      return "division by zero";
    case ArithmeticError::kCurrencyMismatch:
      return "the amounts are in different currencies";
    case ArithmeticError::kOutOfRange:
      return "the value is out of range";
    case ArithmeticError::kInvalidText:
      return "the text is not in the expected form";
  }
  return "unknown arithmetic error";
}

}  // namespace rflow::base
