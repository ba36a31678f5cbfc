// Histogram quantiles and duration counts (histogram.h).
#include "engine/histogram.h"

#include <algorithm>

namespace rflow::engine {

std::optional<int64_t> Histogram::quantile(double q) const {
  int64_t total = 0;
  for (int64_t c : counts)
    total += c;
  if (total <= 0) return std::nullopt;
  const double target = q * static_cast<double>(total);
  double before = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double here = static_cast<double>(counts[i]);
    if (here > 0 && before + here >= target) {
      const int64_t lower = i == 0 ? 0 : bounds[i - 1];
      if (i >= bounds.size()) return lower;
      const double share = (target - before) / here;
      return lower + static_cast<int64_t>(share * static_cast<double>(bounds[i] - lower));
    }
    before += here;
  }
  return bounds.empty() ? 0 : bounds.back();
}

size_t DurationCounts::bucketOf(int64_t ms) {
  return static_cast<size_t>(
      std::lower_bound(kDurationBucketsMs.begin(), kDurationBucketsMs.end(), ms) -
      kDurationBucketsMs.begin());
}

void DurationCounts::record(int64_t ms) {
  ms = std::max<int64_t>(0, ms);
  sum += ms;
  ++buckets[bucketOf(ms)];
}

DurationCounts& DurationCounts::operator+=(const DurationCounts& other) {
  sum += other.sum;
  for (size_t i = 0; i < buckets.size(); ++i)
    buckets[i] += other.buckets[i];
  return *this;
}

bool DurationCounts::empty() const {
  return sum == 0 && std::all_of(buckets.begin(), buckets.end(), [](int64_t c) { return c == 0; });
}

Histogram DurationCounts::histogram() const {
  Histogram h;
  h.bounds.assign(kDurationBucketsMs.begin(), kDurationBucketsMs.end());
  h.counts.assign(buckets.begin(), buckets.end());
  h.sum = sum;
  for (int64_t c : buckets)
    h.count += c;
  return h;
}

}  // namespace rflow::engine
