#include "engine/work_queue.h"

#include <chrono>

namespace rflow::engine {

void WorkQueue::push(QueuedWork item) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(item));
  }
  changed_.notify_one();
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
  {
    std::lock_guard lock(mutex_);
    --busy_;
  }
  changed_.notify_all();
}

bool WorkQueue::runOne() {
  QueuedWork item;
  if (!take(item)) return false;
  process_(std::move(item));
  done();
  return true;
}

void WorkQueue::notify() {
  { std::lock_guard lock(mutex_); }  // a waiter between its check and its wait sees it
  changed_.notify_all();
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
    changed_.wait_for(lock, std::chrono::milliseconds(20), [&] { return !queue_.empty(); });
  }
}

void WorkQueue::startWorkers(size_t count) {
  for (size_t i = 0; i < count; ++i) {
    workers_.emplace_back([this] {
      for (;;) {
        QueuedWork item;
        {
          std::unique_lock lock(mutex_);
          changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
          if (queue_.empty()) return;  // stopping
          item = std::move(queue_.front());
          queue_.pop_front();
          ++busy_;
        }
        process_(std::move(item));
        done();
      }
    });
  }
}

void WorkQueue::stopWorkers() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
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

size_t WorkQueue::stalled() const {
  std::lock_guard lock(stalled_mutex_);
  return stalled_.size();
}

}  // namespace rflow::engine
