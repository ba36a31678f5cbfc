// The varints of every persisted format (base/varint.h): the bytes are fixed forever.
#include "base/varint.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace rflow::base {
namespace {

std::string encoded(uint64_t v) {
  std::string out;
  appendVarint(out, v);
  return out;
}

TEST(Varint, KnownEncodings) {
  using namespace std::string_literals;
  EXPECT_EQ(encoded(0), "\x00"s);
  EXPECT_EQ(encoded(127), "\x7f");
  EXPECT_EQ(encoded(128), "\x80\x01");
  EXPECT_EQ(encoded(300), "\xac\x02");
  EXPECT_EQ(encoded(std::numeric_limits<uint64_t>::max()),
            "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");
  std::vector<uint8_t> bytes;
  appendVarint(bytes, 300);
  EXPECT_EQ(bytes, (std::vector<uint8_t>{0xac, 0x02}));
}

TEST(Varint, ZigzagKeepsSmallMagnitudesShort) {
  EXPECT_EQ(zigzag(0), 0u);
  EXPECT_EQ(zigzag(-1), 1u);
  EXPECT_EQ(zigzag(1), 2u);
  EXPECT_EQ(zigzag(-2), 3u);
  for (int64_t v : {int64_t{0}, int64_t{-5}, int64_t{1} << 40, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()})
    EXPECT_EQ(unzigzag(zigzag(v)), v);
}

TEST(Varint, ReadsBackWhatWasWritten) {
  std::string all;
  const std::vector<uint64_t> values{
      0, 1, 127, 128, 16383, 16384, uint64_t{1} << 63, std::numeric_limits<uint64_t>::max()};
  for (uint64_t v : values)
    appendVarint(all, v);
  size_t at = 0;
  for (uint64_t v : values) {
    const auto read = readVarint(std::string_view(all), at);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(*read, v);
  }
  EXPECT_EQ(at, all.size());
}

TEST(Varint, RefusesTruncatedAndOversizedValues) {
  size_t at = 0;
  EXPECT_FALSE(readVarint(std::string_view("\x80\x80"), at).has_value());  // ends inside
  at = 0;
  EXPECT_FALSE(readVarint(std::string_view(""), at).has_value());
  at = 0;  // a 10th byte above 1 does not fit 64 bits
  EXPECT_FALSE(
      readVarint(std::string_view("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"), at).has_value());
  at = 0;  // an 11th byte
  EXPECT_FALSE(
      readVarint(std::string_view("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"), at).has_value());
}

}  // namespace
}  // namespace rflow::base
