// The relay of one owned partition's outbox (issue 19, engine/outbox.h; docs/cluster.md
// "Outbox"): reads the engine's pending messages, delivers each to its target partition
// (the node's `Deliver`: the target's engine when this node owns it, else one hop to its
// owner), and has the engine forget those the targets acknowledged.
//
// Invariants:
//   - Each target's messages are delivered in sequence order, and a target's first
//     failure stops its later messages until a later pass: the target applies only
//     sequences above its high-water mark for this producer, so a skipped message would
//     be lost.
//   - A message is forgotten only after its target acknowledged it (applied it, or had
//     applied it before); a relay that stops between the two sends it again next time,
//     and the target's high-water mark makes that a no-op.
//   - `stop` is asked before each delivery: a fenced or released owner stops at once.
//   - A target that failed is tried again after a backoff (100 ms, doubling to 5 s).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace rflow::node {

struct Delivery {
  bool acknowledged = false;
  std::string why;  // when not: what went wrong (said once per change)
};
using Deliver = std::function<Delivery(uint32_t target, const std::string& message)>;

class OutboxRelay {
 public:
  OutboxRelay(uint32_t partition, Deliver deliver, std::function<void(const std::string&)> say)
      : partition_(partition), deliver_(std::move(deliver)), say_(std::move(say)) {}

  // One pass: the messages acknowledged (and forgotten).
  size_t pass(engine::Engine& engine, const std::function<bool()>& stop);
  // When the next pass is worth making for a target that failed (none: steady).
  std::optional<std::chrono::steady_clock::time_point> nextRetry() const;

 private:
  struct Backoff {
    std::chrono::milliseconds wait{0};
    std::chrono::steady_clock::time_point until{};
    std::string why;
  };

  uint32_t partition_;
  Deliver deliver_;
  std::function<void(const std::string&)> say_;
  std::map<uint32_t, Backoff> backoff_;  // the relay's thread only
};

}  // namespace rflow::node
