// Circuit breakers, one per connector (issue 8): when a system keeps failing, stop
// sending it attempts for a while instead of adding load while it is down, and let one
// probe through to find out when it is back.
//
//   closed     attempts go out; `failures` retryable failures in a row open it
//   open       attempts fail at once (retryable, so the engine's retry schedule goes on)
//              until the cooldown passes
//   half-open  one attempt, the probe, goes out; the others fail at once. The probe's
//              success closes the breaker; its failure opens it again with twice the
//              cooldown (up to max_cooldown_ms)
//
// Only retryable failures count (5xx, timeouts, refused connections): a permanent one
// (4xx, a body that does not fit) means the system is up and answering. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rflow::runtime {

struct BreakerOptions {
  uint32_t failures = 5;
  int64_t cooldown_ms = 30'000;
  int64_t max_cooldown_ms = 300'000;
};

enum class BreakerState : uint8_t { kClosed = 0, kOpen = 1, kHalfOpen = 2 };
std::string_view breakerStateName(BreakerState state);  // "closed", "open", "half-open"

enum class AttemptOutcome : uint8_t { kSuccess, kPermanent, kRetryable };

// One connector's breaker as insights and metrics show it.
struct BreakerView {
  std::string connector;
  BreakerState state = BreakerState::kClosed;
  uint32_t consecutive_failures = 0;
  int64_t retry_in_ms = 0;  // open: until the next probe may go out
  uint64_t attempts = 0;    // sent
  uint64_t failures = 0;    // retryable failures of sent attempts
  uint64_t rejected = 0;    // failed at once because the breaker was open
  uint64_t opened = 0;      // times it opened
};

class CircuitBreakers {
 public:
  // `now_ms` is a monotonic clock in milliseconds (tests pass their own).
  explicit CircuitBreakers(BreakerOptions options = {}, std::function<int64_t()> now_ms = {});

  // Whether an attempt to `connector` may go out now. When it may not: why, in words for
  // the audit trail ("the circuit of `erp` is open after 5 failures in a row; the next
  // attempt goes out in 24s").
  std::optional<std::string> admit(std::string_view connector);
  // What an admitted attempt gave.
  void record(std::string_view connector, AttemptOutcome outcome);

  std::vector<BreakerView> snapshot() const;

 private:
  struct Breaker {
    BreakerState state = BreakerState::kClosed;
    uint32_t consecutive = 0;
    int64_t open_until = 0;
    int64_t cooldown = 0;
    bool probe_out = false;
    uint64_t attempts = 0, failures = 0, rejected = 0, opened = 0;
  };
  void open(Breaker& b, int64_t now);

  BreakerOptions options_;
  std::function<int64_t()> now_;
  mutable std::mutex mutex_;
  std::map<std::string, Breaker, std::less<>> breakers_;
};

}  // namespace rflow::runtime
