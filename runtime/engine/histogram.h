// Histograms over fixed buckets, as the aggregates count durations and latencies
// (metrics.h), and the time units they are counted in.
//
// Invariants:
//   - Bucket bounds are PERSISTED: a stored counter "<h>_b<i>" counts bucket i of these
//     bounds, so they never change; other buckets mean new counter names.
//   - A histogram's count is the sum of its buckets (stores written before also kept
//     "<h>_n"; readers ignore it).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace rflow::engine {

inline constexpr int64_t kMinuteMs = 60'000;
inline constexpr int64_t kHourMs = 3'600'000;
inline constexpr int64_t kDayMs = 24 * kHourMs;

// Upper bounds (inclusive, ms) of histogram buckets; one more bucket holds the rest.
inline constexpr std::array<int64_t, 12> kDurationBucketsMs = {
    1'000,       10'000,      60'000,       300'000,          900'000,          kHourMs,
    4 * kHourMs, 8 * kHourMs, 24 * kHourMs, 3 * 24 * kHourMs, 7 * 24 * kHourMs, 30 * 24 * kHourMs};
inline constexpr std::array<int64_t, 14> kLatencyBucketsMs = {
    5, 10, 25, 50, 100, 250, 500, 1'000, 2'500, 5'000, 10'000, 30'000, 60'000, 300'000};

// A histogram over fixed buckets; counts has bounds.size() + 1 entries.
struct Histogram {
  std::vector<int64_t> bounds;
  std::vector<int64_t> counts;
  int64_t count = 0;
  int64_t sum = 0;

  // The q-quantile (0 < q < 1), interpolated inside its bucket; nullopt when empty. The
  // last bucket has no upper bound: its quantiles are its lower bound.
  std::optional<int64_t> quantile(double q) const;
};

// Durations counted into kDurationBucketsMs, as memory keeps them per tracked value.
struct DurationCounts {
  int64_t sum = 0;  // ms
  std::array<int64_t, kDurationBucketsMs.size() + 1> buckets{};

  static size_t bucketOf(int64_t ms);
  void record(int64_t ms);  // a negative duration counts as 0
  DurationCounts& operator+=(const DurationCounts& other);
  bool empty() const;
  Histogram histogram() const;
};

}  // namespace rflow::engine
