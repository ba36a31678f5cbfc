// The numbers of new instances, tasks and timers: one past the greatest the store holds,
// read once (and again after a failed read), then counted in memory.
//
// Invariants: a number is handed out once per process; no number at or below one the
// store already holds is handed out, so a restart never reuses an id; the numbers are
// read before the first is handed out (ready() says whether they could be).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "store/store.h"

namespace rflow::engine {

class IdSource {
 public:
  explicit IdSource(const store::Store& store) : store_(store) { (void)ready(); }
  // Reads the last numbers if they are not read yet; the Status of that read.
  store::Status ready();
  uint64_t instance() { return next_instance_.fetch_add(1); }
  uint64_t task() { return next_task_.fetch_add(1); }
  uint64_t timer() { return next_timer_.fetch_add(1); }

 private:
  const store::Store& store_;
  std::mutex mutex_;
  std::atomic<bool> loaded_{false};
  std::atomic<uint64_t> next_instance_{1};
  std::atomic<uint64_t> next_task_{1};
  std::atomic<uint64_t> next_timer_{1};
};

}  // namespace rflow::engine
