// Duration and time text: compact durations, RFC 3339 output and parsing.
#include "base/time_text.h"

#include <gtest/gtest.h>

#include <random>

#include "base/tests/test_util.h"

namespace rflow::base {
namespace {

using testutil::str;

TEST(TimeText, FormatsDurationsCompactly) {
  EXPECT_EQ(formatDuration(0), "0s");
  EXPECT_EQ(formatDuration(500), "500ms");
  EXPECT_EQ(formatDuration(30 * kMillisPerSecond), "30s");
  EXPECT_EQ(formatDuration(90 * kMillisPerMinute), "1h30m");
  EXPECT_EQ(formatDuration(2 * kMillisPerDay), "2d");
  EXPECT_EQ(formatDuration(9 * kMillisPerDay), "1w2d");
  EXPECT_EQ(formatDuration(-kMillisPerHour), "-1h");
  EXPECT_EQ(formatDuration(kMillisPerHour + 1), "1h1ms");
  EXPECT_EQ(formatDuration(-1500), "-1s500ms");
  EXPECT_EQ(formatDuration(INT64_MAX), "15250284452w3d7h12m55s807ms");
  EXPECT_EQ(formatDuration(INT64_MIN), "-15250284452w3d7h12m55s808ms");
}

TEST(TimeText, FormatsTimesAsRfc3339Utc) {
  const int64_t t = daysFromCivil(2026, 11, 27) * kMillisPerDay + 6 * kMillisPerHour;
  EXPECT_EQ(formatTime(t), "2026-11-27T06:00:00Z");
  EXPECT_EQ(formatTime(t + 250), "2026-11-27T06:00:00.250Z");
  EXPECT_EQ(formatTime(t + 7), "2026-11-27T06:00:00.007Z");
  EXPECT_EQ(formatTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(formatTime(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(formatTime(951782400000), "2000-02-29T00:00:00Z");
  EXPECT_EQ(formatTime(253402300799999), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(formatTime(253402300800000), "+10000-01-01T00:00:00Z");
  EXPECT_EQ(formatTime(-62167219200000), "0000-01-01T00:00:00Z");
  EXPECT_EQ(formatTime(-62167219200001), "-0001-12-31T23:59:59.999Z");
  EXPECT_FALSE(formatTime(INT64_MIN).empty());
  EXPECT_FALSE(formatTime(INT64_MAX).empty());
}

TEST(TimeText, ParsesRfc3339) {
  const int64_t t = daysFromCivil(2026, 11, 27) * kMillisPerDay + 6 * kMillisPerHour;
  EXPECT_EQ(str(parseTime("2026-11-27T06:00:00Z")), std::to_string(t));
  EXPECT_EQ(str(parseTime("2026-11-27t06:00:00z")), std::to_string(t));
  EXPECT_EQ(str(parseTime("2026-11-27T06:00:00.250Z")), std::to_string(t + 250));
  EXPECT_EQ(str(parseTime("2026-11-27T06:00:00.2Z")), std::to_string(t + 200));
  EXPECT_EQ(str(parseTime("2026-11-27T06:00:00.25Z")), std::to_string(t + 250));
  // Past milliseconds the digits are cut off, never rounded up.
  EXPECT_EQ(str(parseTime("2026-11-27T06:00:00.123999999Z")), std::to_string(t + 123));
  EXPECT_EQ(str(parseTime("2026-12-31T23:59:59.99999Z")),
            str(parseTime("2026-12-31T23:59:59.999Z")));
  // Offsets: local time minus the offset is UTC.
  EXPECT_EQ(str(parseTime("2026-11-27T08:00:00+02:00")), std::to_string(t));
  EXPECT_EQ(str(parseTime("2026-11-27T00:30:00-05:30")), std::to_string(t));
  EXPECT_EQ(str(parseTime("2026-11-27T06:00:00-00:00")), std::to_string(t));
  EXPECT_EQ(str(parseTime("2026-11-28T05:59:00+23:59")), std::to_string(t));
  EXPECT_EQ(str(parseTime("1970-01-01T00:00:00Z")), "0");
  EXPECT_EQ(str(parseTime("1969-12-31T23:59:59.999Z")), "-1");
  EXPECT_EQ(str(parseTime("2024-02-29T12:00:00Z")), str(parseTime("2024-02-29T12:00:00.000Z")));
  EXPECT_EQ(str(parseTime("0000-01-01T00:00:00Z")), "-62167219200000");
  EXPECT_EQ(str(parseTime("9999-12-31T23:59:59.999Z")), "253402300799999");
}

TEST(TimeText, RejectsWhatIsNotRfc3339) {
  for (const char* text : {"",
                           "2026-11-27",
                           "2026-11-27T06:00Z",
                           "2026-11-27T06:00:00",
                           "2026-11-27 06:00:00Z",
                           "2026-11-27T06:00:00+0200",
                           "2026-11-27T06:00:00+02",
                           "2026-11-27T06:00:00.Z",
                           "2026-11-27T06:00:00,5Z",
                           "2026-13-01T00:00:00Z",
                           "2026-00-01T00:00:00Z",
                           "2026-02-29T00:00:00Z",
                           "2100-02-29T00:00:00Z",
                           "2026-04-31T00:00:00Z",
                           "2026-11-00T00:00:00Z",
                           "2026-11-27T24:00:00Z",
                           "2026-11-27T06:60:00Z",
                           "2026-12-31T23:59:60Z",
                           "2026-11-27T06:00:00+24:00",
                           "2026-11-27T06:00:00+02:60",
                           "26-11-27T06:00:00Z",
                           "+2026-11-27T06:00:00Z",
                           "2026-11-27T06:00:00Z ",
                           " 2026-11-27T06:00:00Z",
                           "2026-11-27T06:00:00ZZ",
                           "2026-1-27T06:00:00Z",
                           "2026-11-27T6:00:00Z",
                           "2026/11/27T06:00:00Z",
                           "2026-11-27T06:00:00UTC",
                           "2026-11-27T06:00:00+02:00:00",
                           "２０２６-11-27T06:00:00Z"}) {
    EXPECT_EQ(str(parseTime(text)), "error:kInvalidText") << text;
  }
}

TEST(TimeText, FormatAndParseRoundTrip) {
  std::mt19937_64 rng(3);
  const int64_t min = -62167219200000;  // 0000-01-01
  const int64_t max = 253402300799999;  // 9999-12-31T23:59:59.999
  for (int i = 0; i < 50'000; ++i) {
    const int64_t t = min + static_cast<int64_t>(rng() % static_cast<uint64_t>(max - min + 1));
    const std::string text = formatTime(t);
    ASSERT_EQ(str(parseTime(text)), std::to_string(t)) << text;
  }
}

TEST(TimeText, CivilCalendarRoundTrips) {
  for (int64_t days = -800'000; days <= 800'000; days += 7) {
    const CivilDate date = civilFromDays(days);
    ASSERT_EQ(daysFromCivil(date.year, date.month, date.day), days);
  }
  static_assert(daysFromCivil(1970, 1, 1) == 0);
  static_assert(daysFromCivil(2000, 3, 1) == 11017);
}

}  // namespace
}  // namespace rflow::base
