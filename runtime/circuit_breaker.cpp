// Circuit breakers (the states are described in circuit_breaker.h).
#include "runtime/circuit_breaker.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "base/time_text.h"

namespace rflow::runtime {

std::string_view breakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half-open";
  }
  return "closed";
}

CircuitBreakers::CircuitBreakers(BreakerOptions options, std::function<int64_t()> now_ms)
    : options_(options), now_(std::move(now_ms)) {
  if (!now_) {
    now_ = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  }
  options_.failures = std::max<uint32_t>(options_.failures, 1);
  options_.cooldown_ms = std::max<int64_t>(options_.cooldown_ms, 1);
  options_.max_cooldown_ms = std::max(options_.max_cooldown_ms, options_.cooldown_ms);
}

void CircuitBreakers::open(Breaker& b, int64_t now) {
  b.cooldown = b.state == BreakerState::kHalfOpen
                   ? std::min(b.cooldown * 2, options_.max_cooldown_ms)
                   : options_.cooldown_ms;
  b.state = BreakerState::kOpen;
  b.open_until = now + b.cooldown;
  b.probe_out = false;
  ++b.opened;
}

std::optional<std::string> CircuitBreakers::admit(std::string_view connector) {
  std::lock_guard lock(mutex_);
  auto it = breakers_.find(connector);
  if (it == breakers_.end()) it = breakers_.emplace(std::string(connector), Breaker{}).first;
  Breaker& b = it->second;
  const int64_t now = now_();
  if (b.state == BreakerState::kOpen && now >= b.open_until) {
    b.state = BreakerState::kHalfOpen;
    b.probe_out = false;
  }
  if (b.state == BreakerState::kClosed || (b.state == BreakerState::kHalfOpen && !b.probe_out)) {
    if (b.state == BreakerState::kHalfOpen) b.probe_out = true;
    ++b.attempts;
    return std::nullopt;
  }
  ++b.rejected;
  if (b.state == BreakerState::kHalfOpen)
    return fmt::format(
        "the circuit of `{}` is half-open: one attempt is finding out whether the "
        "system is back, and this one waits for the next retry",
        connector);
  return fmt::format(
      "the circuit of `{}` is open after {} failures in a row; the next attempt "
      "goes out in {}",
      connector, b.consecutive, base::formatDuration(b.open_until - now));
}

void CircuitBreakers::record(std::string_view connector, AttemptOutcome outcome) {
  std::lock_guard lock(mutex_);
  auto it = breakers_.find(connector);
  if (it == breakers_.end()) return;
  Breaker& b = it->second;
  const int64_t now = now_();
  if (outcome != AttemptOutcome::kRetryable) {
    b.consecutive = 0;
    b.state = BreakerState::kClosed;
    b.probe_out = false;
    b.cooldown = 0;
    return;
  }
  ++b.failures;
  ++b.consecutive;
  if (b.state == BreakerState::kHalfOpen ||
      (b.state == BreakerState::kClosed && b.consecutive >= options_.failures))
    open(b, now);
}

std::vector<BreakerView> CircuitBreakers::snapshot() const {
  std::lock_guard lock(mutex_);
  const int64_t now = now_();
  std::vector<BreakerView> out;
  for (const auto& [name, b] : breakers_) {
    BreakerView v;
    v.connector = name;
    v.state =
        b.state == BreakerState::kOpen && now >= b.open_until ? BreakerState::kHalfOpen : b.state;
    v.consecutive_failures = b.consecutive;
    v.retry_in_ms = v.state == BreakerState::kOpen ? b.open_until - now : 0;
    v.attempts = b.attempts;
    v.failures = b.failures;
    v.rejected = b.rejected;
    v.opened = b.opened;
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace rflow::runtime
