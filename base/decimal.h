// Decimal: the language's exact base-10 number (language.md §3), used by the compiler's
// constant folding and by the VM.
//
// A Decimal is sign × coefficient × 10^exponent and keeps the scale it was written or
// computed with: "5000.00" is 500000 × 10^-2, and "0.30" and "0.3" are different
// representations of one value (they compare and hash equal; toString tells them apart).
//
// Invariants (every Decimal that exists satisfies them; every operation that would break
// one returns an error instead):
// - the coefficient has at most 34 digits (kMaxDigits), i.e. it is below 10^34;
// - kMinExponent (-6176) <= exponent <= 0. The language has no exponent notation, so a
//   value always prints as plain digits and its text parses back to the same
//   representation. The range is IEEE 754 decimal128's, so every Decimal is also exactly
//   a decimal128 value;
// - zero is never negative ("-0" does not exist: -x of zero is zero).
//
// Arithmetic (the spec's rules, and IEEE 754-2008 / Python `decimal` where it is silent):
// - add/subtract/multiply are exact. add/subtract give the smaller exponent of the two
//   operands (1.5 + 2.25 = 3.75, 1.50 - 0.50 = 1.00), multiply the sum of the exponents
//   (1000.00 × 0.02 = 20.0000). A result that needs more than 34 digits is
//   kTooManyDigits. A nonzero product whose exponent would fall below kMinExponent drops
//   trailing zeros to fit, else it is kOutOfRange; a zero one is clamped to kMinExponent.
// - divide rounds half-even to 28 significant digits (kDivisionDigits), correctly: long
//   division to 28 digits, then the exact remainder decides below/at/above half, so there
//   is one rounding and no double-rounding error. An exact quotient takes the exponent
//   closest to exp(x) - exp(y) without going over it, as IEEE does: 10.00 / 4 = 2.50,
//   1 / 4 = 0.25, 6 / 2 = 3; an inexact one has 28 digits: 1 / 3 =
//   0.3333333333333333333333333333. An exact quotient of more than 28 digits is rounded
//   too. Where IEEE would use a positive exponent (100 / 0.5 = 2.0E+2), the result is
//   written out with exponent 0 ("200"); if that takes more than 34 digits it is
//   kTooManyDigits (e.g. 34 nines / 1: 28 digits round it to 10^34). A quotient that
//   needs digits past 10^-6176 is kOutOfRange. x / 0 (0 / 0 too) is kDivisionByZero.
// - round(places) rounds half-even to exponent -places, 0 <= places <= 28
//   (round(2.5, 0) = 2, round(1.005, 2) = 1.00, round(2, 2) = 2.00).
// - comparison is by value; totalOrder() breaks ties between representations of one
//   value like IEEE totalOrder (0.30 before 0.3), for a deterministic sort.
//
// Why not a decimal128 library (runtime.md §1 prefers libintelrdfpmath or GCC's
// std::decimal): these rules are not decimal128's. + - * must fail past 34 digits where
// decimal128 rounds, / rounds to 28 digits where a decimal128 division rounds to 34 (and
// rounding that again to 28 is double rounding), and there are no positive exponents.
// Emulating them around decimal128 costs more than computing them directly on a 113-bit
// coefficient; bench/decimal_bench.cpp measures both.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/wide.h"

namespace rflow::base {

class Decimal {
 public:
  static constexpr int kMaxDigits = 34;
  static constexpr int kDivisionDigits = 28;
  static constexpr int32_t kMinExponent = -6176;
  static constexpr int kMaxRoundPlaces = 28;
  static constexpr Uint128 kCoefficientLimit = kPow10[kMaxDigits];  // exclusive

  // Zero, exponent 0 ("0").
  constexpr Decimal() = default;

  static constexpr Decimal fromInt(int64_t value) {
    const uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value)  // INT64_MIN too
                                         : static_cast<uint64_t>(value);
    return Decimal(magnitude, value < 0 ? kSignBit : 0);
  }

