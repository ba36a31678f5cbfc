#include "engine/commit_pipeline.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <vector>

#include "base/thread_priority.h"
#include "cluster/entry_codec.h"
#include "cluster/log_writer.h"
#include "cluster/redo_codec.h"
#include "store/group_codec.h"

namespace rflow::engine {

CommitPipeline::CommitPipeline(store::Store& store, GroupCommitOptions options,
                               cluster::LogWriter* log,
                               std::function<void(const std::string&)> on_stopped, bool keep_redo)
    : store_(store),
      options_(options),
      log_(log),
      on_stopped_(std::move(on_stopped)),
      keep_redo_(keep_redo) {
  if (!options_.threaded) return;
  // With a log, one committer: appends and applies in the log's one order (the header).
  const size_t committers = log_ ? 1 : std::max<size_t>(1, options_.committers);
  for (size_t i = 0; i < committers; ++i) {
    // Each committer sets its own priority (setpriority takes a thread id, which only the
    // thread knows) and says how that went before it takes work.
    std::promise<std::string> prioritized;
    std::future<std::string> problem = prioritized.get_future();
    threads_.emplace_back(
        [this, prioritized = std::move(prioritized), nice = options_.nice]() mutable {
          prioritized.set_value(base::setOwnNice(nice));
          run();
        });
    pthread_setname_np(threads_.back().native_handle(), "rflow-commit");  // top, gdb, perf
    if (const std::string why = problem.get(); !why.empty() && priority_problem_.empty())
      priority_problem_ = fmt::format(
          "the commit thread could not raise its priority to nice {} ({}): it works as "
          "before, but on a busy machine it waits longer for a core, and every request waits "
          "with it. Give the service CAP_SYS_NICE (systemd: AmbientCapabilities=CAP_SYS_NICE) "
          "or a nice limit (LimitNICE={}), or set [engine] commit_nice = 0 in rflow.toml to "
          "run it at normal priority without this warning",
          options_.nice, why, options_.nice);
  }
}

CommitPipeline::~CommitPipeline() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  arrived_.notify_all();
  for (std::thread& t : threads_)
    t.join();
}

void CommitPipeline::submit(std::unique_ptr<Commit> commit) {
  in_flight_.fetch_add(1);
  if (!options_.threaded) {
    std::deque<std::unique_ptr<Commit>> alone;
    alone.push_back(std::move(commit));
    store::Store::WriteBuffer buffer;
    writeGroup(alone, buffer);
    return;
  }
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    queued_bytes_ += commit->batch.bytes();
    queue_.push_back(std::move(commit));
    // While a group is being written the committer looks at the queue before it waits;
    // only an idle one, or one lingering for a group that is now full, needs waking.
    wake = idle_ > 0 || (options_.linger_us > 0 && queue_.size() >= options_.max_steps);
  }
  if (wake) arrived_.notify_one();
}

namespace {

// A commit whose report a caller waits for.
class WaitedCommit final : public Commit {
 public:
  std::future<store::Status> reported() { return reported_.get_future(); }
  void committed(const store::Status& status) override { reported_.set_value(status); }

 private:
  std::promise<store::Status> reported_;
};

}  // namespace

store::Status CommitPipeline::commitAndWait(store::Batch batch) {
  if (batch.empty()) return {};
  auto commit = std::make_unique<WaitedCommit>();
  commit->batch = std::move(batch);
  std::future<store::Status> reported = commit->reported();
  submit(std::move(commit));
  return reported.get();
}

std::deque<std::unique_ptr<Commit>> CommitPipeline::takeGroup(std::unique_lock<std::mutex>& lock) {
  // A short linger lets a small group grow (more steps per sync) when nothing is being
  // written; under load the next group gathers while the previous one is written anyway.
  if (options_.linger_us > 0 && queue_.size() < options_.max_steps && !stopping_) {
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::microseconds(options_.linger_us);
    arrived_.wait_until(lock, until, [&] {
      return stopping_ || queue_.size() >= options_.max_steps ||
             queued_bytes_ >= options_.max_bytes;
    });
  }
  std::deque<std::unique_ptr<Commit>> group;
  size_t bytes = 0;
  while (!queue_.empty() && group.size() < options_.max_steps &&
         (group.empty() || bytes + queue_.front()->batch.bytes() <= options_.max_bytes)) {
    bytes += queue_.front()->batch.bytes();
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  queued_bytes_ -= bytes;
  return group;
}

void CommitPipeline::run() {
  store::Store::WriteBuffer buffer;
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    arrived_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping, and everything was written
    std::deque<std::unique_ptr<Commit>> group = takeGroup(lock);
    lock.unlock();
    writeGroup(group, buffer);
    lock.lock();
  }
}

