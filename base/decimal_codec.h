// Compact bytes for Decimal and Money, for bytecode constants and instance snapshots.
//
// Format of a Decimal: varint(scale << 1 | sign), then varint(coefficient); a varint is
// LEB128 (7 bits per byte, low group first, high bit = more bytes follow). 12.50 is 3
// bytes; the largest value 19. Money is its amount, then the 3 letters of its code.
//
// Invariants: decode(encode(x)) is identical to x (same value and scale), and decoding
// accepts only what encode produces: every byte string decodes to at most one value, so
// snapshots compare and hash as bytes. Decoding untrusted bytes never reads past the
// span and never crashes: truncated input, overlong varints (a final 0x00 byte or more
// bytes than the largest value needs), a scale past 6176, a negative zero, a coefficient
// of 35 or more digits and a code that is not three capital letters are all errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/decimal.h"
#include "base/money.h"
#include "base/result.h"

namespace rflow::base {

enum class DecodeError : uint8_t {
  kTruncated,     // the bytes end inside the value
  kNotCanonical,  // an overlong varint, or a negative zero: encode never writes these
  kOutOfRange,    // more than 34 digits, a scale past 6176 or a bad currency code
};

std::string_view decodeErrorPhrase(DecodeError error);

constexpr size_t kMaxEncodedDecimalSize = 2 + 17;  // scale < 2^14; coefficient < 2^113
constexpr size_t kMaxEncodedMoneySize = kMaxEncodedDecimalSize + 3;

// Appends the encoding to `out`.
void encodeDecimal(Decimal value, std::vector<uint8_t>& out);
void encodeMoney(const Money& value, std::vector<uint8_t>& out);

// A decoded value and the number of bytes it took from the front of the input (bytes
// after it are left for the caller).
template <typename T>
struct Decoded {
  T value;
  size_t size;
};

Result<Decoded<Decimal>, DecodeError> decodeDecimal(std::span<const uint8_t> bytes);
Result<Decoded<Money>, DecodeError> decodeMoney(std::span<const uint8_t> bytes);

}  // namespace rflow::base
