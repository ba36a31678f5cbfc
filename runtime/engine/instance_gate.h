// A gate per key (an instance id, a request id, a business key): who holds a key's lease
// is the only one working on it, from the start of a step until its batch is committed,
// which may be long after the thread that ran the step moved on. That is how one
// instance's steps stay in order while the commit pipeline writes many steps at once.
//
// Two ways in: lock() waits until the key is free (callers that answer a person: start,
// signal, decide …); tryLock() takes it when free and otherwise parks a callback, so a
// worker never waits. A release hands the key straight to the first parked callback, with
// the lease (it re-queues its work holding it); parked callbacks get the key in the order
// they were parked, before any lock() caller.
//
// Invariants: a Lease releases its key exactly once (when destroyed, unless moved from);
// callbacks run without the gate's lock held; no key holds memory once free and unparked.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace rflow::engine {

class KeyedGate {
 public:
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept : gate_(other.gate_), key_(std::move(other.key_)) {
      other.gate_ = nullptr;
    }
    Lease& operator=(Lease&& other) noexcept;
    ~Lease() { release(); }
    bool held() const { return gate_ != nullptr; }
    const std::string& key() const { return key_; }
    void release();

   private:
    friend class KeyedGate;
    Lease(KeyedGate* gate, std::string key) : gate_(gate), key_(std::move(key)) {}
    KeyedGate* gate_ = nullptr;
    std::string key_;
  };

  // Waits until `key` is free, then holds it.
  Lease lock(std::string_view key);
  // Holds `key` if it is free; otherwise parks `when_free`, which runs once, on the
  // releasing thread, with the key's lease (it should queue the work with it).
  std::optional<Lease> tryLock(std::string_view key, std::function<void(Lease)> when_free);
  // Keys held or with parked callbacks (tests).
  size_t busy() const;

 private:
  struct Entry {
    bool held = false;
    size_t waiters = 0;  // lock() callers waiting
    std::deque<std::function<void(Lease)>> parked;
  };
  void release(const std::string& key);

  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace rflow::engine
