// Instances: creating them (arguments checked, business key and SLA computed once, the
// key claimed until the creating step is committed), starting one in a step of its own
// (start, events, schedules), beginning a child after its parent's step, signals and
// cancellation.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/step.h"
#include "engine/work_queue.h"

namespace rflow::engine {

class Instances {
 public:
  explicit Instances(EngineParts& parts) : parts_(parts) {}

  // A new instance's record, written into `step`'s batch (a start's own step, or the
  // parent's step of a child): kBadInput for arguments that do not fit, kConflict when a
  // live instance has its key (unless `spawn`), kStorage on a failed read.
  // `id` empty: a new id. `figures` (a start's own step): the instance's tracked values
  // and measures, which its own step's events build on.
  Found<InstanceRecord> create(Step& step, const std::shared_ptr<const vm::Program>& program,
                               uint32_t workflow, std::vector<vm::Value> args, bool spawn,
                               std::string id = {}, InstanceFigures* figures = nullptr);
  // Creates an instance and runs its first step in one batch, and waits for the commit
  // (or hands it to `ticket`): the record as committed. `also` adds to the batch (a
  // request id, a schedule's slot).
  Found<InstanceRecord> startOwn(const std::shared_ptr<const vm::Program>& program,
                                 uint32_t workflow, std::vector<vm::Value> args, bool spawn,
                                 const std::function<void(Step&)>& also = {},
                                 const std::shared_ptr<CommitTicket>& ticket = nullptr);
  std::variant<InstanceView, EngineError> start(std::string_view workflow,
                                                std::vector<vm::Value> args,
                                                const StartOptions& options,
                                                const std::shared_ptr<CommitTicket>& ticket);
  // The first step of an instance created by another one's step (Work::Kind::kBegin).
  void begin(QueuedWork item);
  // Hands the results in an instance's inbox (children that ended) to its waits, in one
  // step (Work::Kind::kInbox).
  void inbox(QueuedWork item);
  // signals.cpp
  std::optional<EngineError> signal(std::string_view id, std::string_view name, vm::Value value,
                                    std::string_view request_id);
  std::optional<EngineError> cancel(std::string_view id, std::string_view by);

 private:
  // Writes `rec`'s business key in `step`, claimed until the step's commit is reported.
  std::optional<EngineError> claimKey(Step& step, const InstanceRecord& rec, bool spawn);
  // A start with `request_key` seen before: true, with what to answer in `out`.
  bool repeatedStart(const std::string& request_key, const std::string& workflow,
                     const std::string& request_id, std::variant<InstanceView, EngineError>& out);

  EngineParts& parts_;
};

// kBadInput when `args` do not fit workflow `w` (named `name`).
std::optional<EngineError> checkArguments(const bytecode::Module& m, const bytecode::Workflow& w,
                                          const std::string& name,
                                          const std::vector<vm::Value>& args);

// Where a keyed instance of `workflow` with `args` is placed when that is another
// partition (outbox.h): the qualified name and the target; nothing when it is created
// here (no cluster placement, no key, this partition); kBadInput when the arguments do not
// fit or the key cannot be computed (what create() would have answered).
struct RemotePlace {
  std::string workflow;
  uint32_t target = 0;
};
std::variant<std::monostate, RemotePlace, EngineError> remotePlace(
    EngineParts& parts, const std::shared_ptr<const vm::Program>& program, uint32_t workflow,
    const std::vector<vm::Value>& args);

// Runs a workflow's pure function (its key, sla, a tracked value or a header measure) on
// its arguments: kBadInput naming `what` ("key", "tracked value") and `name`, if any,
// when it fails or tries to act.
std::variant<vm::Value, EngineError> runPure(const std::shared_ptr<const vm::Program>& program,
                                             bytecode::FunctionId function,
                                             const std::vector<vm::Value>& args,
                                             const vm::Options& options, std::string_view what,
                                             std::string_view name = {});

}  // namespace rflow::engine
