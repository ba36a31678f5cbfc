// The commit pipeline: the engine's group commit. Steps hand their batches in; a
// committer thread writes everything that has arrived (up to a count and a size, after
// an optional short linger) as one store write with one sync (Store::commitGroup), then
// tells each step, in the order they arrived, whether its batch is durable.
//
// Why here and not only in RocksDB: RocksDB groups the writes of threads that are
// blocked in Write() at the same moment, so a sync is shared by at most as many steps as
// there are threads waiting; the engine's workers hand a step over and go on, so a sync
// is shared by every step made meanwhile, whatever the number of threads. Several
// committers (GroupCommitOptions::committers) take groups in turn, so that reporting one
// group (waking its callers, queueing its work) overlaps writing the next; RocksDB joins
// their writes when they meet.
//
// Invariants:
//   - Each Commit is reported exactly once (committed()), after the group holding its
//     batch was written, or failed; a failed group fails every Commit in it, and none of
//     its writes is stored (as far as the store can tell: see Store::writeRecoveries).
//   - Within a group, batches are written in the order they were submitted (a later
//     batch's write to a key wins). Groups in the hands of different committers may land
//     in either order: nothing relies on more, because a step holds its instance (and
//     any request id or business key it claims) until it is reported, so no two steps in
//     flight write one key, but for the aggregates, whose writes add up in any order.
//   - committed() runs on the committer thread, or, without a thread, on the thread
//     that submitted it, inside submit(): it must not wait for another Commit.
//   - The destructor writes and reports what is still queued, then stops the thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "store/store.h"

namespace rflow::engine {

// One batch to write, and what to do once it is written.
class Commit {
 public:
  virtual ~Commit() = default;
  store::Batch batch;
  // The batch is durable (ok), or the group holding it failed.
  virtual void committed(const store::Status& status) = 0;
};

class CommitPipeline {
 public:
  CommitPipeline(store::Store& store, GroupCommitOptions options);
  ~CommitPipeline();
  CommitPipeline(const CommitPipeline&) = delete;
  CommitPipeline& operator=(const CommitPipeline&) = delete;

  void submit(std::unique_ptr<Commit> commit);
  // Called before a group's reports and after them, once inFlight() has gone down (work
  // the reports queue is woken for once per group; whoever waits for the engine to be
  // idle looks again). Set before the first submit().
  void onReports(std::function<void()> before, std::function<void()> after) {
    before_reports_ = std::move(before);
    after_reports_ = std::move(after);
  }
  // Submitted and not yet reported.
  size_t inFlight() const { return in_flight_.load(); }
  uint64_t groups() const { return groups_.load(std::memory_order_relaxed); }
  uint64_t steps() const { return steps_.load(std::memory_order_relaxed); }

 private:
  void run();
  void writeGroup(std::deque<std::unique_ptr<Commit>>& group, store::Store::WriteBuffer& buffer);
  // Takes the next group from queue_ (caller holds mutex_ through `lock`).
  std::deque<std::unique_ptr<Commit>> takeGroup(std::unique_lock<std::mutex>& lock);

  store::Store& store_;
  const GroupCommitOptions options_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<std::unique_ptr<Commit>> queue_;
  size_t queued_bytes_ = 0;
  size_t idle_ = 0;  // committers waiting for a first commit (under mutex_)
  bool stopping_ = false;
  std::atomic<size_t> in_flight_{0};
  std::atomic<uint64_t> groups_{0};
  std::atomic<uint64_t> steps_{0};
  std::function<void()> before_reports_;
  std::function<void()> after_reports_;
  std::vector<std::thread> threads_;  // last: started once everything above exists
};

}  // namespace rflow::engine
