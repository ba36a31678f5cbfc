#include "node/outbox_relay.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace rflow::node {

namespace {
constexpr std::chrono::milliseconds kFirstWait{100};
constexpr std::chrono::milliseconds kLongestWait{5000};
}  // namespace

size_t OutboxRelay::pass(engine::Engine& engine, const std::function<bool()>& stop) {
  auto pending = engine.pendingOutbox();
  if (!pending.ok()) return 0;
  const auto now = std::chrono::steady_clock::now();
  std::set<uint32_t> held;  // targets that wait for a later pass
  std::vector<uint64_t> acknowledged;
  for (const engine::PendingMessage& m : pending.value()) {
    if (stop()) return 0;  // nothing forgotten: the next owner sends them again
    if (held.count(m.target)) continue;
    Backoff& b = backoff_[m.target];
    if (b.until > now) {
      held.insert(m.target);
      continue;
    }
    Delivery d = deliver_(m.target, m.bytes);
    if (d.acknowledged) {
      if (!b.why.empty())
        say_(fmt::format("partition {}: its outbox reaches partition {} again", partition_,
                         m.target));
      backoff_.erase(m.target);
      acknowledged.push_back(m.seq);
      continue;
    }
    held.insert(m.target);
    b.wait = std::min(kLongestWait, b.wait.count() == 0 ? kFirstWait : b.wait * 2);
    b.until = now + b.wait;
    if (d.why != b.why)
      say_(
          fmt::format("partition {}: outbox message {} for partition {} not delivered ({}); "
                      "trying again",
                      partition_, m.seq, m.target, d.why));
    b.why = std::move(d.why);
  }
  if (acknowledged.empty() || stop()) return 0;
  if (store::Status forgot = engine.forgetOutbox(acknowledged); !forgot.ok()) {
    // Delivered but not forgotten: sent again by the next pass, and applied once.
    say_(fmt::format("partition {}: delivered outbox messages cannot be forgotten yet: {}",
                     partition_, forgot.message()));
    return 0;
  }
  return acknowledged.size();
}

std::optional<std::chrono::steady_clock::time_point> OutboxRelay::nextRetry() const {
  std::optional<std::chrono::steady_clock::time_point> next;
  for (const auto& [target, b] : backoff_) {
    if (!next || b.until < *next) next = b.until;
  }
  return next;
}

}  // namespace rflow::node
