#include "engine/commit_pipeline.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace rflow::engine {

CommitPipeline::CommitPipeline(store::Store& store, GroupCommitOptions options)
    : store_(store), options_(options) {
  if (!options_.threaded) return;
  for (size_t i = 0; i < std::max<size_t>(1, options_.committers); ++i) {
    threads_.emplace_back([this] { run(); });
    pthread_setname_np(threads_.back().native_handle(), "rflow-commit");  // top, gdb, perf
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
  const store::Status status = store_.commitGroup(batches, buffer);
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

}  // namespace rflow::engine
