// Result<T, E>: a value or an error code, for operations that can fail on valid input
// (overflow, division by zero, text that is not a number). C++20 has no std::expected
// and nothing in rflow throws for bad input, so every fallible arithmetic, conversion and
// parsing function in base/ returns one of these.
//
// Invariants: a Result holds exactly one of a T or an E, fixed at construction. T must be
// trivially copyable and destructible (numbers, small value types): that keeps Result a
// plain 2-word object that the VM can return from its hot paths without a destructor.
// Asking for the value of an error (or the error of a value) is a programming mistake,
// checked by assert in debug builds.
#pragma once

#include <cassert>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace rflow::base {

// Why an arithmetic operation, conversion or parse failed. The VM turns these into a
// runtime error naming the source line; errorPhrase() gives the words.
enum class ArithmeticError : uint8_t {
  kOverflow,          // an int (or duration, time) result does not fit in 64 bits
  kTooManyDigits,     // an exact decimal result needs more than 34 significant digits
  kDivisionByZero,    // x / 0, x % 0
  kCurrencyMismatch,  // money of two currencies added, subtracted, divided or ordered
  kOutOfRange,        // a conversion or argument outside what the target can hold
  kInvalidText,       // text that is not in the expected form
};

// An English phrase for the error, in lower case without a trailing period, to follow
// "runtime error at line N: ".
std::string_view errorPhrase(ArithmeticError error);

template <typename T, typename E = ArithmeticError>
class [[nodiscard]] Result {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "Result holds small value types only");
  static_assert(!std::is_convertible_v<E, T> && !std::is_convertible_v<T, E>,
                "a value and an error must never be confused");

 public:
  constexpr Result(T value) : value_(value), ok_(true) {}   // NOLINT: implicit by design
  constexpr Result(E error) : error_(error), ok_(false) {}  // NOLINT: implicit by design

  constexpr bool ok() const { return ok_; }
  constexpr explicit operator bool() const { return ok_; }

  constexpr const T& value() const {
    assert(ok_);
    return value_;
  }
  constexpr const T& operator*() const { return value(); }
  constexpr const T* operator->() const { return &value(); }
  constexpr E error() const {
    assert(!ok_);
    return error_;
  }
  constexpr T valueOr(T fallback) const { return ok_ ? value_ : fallback; }

  // Same outcome: both values (equal by T's ==) or both the same error.
  friend constexpr bool operator==(const Result& a, const Result& b) {
    if (a.ok_ != b.ok_) return false;
    return a.ok_ ? a.value_ == b.value_ : a.error_ == b.error_;
  }

 private:
  union {
    T value_;
    E error_;
  };
  bool ok_;
};

}  // namespace rflow::base
