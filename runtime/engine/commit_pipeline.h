// The commit pipeline: the engine's group commit. Steps hand their batches in; a
// committer thread writes everything that has arrived (up to a count and a size, after
// an optional short linger) as one store write with one sync (Store::commitGroup), then
// tells each step, in the order they arrived, whether its batch is durable.
//
// Why here and not only in RocksDB: RocksDB groups the writes of threads that are
// blocked in Write() at the same moment, so a sync is shared by at most as many steps as
// there are threads waiting; the engine's workers hand a step over and go on, so a sync
// is shared by every step made meanwhile, whatever the number of threads. Several
// committers (GroupCommitOptions::committers; one by default) may take groups in turn, so
// that reporting one group (answering its callers, queueing its work) overlaps writing
// the next; RocksDB joins their writes when they meet.
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
//
// With a partition log (EngineOptions::log, issue 19 Design A) a group is committed when
// it is in the log, not when RocksDB has it: writeGroup encodes the group once
// (store/group_codec.h), appends it through the cluster::LogWriter, then applies the same
// bytes to the store with applied_seq = the entry's sequence (one synced write), and only
// then reports (so effects are released, as always, only from committed() with an ok
// status). An Unknown append is repeated unchanged until it is known. Fenced or Regressed:
// this node no longer owns the partition (or the log lost entries): the group fails with
// a status that says so and what to do, and so does every later group; nothing of them
// is stored, so no timer fires and no call is sent from them. An entry appended but not
// applied (the disk failed) also stops the pipeline: the store is behind the log, and
// only a restart's replay (cluster/replay.h) brings it level; running on would commit
// steps computed from a state the log has left behind.
//
// Order with a log: ONE committer, whatever GroupCommitOptions::committers says. The log
// has one order; the store must apply groups in that order and applied_seq must only go
// up, or a crash after applying seq 6 but before seq 5 would leave applied_seq = 6 with
// 5 missing, and replay would skip it (and merged aggregates applied twice or never). The
// writer also allows one append in flight (partition_log.h). The price is the overlap
// of reporting one group with writing the next, which the log's round trip dwarfs.
// Without a log nothing of this runs: no encoding, no allocation, one branch.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
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
  // `log`: null for a single node; else the partition log's writer (not owned), used only
  // by the pipeline's one committer from then on.
  // `on_stopped`: told once when the log stops the pipeline (EngineOptions::on_log_stopped).
  // `keep_redo`: with a log, each appended group is also kept in the store's redo copy, in
  // the write that applies it (EngineOptions::keep_redo).
  CommitPipeline(store::Store& store, GroupCommitOptions options, cluster::LogWriter* log = nullptr,
                 std::function<void(const std::string&)> on_stopped = {}, bool keep_redo = false);
  ~CommitPipeline();
  CommitPipeline(const CommitPipeline&) = delete;
  CommitPipeline& operator=(const CommitPipeline&) = delete;

  void submit(std::unique_ptr<Commit> commit);
  // Writes `batch` as a step's batch is written (with a log, appended first: a follower
  // replaying the log sees it) and waits for its report. For the engine's few writes
  // that belong to no instance's step: an unreadable timer dropped, a schedule's slot
  // marker. Never from a committer thread or from inside a report, which would wait for
  // itself.
  store::Status commitAndWait(store::Batch batch);
  // Called before a group's reports and after them, once inFlight() has gone down (work
  // the reports queue is woken for once per group; whoever waits for the engine to be
  // idle looks again). Set before the first submit().
  void onReports(std::function<void()> before, std::function<void()> after) {
    before_reports_ = std::move(before);
    after_reports_ = std::move(after);
  }
  // With a log: this node lets the partition go (it hands it over). Waits for a group
  // being appended and applied to finish; every later group fails with `status`, as after
  // a fence, so nothing more reaches the log or the store from here.
  void closeLog(store::Status status);
  // The first half of closeLog, without waiting: an append whose outcome is unknown gives
  // up after its current try instead of being repeated. For a node letting several
  // partitions go at once while the log is out of reach (each would wait otherwise).
  void interruptLog();
  // Submitted and not yet reported.
  size_t inFlight() const { return in_flight_.load(); }
  uint64_t groups() const { return groups_.load(std::memory_order_relaxed); }
  uint64_t steps() const { return steps_.load(std::memory_order_relaxed); }
  // Empty, or why the committers run at the process's priority rather than at
  // GroupCommitOptions::nice. Set before the constructor returns.
  const std::string& priorityProblem() const { return priority_problem_; }

 private:
  void run();
  void writeGroup(std::deque<std::unique_ptr<Commit>>& group, store::Store::WriteBuffer& buffer);
  // With a log: append the group, then apply it to the store (the class comment).
  store::Status appendAndApply(std::span<const store::Batch* const> batches);
  // Takes the next group from queue_ (caller holds mutex_ through `lock`).
  std::deque<std::unique_ptr<Commit>> takeGroup(std::unique_lock<std::mutex>& lock);

  store::Store& store_;
  const GroupCommitOptions options_;
  cluster::LogWriter* const log_;
  // Set once the log said this node must stop (fenced, regressed, or a group in the log
  // that the store could not take): every later group fails with it. Committer only.
  std::optional<store::Status> stopped_;
  std::function<void(const std::string&)> on_stopped_;
  const bool keep_redo_;
  // Sets stopped_ (the first time) and tells on_stopped_; returns the status.
  store::Status stop(store::Status status);
  std::mutex log_mutex_;              // one append and apply at a time (threaded = false)
  std::atomic<bool> closing_{false};  // closeLog() was called: an unknown append gives up
  bool stopping();
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
  std::string priority_problem_;      // written by the constructor only
  std::vector<std::thread> threads_;  // last: started once everything above exists
};

}  // namespace rflow::engine