void CommitPipeline::writeGroup(std::deque<std::unique_ptr<Commit>>& group,
                                store::Store::WriteBuffer& buffer) {
  std::vector<const store::Batch*> batches;
  batches.reserve(group.size());
  for (const auto& commit : group)
    batches.push_back(&commit->batch);
  const store::Status status =
      log_ == nullptr ? store_.commitGroup(batches, buffer) : appendAndApply(batches);
  if (status.ok()) {
    groups_.fetch_add(1, std::memory_order_relaxed);
    steps_.fetch_add(group.size(), std::memory_order_relaxed);
  }
  if (before_reports_) before_reports_();
  for (auto& commit : group) {
    commit->committed(status);
    commit.reset();  // what the step held (its instance's lease) is released now
    in_flight_.fetch_sub(1);
  }
  if (after_reports_) after_reports_();
}

namespace {

// Why this node must stop writing the partition, for the operator.
store::Status stopStatus(const cluster::AppendResult& result, uint32_t partition) {
  if (const cluster::Fenced* f = result.fenced())
    return store::Status::failure(fmt::format(
        "partition {} has a new owner: {} claimed it at epoch {} (log sequence {}); this node "
        "is fenced and stored or sent nothing of this step. Stop this engine (it refuses "
        "every step from now on); requests for the partition go to the new owner",
        partition, f->by_node.empty() ? std::string("another node") : f->by_node, f->by_epoch,
        f->at_seq));
  const cluster::Regressed* r = result.regressed();
  return store::Status::failure(fmt::format(
      "partition {}'s log ends at sequence {}, below the {} this node appended: the NATS "
      "servers lost acknowledged entries ({}). The partition is frozen and stored or sent "
      "nothing of this step; check the NATS servers and their disks before anything else",
      partition, r->log_last, r->expected_last, r->what));
}

}  // namespace

store::Status CommitPipeline::stop(store::Status status) {
  if (!stopped_) {
    stopped_ = std::move(status);
    if (on_stopped_) on_stopped_(stopped_->message());
  }
  return *stopped_;
}

void CommitPipeline::interruptLog() {
  closing_ = true;
  if (log_) log_->interrupt();
}

void CommitPipeline::closeLog(store::Status status) {
  // An append whose outcome is unknown is retried under log_mutex_ for as long as the log
  // is out of reach: told first, it gives up (appendAndApply), so a node cut off from
  // NATS can let its partitions go.
  interruptLog();
  std::lock_guard log_lock(log_mutex_);
  (void)stop(std::move(status));
}

bool CommitPipeline::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

store::Status CommitPipeline::appendAndApply(std::span<const store::Batch* const> batches) {
  // Without a committer thread, steps commit on their own threads: the writer takes one
  // append at a time, in one order.
  std::lock_guard log_lock(log_mutex_);
  if (stopped_) return *stopped_;
  const std::string payload = store::encodeGroup(batches);
  const std::string_view records[] = {payload};
  cluster::AppendResult result = log_->append(records);
  // Unknown: the entry may be in the log; nothing may be released or appended before its
  // fate is known, and only the same append can find out (partition_log.h).
  while (result.unknown()) {
    if (stopping() || closing_) {
      // Shutting down, or letting the partition go, with the log out of reach: the group's
      // fate is for the next owner's (or this node's next) replay to find; nothing of it
      // is released here.
      return stop(store::Status::failure(fmt::format(
          "the engine {} while the partition log did not answer ({}); this group may or "
          "may not be in the log: the next owner's replay applies whatever it holds",
          closing_ ? "let the partition go" : "stopped", result.unknown()->why)));
    }
    result = log_->retryPending();
  }
  if (result.fenced() || result.regressed()) {
    return stop(stopStatus(result, log_->partition()));
  }
  if (const cluster::Rejected* r = result.rejected())
    return store::Status::failure(fmt::format(
        "the partition log refused this group ({}); nothing of it was stored or sent, and "
        "the partition carries on",
        r->why));
  const cluster::Seq seq = result.appended()->seq;
  // The redo copy (H3): what the log holds at seq, byte for byte, so that a log that loses
  // it (acknowledged before NATS synced it) can be given it again (replay/redo.h).
  const std::string redo = keep_redo_
                               ? cluster::encodeRedo(cluster::redoClockMs(),
                                                     cluster::encodeRecords(log_->epoch(), records))
                               : std::string();
  store::Status applied = store_.applyGroup(payload, seq, redo);
  if (!applied.ok()) {
    return stop(store::Status::failure(fmt::format(
        "log sequence {} holds this group, but the data directory did not take it ({}); this "
        "engine stops writing. Restart it: opening replays the log into the store",
        seq, applied.message())));
  }
  return applied;
}

}  // namespace rflow::engine
