// 128-bit unsigned integers and the powers of ten and digit counting that decimal
// arithmetic is built on. `unsigned __int128` is a GCC/Clang extension: `__extension__`
// keeps -Wpedantic quiet about it in this one place, and everything else uses Uint128.
//
// Invariants: kPow10[i] == 10^i for 0 <= i <= 38 (10^38 < 2^128 < 10^39), and
// digitCount(x) is the number of decimal digits of x, 0 for x == 0.
#pragma once

#include <array>
#include <cstdint>

namespace rflow::base {

__extension__ typedef unsigned __int128 Uint128;

constexpr int kMaxPow10 = 38;

constexpr std::array<Uint128, kMaxPow10 + 1> kPow10 = [] {
  std::array<Uint128, kMaxPow10 + 1> table{};
  Uint128 power = 1;
  for (auto& entry : table) {
    entry = power;
    power *= 10;
  }
  return table;
}();

constexpr uint64_t low64(Uint128 x) {
  return static_cast<uint64_t>(x);
}
constexpr uint64_t high64(Uint128 x) {
  return static_cast<uint64_t>(x >> 64);
}
constexpr Uint128 makeUint128(uint64_t high, uint64_t low) {
  return (static_cast<Uint128>(high) << 64) | low;
}

// floor(bit_length * log10(2)) is the digit count or one less; one table lookup decides.
constexpr int digitCount(uint64_t x) {
  if (x == 0) return 0;
  const int bits = 64 - __builtin_clzll(x);
  const int guess = (bits * 1233) >> 12;
  return guess + (x >= static_cast<uint64_t>(kPow10[guess]) ? 1 : 0);
}

constexpr int digitCount(Uint128 x) {
  const uint64_t high = high64(x);
  if (high == 0) return digitCount(low64(x));
  const int bits = 128 - __builtin_clzll(high);
  const int guess = (bits * 1233) >> 12;
  return guess + (x >= kPow10[guess] ? 1 : 0);
}

// (high:low) / divisor and its remainder, for high < divisor (so the quotient fits in 64
// bits). On x86-64 this is one `div` instruction instead of a call into libgcc's generic
// 128-bit division.
inline uint64_t divideNarrow(uint64_t high, uint64_t low, uint64_t divisor, uint64_t& remainder) {
#if defined(__x86_64__)
  uint64_t quotient = 0;
  __asm__("divq %[divisor]"
          : "=a"(quotient), "=d"(remainder)
          : [divisor] "rm"(divisor), "a"(low), "d"(high)
          : "cc");
  return quotient;
#else
  const Uint128 dividend = makeUint128(high, low);
  remainder = static_cast<uint64_t>(dividend % divisor);
  return static_cast<uint64_t>(dividend / divisor);
#endif
}

// x / 10^drop rounded half-even; `sticky` says that a nonzero remainder was already cut
// off below x (x itself is a truncated quotient), which turns an exact half into "more
// than half". One rounding step from the full information: no double rounding.
constexpr Uint128 shiftRightRoundHalfEven(Uint128 x, int drop, bool sticky) {
  if (drop <= 0) return x;
  if (drop > kMaxPow10) return 0;  // x < 10^38 < 0.5 * 10^drop
  const Uint128 divisor = kPow10[drop];
  Uint128 quotient = 0;
  Uint128 rest = 0;
  if (high64(x) == 0 && drop <= 19) {
    const uint64_t small_divisor = low64(divisor);
    quotient = low64(x) / small_divisor;
    rest = low64(x) % small_divisor;
  } else {
    quotient = x / divisor;
    rest = x % divisor;
  }
  const Uint128 half = divisor / 2;
  if (rest > half || (rest == half && (sticky || (quotient & 1) != 0))) ++quotient;
  return quotient;
}

// "00" "01" … "99": two digits per division when printing.
constexpr std::array<char, 200> kDigitPairs = [] {
  std::array<char, 200> table{};
  for (int i = 0; i < 100; ++i) {
    table[static_cast<size_t>(2 * i)] = static_cast<char>('0' + i / 10);
    table[static_cast<size_t>(2 * i + 1)] = static_cast<char>('0' + i % 10);
  }
  return table;
}();

// Writes all digits of x < 10^width, zero-padded to `width`, ending just before `end`.
inline char* writeDigitsBackward(uint64_t x, char* end, int width) {
  char* const start = end - width;
  while (end - start >= 2) {
    const size_t pair = static_cast<size_t>(x % 100) * 2;
    x /= 100;
    *--end = kDigitPairs[pair + 1];
    *--end = kDigitPairs[pair];
  }
  if (end != start) *--end = static_cast<char>('0' + x % 10);
  return start;
}

// Writes the decimal digits of x ending just before `end` and returns where they start;
// writes nothing for x == 0. Needs room for 39 characters.
inline char* writeDigitsBackward(Uint128 x, char* end) {
  constexpr uint64_t k1e19 = 10'000'000'000'000'000'000ull;
  while (high64(x) != 0) {
    // Peel 19 digits at a time so that the rest runs on 64-bit words.
    end = writeDigitsBackward(static_cast<uint64_t>(x % k1e19), end, 19);
    x /= k1e19;
  }
  const uint64_t rest = low64(x);
  return writeDigitsBackward(rest, end, digitCount(rest));
}

}  // namespace rflow::base
