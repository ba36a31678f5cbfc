#include "base/decimal_codec.h"

namespace rflow::base {

namespace {

constexpr int kMaxHeaderBytes = 2;        // (6176 << 1 | 1) < 2^14
constexpr int kMaxCoefficientBytes = 17;  // 10^34 - 1 < 2^113 < 2^119

void putVarint(Uint128 value, std::vector<uint8_t>& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<uint8_t>(low64(value) & 0x7f) | 0x80);
    value >>= 7;
  }
  out.push_back(static_cast<uint8_t>(low64(value)));
}

// Reads one canonical varint of at most max_bytes bytes at bytes[pos], advancing pos.
Result<Uint128, DecodeError> getVarint(std::span<const uint8_t> bytes, size_t& pos, int max_bytes) {
  Uint128 value = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (pos >= bytes.size()) return DecodeError::kTruncated;
    const uint8_t byte = bytes[pos++];
    value |= static_cast<Uint128>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      // A last byte of zero after others adds nothing: only a longer spelling of a
      // shorter encoding.
      if (byte == 0 && i > 0) return DecodeError::kNotCanonical;
      return value;
    }
  }
  return DecodeError::kNotCanonical;  // longer than any value of this field needs
}

}  // namespace

std::string_view decodeErrorPhrase(DecodeError error) {
  switch (error) {
    case DecodeError::kTruncated:
      return "the data ends in the middle of a value";
    case DecodeError::kNotCanonical:
      return "a value is not encoded the way rflow writes it";
    case DecodeError::kOutOfRange:
      return "a value is out of range";
  }
  return "unknown decoding error";
}

void encodeDecimal(Decimal value, std::vector<uint8_t>& out) {
  const auto scale = static_cast<uint64_t>(-value.exponent());
  putVarint(scale << 1 | (value.isNegative() ? 1 : 0), out);
  putVarint(value.coefficient(), out);
}

void encodeMoney(const Money& value, std::vector<uint8_t>& out) {
  encodeDecimal(value.amount(), out);
  for (const char c : value.currency().text())
    out.push_back(static_cast<uint8_t>(c));
}

Result<Decoded<Decimal>, DecodeError> decodeDecimal(std::span<const uint8_t> bytes) {
  size_t pos = 0;
  const auto header = getVarint(bytes, pos, kMaxHeaderBytes);
  if (!header) return header.error();
  const auto coefficient = getVarint(bytes, pos, kMaxCoefficientBytes);
  if (!coefficient) return coefficient.error();
  const bool negative = (*header & 1) != 0;
  const Uint128 scale = *header >> 1;
  if (negative && *coefficient == 0) return DecodeError::kNotCanonical;
  if (scale > static_cast<Uint128>(-Decimal::kMinExponent)) return DecodeError::kOutOfRange;
  const auto value =
      Decimal::fromParts(negative, *coefficient, -static_cast<int32_t>(low64(scale)));
  if (!value) return DecodeError::kOutOfRange;
  return Decoded<Decimal>{*value, pos};
}

Result<Decoded<Money>, DecodeError> decodeMoney(std::span<const uint8_t> bytes) {
  const auto amount = decodeDecimal(bytes);
  if (!amount) return amount.error();
  const size_t pos = amount->size;
  if (bytes.size() - pos < 3) return DecodeError::kTruncated;
  const char letters[3] = {static_cast<char>(bytes[pos]), static_cast<char>(bytes[pos + 1]),
                           static_cast<char>(bytes[pos + 2])};
  const auto code = CurrencyCode::parse(std::string_view(letters, 3));
  if (!code) return DecodeError::kOutOfRange;
  return Decoded<Money>{Money(amount->value, *code), pos + 3};
}

}  // namespace rflow::base
