// The engine's queued work: what follows a step or arrives from outside and needs a step
// of its own (begin a child, hand a result to a parent, process a connector's answer,
// send a pending call again, fire a timer). Processed by worker threads (the service) or
// on the calling thread (runOne, runUntilIdle: `rflow run`, `rflow test`, tests).
//
// The queue knows nothing of instances: the engine's process function takes the
// instance's lease (instance_gate.h) or parks the work until the instance is free, and
// hands the step to the commit pipeline without waiting for it. Work whose step could
// not be committed or read is stalled here until retryStalled() puts it back.
//
// Invariants: an item is processed once per push (a parked item is pushed again, with
// its lease, by the gate); items are taken first in, first out; workers stop only when
// the queue is empty.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/instance_gate.h"

namespace rflow::engine {

struct Work {
  enum class Kind : uint8_t { kBegin, kCallDone, kInbox, kResend, kTimer };
  Kind kind = Kind::kBegin;
  std::string instance;
  CallResult call;        // kCallDone
  uint64_t request = 0;   // kResend
  std::string timer_key;  // kTimer
  TimerRecord timer;      // kTimer
};

// A piece of work, with its instance's lease when the gate handed it over.
struct QueuedWork {
  Work work;
  std::optional<KeyedGate::Lease> lease;
};

class WorkQueue {
 public:
  using Process = std::function<void(QueuedWork)>;
  explicit WorkQueue(Process process) : process_(std::move(process)) {}
  ~WorkQueue() { stopWorkers(); }
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void push(QueuedWork item);
  void push(Work work) { push(QueuedWork{std::move(work), std::nullopt}); }
  bool runOne();
  // Processes work on this thread until none is queued or being processed and
  // `settled()` (asked under no lock) says nothing else will add any.
  void runUntilIdle(const std::function<bool()>& settled);
  // Something runUntilIdle's `settled` depends on changed.
  void notify();
  // Between these, push() wakes nobody; releaseWakeups() wakes whoever waits, once, if
  // anything came (the commit pipeline reports a group's steps, each of which may queue
  // work, between them: one wake-up per group instead of one per item).
  void holdWakeups();
  void releaseWakeups();

  void startWorkers(size_t count);
  void stopWorkers();

  void stall(Work work);
  std::vector<Work> takeStalled();
  size_t stalled() const;
  // Items waiting or being processed: how far behind the workers are.
  size_t queued() const;

 private:
  bool take(QueuedWork& item);
  void done();

  Process process_;
  mutable std::mutex mutex_;
  // Workers wait on work_, runUntilIdle() on changed_; each is signalled only when some
  // thread waits on it (a notify is a system call; a queue of thousands of items a
  // second must not pay one per item for nobody).
  std::condition_variable work_;
  std::condition_variable changed_;
  std::deque<QueuedWork> queue_;
  size_t busy_ = 0;          // items being processed (under mutex_)
  size_t idle_workers_ = 0;  // workers waiting on work_ (under mutex_)
  size_t idle_waiters_ = 0;  // runUntilIdle() callers waiting on changed_ (under mutex_)
  bool holding_ = false;     // holdWakeups() is in force (under mutex_)
  bool held_ = false;        // an item came meanwhile (under mutex_)
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  mutable std::mutex stalled_mutex_;
  std::vector<Work> stalled_;
};

}  // namespace rflow::engine
