// CommitTicket: how a caller that does not wait for its step's commit learns of it.
//
// start() and decide() usually return once their step is committed. A caller that gives
// them a ticket (StartOptions::ticket, Decided::ticket) gets its answer as soon as the
// step is handed to the commit pipeline instead, and the ticket reports the commit. The
// HTTP transport uses it so that the committer thread sends the reply the moment the
// group is durable, rather than waking the connection's thread to do it (one thread
// switch less per request, bench/README.md).
//
// Invariants:
//   - The answer a caller got with an armed ticket describes the step as it will be
//     committed; it must not leave the process until the ticket reports ok (the engine's
//     rule: nothing leaves before its step is durable). A failed report means nothing of
//     the step was stored.
//   - A ticket is armed at most once, before its step is submitted, and reported exactly
//     once when armed. A ticket the call left unarmed (an error, a repeated request, an
//     answer that needed no step) is never reported: the answer stands as it is.
//   - then() runs its function exactly once: at once, on the caller's thread, when the
//     report is in; otherwise on the reporting thread (a committer), so it must not wait
//     for anything (a client, another commit).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>

#include "store/status.h"

namespace rflow::engine {

class CommitTicket {
 public:
  using Then = std::function<void(const store::Status&)>;

  bool armed() const;
  // Runs `then` with the commit's status once it is known (see the invariants).
  void then(Then then);
  // Waits for the report (the ticket must be armed).
  store::Status wait();

  // The engine's side: before the step is submitted, and from its commit report.
  void arm();
  void report(const store::Status& status);

 private:
  mutable std::mutex mutex_;
  std::condition_variable reported_;
  bool armed_ = false;
  std::optional<store::Status> status_;
  Then then_;
};

}  // namespace rflow::engine
