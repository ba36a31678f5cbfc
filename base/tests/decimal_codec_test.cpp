// Decimal and Money bytes: bit-exact round trips, compactness, and decoding of
// untrusted bytes (truncated, overlong, out of range, random) without crashing.
#include "base/decimal_codec.h"

#include <gtest/gtest.h>

#include <random>

#include "base/tests/test_util.h"

namespace rflow::base {
namespace {

using testutil::dec;
using testutil::money;

std::vector<uint8_t> bytesOf(Decimal value) {
  std::vector<uint8_t> out;
  encodeDecimal(value, out);
  return out;
}

TEST(DecimalCodec, SmallValuesAreSmall) {
  EXPECT_EQ(bytesOf(dec("0")), (std::vector<uint8_t>{0x00, 0x00}));
  EXPECT_EQ(bytesOf(dec("-1")), (std::vector<uint8_t>{0x01, 0x01}));
  EXPECT_EQ(bytesOf(dec("12.50")), (std::vector<uint8_t>{0x04, 0xe2, 0x09}));  // 1250
  EXPECT_EQ(bytesOf(dec(std::string(34, '9'))).size(), 1u + 17u);
  EXPECT_EQ(bytesOf(*Decimal::fromParts(true, kPow10[34] - 1, Decimal::kMinExponent)).size(),
            kMaxEncodedDecimalSize);
}

TEST(DecimalCodec, RoundTripsBitExactly) {
  std::mt19937_64 rng(42);
  std::vector<uint8_t> stream;
  std::vector<Decimal> values;
  for (int i = 0; i < 20'000; ++i) {
    const int digits = static_cast<int>(rng() % 35);
    Uint128 coefficient = 0;
    for (int j = 0; j < digits; ++j)
      coefficient = coefficient * 10 + rng() % 10;
    const auto exponent = -static_cast<int32_t>(rng() % 2 ? rng() % 30 : rng() % 6177);
    values.push_back(*Decimal::fromParts(rng() % 2, coefficient, exponent));
    encodeDecimal(values.back(), stream);
  }
  // Decode the concatenation back, value by value.
  std::span<const uint8_t> rest = stream;
  for (const Decimal& expected : values) {
    const auto decoded = decodeDecimal(rest);
    ASSERT_TRUE(decoded.ok());
    ASSERT_TRUE(identical(decoded->value, expected)) << expected.toString();
    rest = rest.subspan(decoded->size);
  }
  EXPECT_TRUE(rest.empty());
}

TEST(DecimalCodec, MoneyRoundTrips) {
  std::vector<uint8_t> bytes;
  encodeMoney(money("-25.05825", "USD"), bytes);
  encodeMoney(money("1000", "JPY"), bytes);
  const auto first = decodeMoney(bytes);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->value.toString(), "-25.05825 USD");
  const auto second = decodeMoney(std::span<const uint8_t>(bytes).subspan(first->size));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->value.toString(), "1000 JPY");
  EXPECT_EQ(first->size + second->size, bytes.size());
}

DecodeError decodeFailure(std::vector<uint8_t> bytes) {
  const auto decoded = decodeDecimal(bytes);
  EXPECT_FALSE(decoded.ok());
  return decoded.ok() ? DecodeError::kTruncated : decoded.error();
}

TEST(DecimalCodec, RejectsBadBytes) {
  EXPECT_EQ(decodeFailure({}), DecodeError::kTruncated);
  EXPECT_EQ(decodeFailure({0x04}), DecodeError::kTruncated);
  EXPECT_EQ(decodeFailure({0x04, 0xe2}), DecodeError::kTruncated);
  EXPECT_EQ(decodeFailure({0x80}), DecodeError::kTruncated);
  // Overlong: 0 spelled in two bytes, a header of three bytes, an 18-byte coefficient.
  EXPECT_EQ(decodeFailure({0x00, 0x80, 0x00}), DecodeError::kNotCanonical);
  EXPECT_EQ(decodeFailure({0x84, 0x00, 0x01}), DecodeError::kNotCanonical);
  EXPECT_EQ(decodeFailure({0x80, 0x80, 0x01, 0x01}), DecodeError::kNotCanonical);
  std::vector<uint8_t> long_coefficient = {0x00};
  long_coefficient.insert(long_coefficient.end(), 17, 0xff);
  long_coefficient.push_back(0x01);
  EXPECT_EQ(decodeFailure(long_coefficient), DecodeError::kNotCanonical);
  // Negative zero.
  EXPECT_EQ(decodeFailure({0x01, 0x00}), DecodeError::kNotCanonical);
  // Scale 6177 (header 12354 = 0xc2 0x60).
  EXPECT_EQ(decodeFailure({0xc2, 0x60, 0x01}), DecodeError::kOutOfRange);
  // 10^34 (35 digits), encoded canonically.
  std::vector<uint8_t> too_many = {0x00};
  Uint128 value = kPow10[34];
  while (value >= 0x80) {
    too_many.push_back(static_cast<uint8_t>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  too_many.push_back(static_cast<uint8_t>(value));
  EXPECT_EQ(decodeFailure(too_many), DecodeError::kOutOfRange);
  // Money with a short or bad code.
  std::vector<uint8_t> bytes;
  encodeDecimal(dec("1"), bytes);
  bytes.push_back('U');
  bytes.push_back('S');
  EXPECT_EQ(decodeMoney(bytes).error(), DecodeError::kTruncated);
  bytes.push_back('d');
  EXPECT_EQ(decodeMoney(bytes).error(), DecodeError::kOutOfRange);
  EXPECT_FALSE(decodeErrorPhrase(DecodeError::kTruncated).empty());
}

TEST(DecimalCodec, RandomBytesNeverCrashAndDecodeCanonically) {
  std::mt19937_64 rng(99);
  int decoded_count = 0;
  for (int i = 0; i < 200'000; ++i) {
    std::vector<uint8_t> bytes(rng() % 24);
    for (uint8_t& b : bytes)
      b = static_cast<uint8_t>(rng() % 4 == 0 ? 0x80 | rng() : rng());
    const auto decoded = decodeDecimal(bytes);
    if (!decoded) continue;
    ++decoded_count;
    ASSERT_LE(decoded->size, bytes.size());
    // Whatever decodes re-encodes to exactly the bytes it came from.
    const std::vector<uint8_t> again = bytesOf(decoded->value);
    ASSERT_EQ(again, std::vector<uint8_t>(bytes.begin(),
                                          bytes.begin() + static_cast<ptrdiff_t>(decoded->size)));
    (void)decodeMoney(bytes);
  }
  EXPECT_GT(decoded_count, 1000);
}

}  // namespace
}  // namespace rflow::base
