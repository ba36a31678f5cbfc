#include "store/group_merges.h"

namespace rflow::store {

bool GroupMerges::add(std::string_view key, std::string_view operand, const Write& write) {
  ++received_;
  auto [it, inserted] = held_.try_emplace(key);
  Held& held = it->second;
  if (inserted || held.flushed) {
    if (inserted) order_.push_back(key);
    held = Held{.first = operand, .joined = {}, .sum = std::nullopt, .flushed = false};
    return true;
  }
  if (!held.sum && joinableCounters(operand) &&
      (!held.joined.empty() || joinableCounters(held.first))) {
    if (held.joined.empty()) held.joined.assign(held.first);
    joinCounters(held.joined, operand);
    return true;
  }
  // Not joinable (a format-1 operand, or not counters at all): added up.
  Counters sum;
  if (held.sum) {
    sum = std::move(*held.sum);
  } else if (const std::string_view so_far = held.joined.empty() ? held.first : held.joined;
             !addEncodedCounters(so_far, sum)) {
    // Not counters (nothing this build writes): pass both on as they came, in order.
    if (!write(key, so_far) || !write(key, operand)) return false;
    written_ += 2;
    held.flushed = true;
    return true;
  }
  held.joined.clear();
  if (!addEncodedCounters(operand, sum)) {
    held.sum = std::move(sum);
    if (!writeHeld(key, held, write) || !write(key, operand)) return false;
    ++written_;
    return true;
  }
  held.sum = std::move(sum);
  return true;
}

bool GroupMerges::writeHeld(std::string_view key, Held& held, const Write& write) {
  if (held.flushed) return true;
  held.flushed = true;
  if (!held.joined.empty()) {
    ++written_;
    return write(key, held.joined);
  }
  if (!held.sum) {
    ++written_;
    return write(key, held.first);
  }
  encoded_ = encodeCounters(*held.sum);
  held.sum.reset();
  ++written_;
  return write(key, encoded_);
}

bool GroupMerges::flush(std::string_view key, const Write& write) {
  auto it = held_.find(key);
  return it == held_.end() || writeHeld(key, it->second, write);
}

bool GroupMerges::flushAll(const Write& write) {
  for (std::string_view key : order_) {
    if (!writeHeld(key, held_.at(key), write)) return false;
  }
  return true;
}

}  // namespace rflow::store
