#include "engine/instance_gate.h"

namespace rflow::engine {

KeyedGate::Lease& KeyedGate::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    gate_ = other.gate_;
    key_ = std::move(other.key_);
    other.gate_ = nullptr;
  }
  return *this;
}

void KeyedGate::Lease::release() {
  if (gate_ == nullptr) return;
  KeyedGate* gate = gate_;
  gate_ = nullptr;
  gate->release(key_);
}

KeyedGate::Lease KeyedGate::lock(std::string_view key) {
  std::unique_lock lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) it = entries_.emplace(std::string(key), Entry{}).first;
  ++it->second.waiters;
  // The map's nodes are stable: `it` stays valid while this thread waits.
  freed_.wait(lock, [&] { return !it->second.held; });
  --it->second.waiters;
  it->second.held = true;
  return Lease(this, std::string(key));
}

std::optional<KeyedGate::Lease> KeyedGate::tryLock(std::string_view key,
                                                   std::function<void(Lease)> when_free) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    entries_.emplace(std::string(key), Entry{true, 0, {}});
    return Lease(this, std::string(key));
  }
  if (!it->second.held) {
    it->second.held = true;
    return Lease(this, std::string(key));
  }
  it->second.parked.push_back(std::move(when_free));
  return std::nullopt;
}

void KeyedGate::release(const std::string& key) {
  std::function<void(Lease)> next;
  bool waiters = false;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    Entry& e = it->second;
    if (!e.parked.empty()) {
      // Handed on: the key stays held, by the parked work.
      next = std::move(e.parked.front());
      e.parked.pop_front();
    } else {
      e.held = false;
      waiters = e.waiters > 0;
      if (!waiters) entries_.erase(it);
    }
  }
  if (next) {
    next(Lease(this, key));
    return;
  }
  if (waiters) freed_.notify_all();
}

size_t KeyedGate::busy() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace rflow::engine
