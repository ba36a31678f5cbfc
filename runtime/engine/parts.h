// What an Engine is made of (engine.h draws the whole): the store and the clock it was
// given, the program cache, the aggregates, the gates (one step at a time per instance;
// one start at a time per request id and business key), the commit pipeline, the work
// queue, and the services, which reach each other through this object. Internal to the
// engine.
//
// Construction order is member order: the pipeline and the queue exist before any
// service can use them, and are destroyed after the services (the pipeline reports what
// it still holds, and its reports use the queue and the aggregates).
#pragma once

#include <atomic>
#include <mutex>

#include "engine/calls.h"
#include "engine/commit_pipeline.h"
#include "engine/engine.h"
#include "engine/ids.h"
#include "engine/instance_cache.h"
#include "engine/instance_gate.h"
#include "engine/instances.h"
#include "engine/metrics.h"
#include "engine/outbox.h"
#include "engine/program_cache.h"
#include "engine/queries.h"
#include "engine/step.h"
#include "engine/tasks.h"
#include "engine/timers.h"
#include "engine/work_queue.h"

namespace rflow::engine {

class EngineParts {
 public:
  EngineParts(store::Store& store, const Clock& clock, CallDispatcher& dispatcher,
              EngineOptions options);

  // Processes one piece of queued work (the work queue's function).
  void process(QueuedWork item);
  // The instance's lease for `work`, or nothing when the gate parked the work.
  std::optional<KeyedGate::Lease> leaseFor(QueuedWork& item);

  store::Store& store;
  const Clock& clock;
  CallDispatcher& dispatcher;
  const EngineOptions options;
  ProgramCache programs;
  Metrics metrics;
  IdSource ids;
  KeyedGate instance_gate;
  InstanceCache instance_cache;
  KeyedGate claims;
  WorkQueue queue;
  Queries queries;
  Steps steps;
  Instances instances;
  Tasks tasks;
  Timers timers;
  Calls calls;
  Outbox outbox;
  std::atomic<uint64_t> write_recoveries_seen{0};
  std::mutex schedule_mutex;  // one fireSchedule at a time: slots are read, then written
  CommitPipeline pipeline;    // last: destroyed first, reporting into everything above
};

}  // namespace rflow::engine
