// ScaledClock: the engine's clock for `rflow serve --time-scale N` — time that passes N
// times faster than the wall clock, from the moment the service starts. Demos (the
// simulator in examples/simulator) use it so that escalations after 2h and SLAs of 8h
// happen within minutes, through the same timers, audit entries and aggregates as at
// full speed: nothing is faked, the service's hours are just shorter.
//
// `--clock-start T` starts it at T (in the past) instead of the wall clock: a demo plays
// weeks of history at a high scale so that they end about when the wall clock is
// reached, then serves live from the same data directory (scripts/run.sh).
//
// Invariants: never goes backwards; equals the start (the wall clock unless given) at
// the start. A data directory written at N > 1 holds times ahead of the wall clock, so
// reuse it only at the same scale and expect the clock to restart from the wall clock
// (timers then fire late).
#pragma once

#include <chrono>
#include <cmath>
#include <optional>

#include "engine/engine.h"

namespace rflow::service {

inline constexpr double kMaxTimeScale = 10'000;

class ScaledClock final : public engine::Clock {
 public:
  explicit ScaledClock(double scale, std::optional<int64_t> start = std::nullopt)
      : scale_(scale),
        start_wall_(start.value_or(wall_.now())),
        start_steady_(std::chrono::steady_clock::now()) {}

  int64_t now() const override {
    // The steady clock measures the elapsed time, so a wall-clock step (NTP) does not
    // make the scaled clock jump by N times the step.
    const auto elapsed = std::chrono::steady_clock::now() - start_steady_;
    const double ms = std::chrono::duration<double, std::milli>(elapsed).count();
    return start_wall_ + static_cast<int64_t>(std::llround(ms * scale_));
  }

 private:
  engine::SystemClock wall_;
  double scale_;
  int64_t start_wall_;
  std::chrono::steady_clock::time_point start_steady_;
};

}  // namespace rflow::service
