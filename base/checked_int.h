// Overflow-checked arithmetic on 64-bit signed ints: the language's `int`, and also the
// millisecond counts behind `duration` and `time`. Every function is total: it returns
// the exact result or an error, never undefined behaviour.
//
// Semantics (language.md §3 says overflow, including `-` of the minimum, is a runtime
// error; it is silent on how `/` and `%` treat signs, so they follow C++ and Python's
// `decimal`, and `int(d)`): `/` truncates toward zero (-7 / 2 == -3) and `%` takes the
// sign of the dividend (-7 % 2 == -1), so that a == (a / b) * b + a % b always holds.
// INT64_MIN / -1 overflows; INT64_MIN % -1 is 0 (the exact remainder, although the
// hardware instruction would trap).
#pragma once

#include <cstdint>

#include "base/result.h"

namespace rflow::base {

constexpr Result<int64_t> checkedAdd(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return ArithmeticError::kOverflow;
  return out;
}

constexpr Result<int64_t> checkedSub(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out)) return ArithmeticError::kOverflow;
  return out;
}

constexpr Result<int64_t> checkedMul(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return ArithmeticError::kOverflow;
  return out;
}

constexpr Result<int64_t> checkedDiv(int64_t a, int64_t b) {
  if (b == 0) return ArithmeticError::kDivisionByZero;
  if (a == INT64_MIN && b == -1) return ArithmeticError::kOverflow;
  return a / b;
}

constexpr Result<int64_t> checkedRem(int64_t a, int64_t b) {
  if (b == 0) return ArithmeticError::kDivisionByZero;
  if (b == -1) return int64_t{0};  // INT64_MIN % -1 would trap in the idiv instruction
  return a % b;
}

constexpr Result<int64_t> checkedNeg(int64_t a) {
  if (a == INT64_MIN) return ArithmeticError::kOverflow;
  return -a;
}

constexpr Result<int64_t> checkedAbs(int64_t a) {
  if (a == INT64_MIN) return ArithmeticError::kOverflow;
  return a < 0 ? -a : a;
}

}  // namespace rflow::base
