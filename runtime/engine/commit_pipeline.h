// The commit pipeline: the engine's group commit. Steps hand their batches in; a
// committer thread writes everything that has arrived (up to a count and a size, after
// an optional short linger) as one store write with one sync (Store::commitGroup), then
// tells each step, in the order they arrived, whether its batch is durable.
//
// Why here and not only in RocksDB: RocksDB groups the writes of threads that are
// blocked in Write() at the same moment, so a sync is shared by at most as many steps as
// there are threads waiting; the engine's workers hand a step over and go on, so a sync
// is shared by every step made meanwhile, whatever the number of threads.
//
// Invariants:
//   - Each Commit is reported exactly once (committed()), after the group holding its
//     batch was written, or failed; a failed group fails every Commit in it, and none of
//     its writes is stored (as far as the store can tell: see Store::writeRecoveries).
//   - Commits are written in the order they were submitted: a later batch's write to a
//     key wins over an earlier one's, and a Commit is reported after every Commit
//     submitted before it.
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
  // Called after each group has been reported and inFlight() has gone down (whoever
  // waits for the engine to be idle looks again). Set before the first submit().
  void onReported(std::function<void()> reported) { reported_ = std::move(reported); }
  // Submitted and not yet reported.
  size_t inFlight() const { return in_flight_.load(); }
  uint64_t groups() const { return groups_.load(std::memory_order_relaxed); }
  uint64_t steps() const { return steps_.load(std::memory_order_relaxed); }

 private:
  void run();
  void writeGroup(std::deque<std::unique_ptr<Commit>>& group);
  // Takes the next group from queue_ (caller holds mutex_ through `lock`).
  std::deque<std::unique_ptr<Commit>> takeGroup(std::unique_lock<std::mutex>& lock);

  store::Store& store_;
  const GroupCommitOptions options_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<std::unique_ptr<Commit>> queue_;
  size_t queued_bytes_ = 0;
  bool idle_ = false;  // the committer waits for a first commit (under mutex_)
  bool stopping_ = false;
  std::atomic<size_t> in_flight_{0};
  std::atomic<uint64_t> groups_{0};
  std::atomic<uint64_t> steps_{0};
  std::function<void()> reported_;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace rflow::engine
