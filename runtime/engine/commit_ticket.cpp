// A step's commit report handed to a caller that did not wait for it (commit_ticket.h).
#include "engine/commit_ticket.h"

namespace rflow::engine {

bool CommitTicket::armed() const {
  std::lock_guard lock(mutex_);
  return armed_;
}

void CommitTicket::arm() {
  std::lock_guard lock(mutex_);
  armed_ = true;
}

void CommitTicket::then(Then then) {
  std::unique_lock lock(mutex_);
  if (!status_) {
    then_ = std::move(then);
    return;
  }
  const store::Status status = *status_;
  lock.unlock();
  then(status);
}

void CommitTicket::report(const store::Status& status) {
  Then then;
  {
    std::lock_guard lock(mutex_);
    status_ = status;
    then = std::move(then_);
    // Under the lock: a waiter may destroy the ticket as soon as it sees the status.
    reported_.notify_all();
  }
  if (then) then(status);
}

store::Status CommitTicket::wait() {
  std::unique_lock lock(mutex_);
  reported_.wait(lock, [&] { return status_.has_value(); });
  return *status_;
}

}  // namespace rflow::engine
