#include "engine/instance_cache.h"

namespace rflow::engine {

std::optional<CachedInstance> InstanceCache::take(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  auto node = it->second;
  by_id_.erase(it);
  CachedInstance entry = std::move(*node);
  lru_.erase(node);
  return entry;
}

std::optional<InstanceRecord> InstanceCache::peek(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second->rec;
}

void InstanceCache::put(CachedInstance entry) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mutex_);
  if (auto it = by_id_.find(entry.rec.id); it != by_id_.end()) {
    lru_.erase(it->second);
    by_id_.erase(it);
  }
  lru_.push_front(std::move(entry));
  // The key views the id inside the list node, which does not move while it is listed.
  by_id_.emplace(lru_.front().rec.id, lru_.begin());
  if (lru_.size() > capacity_) {
    by_id_.erase(lru_.back().rec.id);
    lru_.pop_back();
  }
}

void InstanceCache::clear() {
  std::lock_guard lock(mutex_);
  by_id_.clear();
  lru_.clear();
}

}  // namespace rflow::engine
