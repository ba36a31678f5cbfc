// Shared by the benchmark programs: timing the best of several runs.
#pragma once

#include <algorithm>
#include <chrono>

namespace rflow::bench {

// The shortest wall-clock time of `runs` calls of `f`, in seconds: the least disturbed
// run on a shared, noisy machine.
template <typename F>
double bestSeconds(int runs, F&& f) {
  using Clock = std::chrono::steady_clock;
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

}  // namespace rflow::bench
