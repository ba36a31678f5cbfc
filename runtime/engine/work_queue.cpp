#include "engine/work_queue.h"

#include <pthread.h>

#include <chrono>
#include <utility>

namespace rflow::engine {

void WorkQueue::push(QueuedWork item) {
  bool wake_worker = false, wake_waiters = false;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(item));
    if (holding_) {
      held_ = true;
      return;
    }
    wake_worker = idle_workers_ > 0;
    wake_waiters = idle_waiters_ > 0;
  }
  if (wake_worker) work_.notify_one();
  if (wake_waiters) changed_.notify_all();
}

bool WorkQueue::take(QueuedWork& item) {
  std::lock_guard lock(mutex_);
  if (queue_.empty()) return false;
  item = std::move(queue_.front());
  queue_.pop_front();
  ++busy_;
  return true;
}

void WorkQueue::done() {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    --busy_;
    wake = idle_waiters_ > 0;
  }
  if (wake) changed_.notify_all();
}

bool WorkQueue::runOne() {
  QueuedWork item;
  if (!take(item)) return false;
  process_(std::move(item));
  done();
  return true;
}

void WorkQueue::holdWakeups() {
  std::lock_guard lock(mutex_);
  holding_ = true;
}

void WorkQueue::releaseWakeups() {
  bool wake_workers = false;
  {
    std::lock_guard lock(mutex_);
    holding_ = false;
    wake_workers = std::exchange(held_, false) && idle_workers_ > 0;
  }
  if (wake_workers) work_.notify_all();
  notify();
}

void WorkQueue::notify() {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);  // a waiter between its check and its wait sees it
    wake = idle_waiters_ > 0;
  }
  if (wake) changed_.notify_all();
}

void WorkQueue::runUntilIdle(const std::function<bool()>& settled) {
  for (;;) {
    if (runOne()) continue;
    std::unique_lock lock(mutex_);
    if (!queue_.empty()) continue;
    if (busy_ == 0) {
      lock.unlock();
      if (settled()) {
        lock.lock();
        if (queue_.empty() && busy_ == 0) return;
        continue;
      }
      lock.lock();
    }
    // Woken by new work, a finished item, a reported commit or an answered call; the
    // timeout only guards against a change that came between the checks and the wait.
    ++idle_waiters_;
    changed_.wait_for(lock, std::chrono::milliseconds(20), [&] { return !queue_.empty(); });
    --idle_waiters_;
  }
}

void WorkQueue::startWorkers(size_t count) {
  for (size_t i = 0; i < count; ++i) {
    workers_.emplace_back([this] {
      for (;;) {
        QueuedWork item;
        {
          std::unique_lock lock(mutex_);
          ++idle_workers_;
          work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
          --idle_workers_;
          if (queue_.empty()) return;  // stopping
          item = std::move(queue_.front());
          queue_.pop_front();
          ++busy_;
        }
        process_(std::move(item));
        done();
      }
    });
    pthread_setname_np(workers_.back().native_handle(), "rflow-worker");  // for top, gdb, perf
  }
}

void WorkQueue::stopWorkers() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (std::thread& t : workers_)
    t.join();
  workers_.clear();
  std::lock_guard lock(mutex_);
  stopping_ = false;
}

void WorkQueue::stall(Work work) {
  std::lock_guard lock(stalled_mutex_);
  stalled_.push_back(std::move(work));
}

std::vector<Work> WorkQueue::takeStalled() {
  std::lock_guard lock(stalled_mutex_);
  std::vector<Work> out;
  out.swap(stalled_);
  return out;
}

size_t WorkQueue::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + busy_;
}

size_t WorkQueue::stalled() const {
  std::lock_guard lock(stalled_mutex_);
  return stalled_.size();
}

}  // namespace rflow::engine