  // sign × coefficient × 10^exponent; kTooManyDigits if coefficient >= 10^34,
  // kOutOfRange if the exponent is outside [kMinExponent, 0]. A negative zero becomes 0.
  static Result<Decimal> fromParts(bool negative, Uint128 coefficient, int32_t exponent);

  // The language's decimal or int literal form ("1_000.50", "42") and the wire form
  // ("12.50", "-3"): an optional '-', digits, optionally '.' and digits; '_' only
  // between two digits. No '+', exponent, spaces, ".5" or "5.". kInvalidText for
  // anything else, kTooManyDigits past 34 significant digits, kOutOfRange past 6176
  // digits after the point. decimalTextProblem() says what exactly is wrong.
  static Result<Decimal> parse(std::string_view text);

  constexpr bool isNegative() const { return (hi_ & kSignBit) != 0; }
  constexpr bool isZero() const { return lo_ == 0 && (hi_ & kCoefficientHighMask) == 0; }
  constexpr int signum() const { return isZero() ? 0 : isNegative() ? -1 : 1; }
  constexpr int32_t exponent() const { return -scale(); }
  constexpr Uint128 coefficient() const { return makeUint128(hi_ & kCoefficientHighMask, lo_); }
  // Significant digits: digits of the coefficient (0 for a zero).
  constexpr int digits() const { return digitCount(coefficient()); }

  constexpr Decimal negated() const { return isZero() ? *this : Decimal(lo_, hi_ ^ kSignBit); }
  constexpr Decimal abs() const { return Decimal(lo_, hi_ & ~kSignBit); }

  Result<Decimal> round(int places) const;
  // Truncates toward zero; kOutOfRange outside int64.
  Result<int64_t> toInt() const;

  // Canonical text: no exponent, scale kept ("20.0000", "-0.075", "3", "0.00").
  // parse(x.toString()) is identical to x.
  std::string toString() const;
  void appendTo(std::string& out) const;

  // Equal for numerically equal values (0.3 and 0.30), whatever their scale.
  uint64_t hashValue() const;

  // Same representation: equal value and equal exponent.
  friend constexpr bool identical(Decimal a, Decimal b) { return a.lo_ == b.lo_ && a.hi_ == b.hi_; }

  friend constexpr Decimal operator-(Decimal x) { return x.negated(); }

  // The arithmetic is free functions, defined below the class.
  friend inline Result<Decimal> add(Decimal a, Decimal b);
  friend inline Result<Decimal> multiply(Decimal a, Decimal b);
  friend inline Result<Decimal> divide(Decimal a, Decimal b);
  friend inline int compare(Decimal a, Decimal b);

 private:
  // Layout: the coefficient's low 64 bits in lo_; in hi_, bits 0..48 hold its high bits
  // (10^34 < 2^113), bits 49..61 the scale (-exponent, at most 6176 < 2^13) and bit 63
  // the sign. 16 bytes, trivially copyable: it travels in two registers.
  static constexpr int kScaleShift = 49;
  static constexpr uint64_t kCoefficientHighMask = (uint64_t{1} << kScaleShift) - 1;
  static constexpr uint64_t kScaleMask = 0x1FFF;
  static constexpr uint64_t kSignBit = uint64_t{1} << 63;
  static constexpr int32_t kMaxScale = -kMinExponent;

  constexpr Decimal(uint64_t lo, uint64_t hi) : lo_(lo), hi_(hi) {}

  constexpr int32_t scale() const {
    return static_cast<int32_t>((hi_ >> kScaleShift) & kScaleMask);
  }
  constexpr bool isSmall() const { return (hi_ & kCoefficientHighMask) == 0; }

