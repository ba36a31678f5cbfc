// Shared by the benchmark programs: timing the best of several runs, and the process's
// CPU time.
#pragma once

#include <sys/resource.h>

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

// User and system CPU time of the whole process: on a shared machine, what a step costs
// is steadier in CPU than in wall time (other processes take cores, not CPU time).
inline double processCpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace rflow::bench
