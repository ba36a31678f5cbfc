// Timers (sleeps, await timeouts, escalations, due dates, SLA breaches, call retries):
// keys in due order in kTimers, written in the step that sets them. Firing a timer is
// work for its instance: fire() queues the due ones, and the step that acts on a timer
// also removes it, in one batch. A timer queued and not yet committed is "in flight":
// next() and fire() pass over it, so it fires once.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "engine/engine.h"
#include "engine/step.h"
#include "engine/work_queue.h"

namespace rflow::engine {

class Timers {
 public:
  explicit Timers(EngineParts& parts) : parts_(parts) {}

  void add(Step& step, int64_t due, TimerRecord timer);
  std::optional<int64_t> next() const;
  size_t fire(int64_t up_to, size_t limit);
  // The step of a fired timer (Work::Kind::kTimer), holding its instance's lease.
  void process(QueuedWork item);

 private:
  store::Status act(Step& step, const Work& work);
  store::Status wake(Step& step, const TimerRecord& timer);
  store::Status breach(Step& step);
  void landed(const std::string& key);

  EngineParts& parts_;
  mutable std::mutex mutex_;
  std::set<std::string> in_flight_;
};

}  // namespace rflow::engine