  // Requires coefficient < 10^34 and 0 <= scale <= kMaxScale.
  static constexpr Decimal make(bool negative, Uint128 coefficient, int32_t scale) {
    const bool sign = negative && coefficient != 0;
    return Decimal(low64(coefficient), high64(coefficient) |
                                           (static_cast<uint64_t>(scale) << kScaleShift) |
                                           (sign ? kSignBit : 0));
  }
  // Like make, for computed results: kTooManyDigits if the coefficient is 10^34 or more;
  // a scale beyond kMaxScale drops trailing zeros to fit (a zero is clamped), else
  // kOutOfRange; a negative scale is written out as zeros (exponent 0).
  static Result<Decimal> makeChecked(bool negative, Uint128 coefficient, int64_t scale);

  static Result<Decimal> addSlow(Decimal a, Decimal b);
  static Result<Decimal> multiplySlow(Decimal a, Decimal b);
  static Result<Decimal> divideSlow(Decimal a, Decimal b);
  static int compareSlow(Decimal a, Decimal b);

  uint64_t lo_ = 0;
  uint64_t hi_ = 0;
};

// Fast paths (both coefficients below 2^64, and for add/subtract/compare the same
// scale) are inline: they are what the VM runs for prices and quantities.

inline Result<Decimal> add(Decimal a, Decimal b) {
  if (((a.hi_ ^ b.hi_) & ~Decimal::kSignBit) == 0 && a.isSmall()) {
    if (a.hi_ == b.hi_) {
      uint64_t sum = 0;
      if (!__builtin_add_overflow(a.lo_, b.lo_, &sum)) return Decimal(sum, a.hi_);
    } else if (a.lo_ >= b.lo_) {
      const uint64_t diff = a.lo_ - b.lo_;
      return Decimal(diff, diff == 0 ? a.hi_ & ~Decimal::kSignBit : a.hi_);
    } else {
      return Decimal(b.lo_ - a.lo_, b.hi_);
    }
  }
  return Decimal::addSlow(a, b);
}

inline Result<Decimal> subtract(Decimal a, Decimal b) {
  return add(a, b.negated());
}

inline Result<Decimal> multiply(Decimal a, Decimal b) {
  if (a.isSmall() && b.isSmall()) {
    const Uint128 product = static_cast<Uint128>(a.lo_) * b.lo_;
    const int32_t scale = a.scale() + b.scale();
    if (product < Decimal::kCoefficientLimit && scale <= Decimal::kMaxScale)
      return Decimal::make(a.isNegative() != b.isNegative(), product, scale);
  }
  return Decimal::multiplySlow(a, b);
}

inline Result<Decimal> divide(Decimal a, Decimal b) {
  return Decimal::divideSlow(a, b);
}

// -1, 0 or 1 by value.
inline int compare(Decimal a, Decimal b) {
  if (a.hi_ == b.hi_ && a.isSmall()) {
    if (a.lo_ == b.lo_) return 0;
    const int magnitude = a.lo_ < b.lo_ ? -1 : 1;
    return a.isNegative() ? -magnitude : magnitude;
  }
  return Decimal::compareSlow(a, b);
}

inline bool operator==(Decimal a, Decimal b) {
  return compare(a, b) == 0;
}

inline std::weak_ordering operator<=>(Decimal a, Decimal b) {
  const int order = compare(a, b);
  return order < 0   ? std::weak_ordering::less
         : order > 0 ? std::weak_ordering::greater
                     : std::weak_ordering::equivalent;
}

// A total order on representations: by value, then, for one value, like IEEE 754
// totalOrder (the smaller exponent first when positive, last when negative: 0.30 < 0.3,
// -0.3 < -0.30). Sorting with it is deterministic whatever the input order.
std::strong_ordering totalOrder(Decimal a, Decimal b);

// Why `text` is not a decimal in the form Decimal::parse accepts, in plain words
// ("`+` is not written before a number"); empty when it parses.
std::string_view decimalTextProblem(std::string_view text);

}  // namespace rflow::base

// Hashing consistent with numeric equality, so Decimals can key unordered maps.
template <>
struct std::hash<rflow::base::Decimal> {
  size_t operator()(rflow::base::Decimal x) const { return x.hashValue(); }
};
