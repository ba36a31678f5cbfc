// ConnectorCalls: the engine's CallDispatcher for real connectors (runtime.md §6). Each
// attempt the engine hands over is decoded from value bytes, wire-encoded, sent through
// the project's ConnectorSet (HTTP or a stub file) on a small pool of threads, and its
// answer classified and handed back as value bytes of the op's result type.
//
// Invariants:
//   - `done` is called exactly once per dispatch() that was accepted, from a pool
//     thread, unless the pool is destroyed first: attempts still queued then are dropped
//     without an answer. That is safe because the engine committed each call before it
//     dispatched it and re-sends it (same Idempotency-Key) after the next recover().
//   - A 2xx answer that does not fit the op's result type is a permanent failure: the
//     system answered, with the wrong shape, and asking again gives the same.
//   - The ConnectorSet and the programs outlive the pool (the engine's programs are
//     shared_ptrs held by each request).
//   - Every attempt passes its connector's circuit breaker (circuit_breaker.h): while a
//     system keeps failing, attempts fail at once as retryable instead of adding load.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "runtime/circuit_breaker.h"
#include "runtime/connector.h"

namespace rflow::runtime {

class ConnectorCalls final : public engine::CallDispatcher {
 public:
  // `threads` attempts run at once; more wait in a queue (a slow ERP holds one thread
  // per call in flight, up to its timeout).
  ConnectorCalls(const ConnectorSet& connectors, size_t threads, BreakerOptions breakers = {},
                 std::function<int64_t()> monotonic_ms = {});
  ~ConnectorCalls() override;
  ConnectorCalls(const ConnectorCalls&) = delete;
  ConnectorCalls& operator=(const ConnectorCalls&) = delete;

  void dispatch(engine::CallRequest request, std::function<void(engine::CallResult)> done) override;

  // One attempt on the calling thread (the pool's job; public for tests).
  engine::CallResult attempt(const engine::CallRequest& request);

  // Each connector's circuit breaker, for insights and metrics.
  std::vector<BreakerView> breakers() const { return breakers_.snapshot(); }

 private:
  struct Job {
    engine::CallRequest request;
    std::function<void(engine::CallResult)> done;
  };
  void work();

  const ConnectorSet& connectors_;
  CircuitBreakers breakers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace rflow::runtime
