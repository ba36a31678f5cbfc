// Decimal division: half-even to 28 significant digits, exact quotients at (or as near
// as possible to) the preferred exponent exp(x) - exp(y). See decimal.h for the rules.
//
// The quotient is produced like long division, several digits per step, until it has
// 28 significant digits or the remainder is zero. The remainder then decides the
// rounding exactly (below, at or above half a unit in the last place): one rounding
// from the full information, so no double-rounding errors and ties are real ties.
#include <algorithm>

#include "base/decimal.h"

namespace rflow::base {

namespace {

constexpr int kDigits = Decimal::kDivisionDigits;

struct LongDivision {
  Uint128 quotient = 0;
  Uint128 remainder = 0;
  int extra_digits = 0;  // digits produced after the point of the preferred scale
};

// The common case: a divisor below 2^64 (a count, a rate, a price). Every step divides a
// 128-bit number whose quotient fits in 64 bits, which is one hardware division.
LongDivision divideBySmall(Uint128 dividend, uint64_t divisor) {
  LongDivision out;
  uint64_t remainder = 0;
  if (high64(dividend) == 0) {
    out.quotient = low64(dividend) / divisor;
    remainder = low64(dividend) % divisor;
  } else {
    const uint64_t high = divideNarrow(0, high64(dividend), divisor, remainder);
    const uint64_t low = divideNarrow(remainder, low64(dividend), divisor, remainder);
    out.quotient = makeUint128(high, low);
  }
  int quotient_digits = digitCount(out.quotient);
  while (remainder != 0 && quotient_digits < kDigits) {
    // remainder < divisor, so remainder * 10^step / divisor < 10^step <= 10^19 < 2^64.
    const int step = std::min(kDigits - quotient_digits, 19);
    const auto power = static_cast<uint64_t>(kPow10[step]);
    const Uint128 widened = static_cast<Uint128>(remainder) * power;
    const uint64_t digits = divideNarrow(high64(widened), low64(widened), divisor, remainder);
    out.quotient = out.quotient * power + digits;
    out.extra_digits += step;
    quotient_digits = digitCount(out.quotient);
  }
  out.remainder = remainder;
  return out;
}

LongDivision divideByLarge(Uint128 dividend, Uint128 divisor) {
  LongDivision out;
  out.quotient = dividend / divisor;
  out.remainder = dividend % divisor;
  const int divisor_digits = digitCount(divisor);
  int quotient_digits = digitCount(out.quotient);
  while (out.remainder != 0 && quotient_digits < kDigits) {
    // remainder < divisor < 10^divisor_digits, so remainder * 10^step < 10^38 < 2^128.
    const int step = std::min(kDigits - quotient_digits, kMaxPow10 - divisor_digits);
    const Uint128 widened = out.remainder * kPow10[step];
    out.quotient = out.quotient * kPow10[step] + widened / divisor;
    out.remainder = widened % divisor;
    out.extra_digits += step;
    quotient_digits = digitCount(out.quotient);
  }
  return out;
}

}  // namespace

Result<Decimal> Decimal::divideSlow(Decimal a, Decimal b) {
  if (b.isZero()) return ArithmeticError::kDivisionByZero;
  const bool negative = a.isNegative() != b.isNegative();
  // The preferred scale; negative when the preferred exponent is positive (100 / 0.5).
  const int64_t preferred_scale = int64_t{a.scale()} - b.scale();
  if (a.isZero()) return makeChecked(false, 0, preferred_scale);

  const Uint128 divisor = b.coefficient();
  LongDivision division =
      b.isSmall() ? divideBySmall(a.coefficient(), b.lo_) : divideByLarge(a.coefficient(), divisor);
  Uint128& quotient = division.quotient;
  const Uint128 remainder = division.remainder;
  int64_t scale = preferred_scale + division.extra_digits;

  if (remainder == 0) {
    // Exact. A step may have gone past the last nonzero digit: come back to the scale
    // nearest the preferred one (never above it).
    while (scale > preferred_scale && quotient % 10 == 0) {
      quotient /= 10;
      --scale;
    }
  }
  const int quotient_digits = digitCount(quotient);
  if (quotient_digits > kDigits) {
    // Only the first, integer division can give more than 28 digits: cut them with the
    // remainder as the sticky information.
    const int drop = quotient_digits - kDigits;
    quotient = shiftRightRoundHalfEven(quotient, drop, remainder != 0);
    scale -= drop;
  } else if (remainder != 0) {
    // Exactly 28 digits, and remainder / divisor of a unit in the last place left over:
    // compare it with one half without forming 2 * remainder (which could overflow).
    const Uint128 rest = divisor - remainder;
    if (remainder > rest || (remainder == rest && (quotient & 1) != 0)) ++quotient;
  }
  if (quotient == kPow10[kDigits]) {  // 99…9 rounded up to 10^28
    quotient /= 10;
    --scale;
  }
  return makeChecked(negative, quotient, scale);
}

}  // namespace rflow::base
