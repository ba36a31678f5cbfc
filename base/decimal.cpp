// Decimal construction, add/subtract/multiply beyond the inline fast paths, comparison,
// rounding, conversion to int and hashing. Division is in decimal_divide.cpp, text in
// decimal_text.cpp.
#include "base/decimal.h"

#include <utility>

namespace rflow::base {

Result<Decimal> Decimal::fromParts(bool negative, Uint128 coefficient, int32_t exponent) {
  if (coefficient >= kCoefficientLimit) return ArithmeticError::kTooManyDigits;
  if (exponent > 0 || exponent < kMinExponent) return ArithmeticError::kOutOfRange;
  return make(negative, coefficient, -exponent);
}

Result<Decimal> Decimal::makeChecked(bool negative, Uint128 coefficient, int64_t scale) {
  if (coefficient == 0) {
    // A zero loses nothing but trailing zeros when its scale is clamped (IEEE "clamped").
    return make(false, 0,
                static_cast<int32_t>(scale < 0           ? 0
                                     : scale > kMaxScale ? kMaxScale
                                                         : scale));
  }
  if (scale < 0) {
    // A positive exponent has no text form: write the zeros out.
    const int64_t zeros = -scale;
    if (zeros >= kMaxDigits || digitCount(coefficient) + zeros > kMaxDigits)
      return ArithmeticError::kTooManyDigits;
    coefficient *= kPow10[static_cast<size_t>(zeros)];
    scale = 0;
  }
  if (coefficient >= kCoefficientLimit) return ArithmeticError::kTooManyDigits;
  // Too many digits after the point: trailing zeros can go without changing the value.
  while (scale > kMaxScale && coefficient % 10 == 0) {
    coefficient /= 10;
    --scale;
  }
  if (scale > kMaxScale) return ArithmeticError::kOutOfRange;
  return make(negative, coefficient, static_cast<int32_t>(scale));
}

Result<Decimal> Decimal::addSlow(Decimal a, Decimal b) {
  // The result has the larger scale (smaller exponent): let `a` be that operand and
  // bring b's coefficient to its scale.
  if (a.scale() < b.scale()) std::swap(a, b);
  const int32_t shift = a.scale() - b.scale();
  const Uint128 ca = a.coefficient();
  Uint128 cb = b.coefficient();
  if (cb != 0 && shift != 0) {
    // Past 38 digits the sum is at least 10^38 - 10^34, far beyond 34 digits; below,
    // everything fits in 128 bits (10^38 + 10^34 < 2^128).
    if (shift > kMaxPow10 || digitCount(cb) + shift > kMaxPow10)
      return ArithmeticError::kTooManyDigits;
    cb *= kPow10[shift];
  }
  Uint128 magnitude = 0;
  bool negative = false;
  if (a.isNegative() == b.isNegative()) {
    magnitude = ca + cb;
    negative = a.isNegative();
  } else if (ca >= cb) {
    magnitude = ca - cb;
    negative = a.isNegative();
  } else {
    magnitude = cb - ca;
    negative = b.isNegative();
  }
  if (magnitude >= kCoefficientLimit) return ArithmeticError::kTooManyDigits;
  return make(negative, magnitude, a.scale());
}

Result<Decimal> Decimal::multiplySlow(Decimal a, Decimal b) {
  const int64_t scale = int64_t{a.scale()} + b.scale();
  if (a.isZero() || b.isZero()) return makeChecked(false, 0, scale);
  // A da-digit times a db-digit coefficient is at least 10^(da+db-2): past 35 digits in
  // total the product cannot fit, below it fits in 128 bits (< 10^35).
  if (a.digits() + b.digits() - 2 >= kMaxDigits) return ArithmeticError::kTooManyDigits;
  return makeChecked(a.isNegative() != b.isNegative(), a.coefficient() * b.coefficient(), scale);
}

int Decimal::compareSlow(Decimal a, Decimal b) {
  const int sign_a = a.signum();
  const int sign_b = b.signum();
  if (sign_a != sign_b) return sign_a < sign_b ? -1 : 1;
  if (sign_a == 0) return 0;
  // Same sign, both nonzero: compare magnitudes by the position of the leading digit
  // first; only when it matches are the coefficients aligned, which then takes at most
  // 33 extra digits and stays below 10^34.
  Uint128 ca = a.coefficient();
  Uint128 cb = b.coefficient();
  const int64_t lead_a = int64_t{digitCount(ca)} - a.scale();
  const int64_t lead_b = int64_t{digitCount(cb)} - b.scale();
  int magnitude = 0;
  if (lead_a != lead_b) {
    magnitude = lead_a < lead_b ? -1 : 1;
  } else {
    if (a.scale() < b.scale()) {
      ca *= kPow10[b.scale() - a.scale()];
    } else {
      cb *= kPow10[a.scale() - b.scale()];
    }
    magnitude = ca < cb ? -1 : ca > cb ? 1 : 0;
  }
  return sign_a < 0 ? -magnitude : magnitude;
}

std::strong_ordering totalOrder(Decimal a, Decimal b) {
  const int order = compare(a, b);
  if (order != 0) return order < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
  if (a.exponent() == b.exponent()) return std::strong_ordering::equal;
  const bool a_first = a.isNegative() ? a.exponent() > b.exponent() : a.exponent() < b.exponent();
  return a_first ? std::strong_ordering::less : std::strong_ordering::greater;
}

Result<Decimal> Decimal::round(int places) const {
  if (places < 0 || places > kMaxRoundPlaces) return ArithmeticError::kOutOfRange;
  const Uint128 c = coefficient();
  const int32_t s = scale();
  if (s <= places) {
    // More places than written: append zeros, exact.
    const int zeros = places - s;
    if (c != 0 && digitCount(c) + zeros > kMaxDigits) return ArithmeticError::kTooManyDigits;
    return make(isNegative(), c * kPow10[zeros], places);
  }
  return make(isNegative(), shiftRightRoundHalfEven(c, s - places, false), places);
}

Result<int64_t> Decimal::toInt() const {
  const int32_t s = scale();
  const Uint128 c = coefficient();
  const Uint128 whole = s > kMaxPow10 ? 0 : c / kPow10[s];
  constexpr Uint128 kMaxMagnitude = uint64_t{1} << 63;  // |INT64_MIN|
  if (whole > kMaxMagnitude || (whole == kMaxMagnitude && !isNegative()))
    return ArithmeticError::kOutOfRange;
  const uint64_t magnitude = low64(whole);
  // Two's complement negation in unsigned arithmetic, so that 2^63 becomes INT64_MIN.
  return static_cast<int64_t>(isNegative() ? 0 - magnitude : magnitude);
}

namespace {

constexpr uint64_t mix(uint64_t x) {
  // The splitmix64 finalizer: every input bit affects every output bit.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

}  // namespace

uint64_t Decimal::hashValue() const {
  if (isZero()) return mix(0);
  // Hash the value with its trailing zeros stripped, so that 0.3 and 0.30 collide.
  Uint128 c = coefficient();
  int64_t exp = exponent();
  if (high64(c) == 0) {
    uint64_t small = low64(c);
    while (small % 10 == 0) {
      small /= 10;
      ++exp;
    }
    c = small;
  } else {
    while (c % 10 == 0) {
      c /= 10;
      ++exp;
    }
  }
  uint64_t h = mix(low64(c) ^ 0x9e3779b97f4a7c15ull);
  h = mix(h ^ high64(c));
  h = mix(h ^ static_cast<uint64_t>(exp) ^ (isNegative() ? 0x5bd1e995ull << 32 : 0));
  return h;
}

}  // namespace rflow::base
