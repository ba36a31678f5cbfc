// How the cluster's JetStream writers (the partition logs, the deployment log) size and
// pace their publishes: one definition, so that they cannot drift apart.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace rflow::cluster {

// Room left in a message for its headers when checking an entry against max_payload.
inline constexpr size_t kHeaderRoom = 512;

// The pause before the next try of a publish that got no answer: 25 ms doubling, at most
// 500 ms.
inline std::chrono::milliseconds publishBackoff(int attempt) {
  return std::chrono::milliseconds(std::min(25 << std::min(attempt, 5), 500));
}

}  // namespace rflow::cluster
