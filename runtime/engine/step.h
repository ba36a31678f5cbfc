// The step context every step uses: open (the instance as committed, its program, the
// step's time, under the instance's lease), audit, fail, finish, resume a wait and run
// the VM (host_loop.h, with the step's effects in step_host.cpp), and commit (the batch
// to the pipeline; what leaves the engine, once it is durable).
//
// Invariants:
//   - A Step holds its instance's lease from open() until its commit is reported, so no
//     other step of the instance reads the record before this one's batch is durable.
//   - Everything a step changes goes into its one batch; what leaves the engine (calls
//     to send, children to begin, parents to tell) and the aggregates in memory wait for
//     committed(): a failed group leaves no trace of the step but its stalled work.
//   - A step whose read failed is dropped, never committed (half of a step is nothing).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "engine/audit.h"
#include "engine/commit_pipeline.h"
#include "engine/engine.h"
#include "engine/figures.h"
#include "engine/instance_gate.h"
#include "engine/metrics.h"

namespace rflow::engine {

class EngineParts;

class Step final : public Commit {
 public:
  Step(EngineParts& parts, KeyedGate::Lease lease) : parts_(parts) {
    leases.push_back(std::move(lease));
  }
  ~Step() override;
  Step(const Step&) = delete;
  Step& operator=(const Step&) = delete;

  InstanceRecord rec;
  std::shared_ptr<const vm::Program> program;
  int64_t now = 0;
  MetricsDelta metrics;
  // What leaves the engine once the batch is committed.
  std::vector<CallRecord> send;
  std::vector<std::string> begin;    // child instances to run
  std::vector<std::string> inboxes;  // parents with a result in their inbox
  // Outbox sequences this step handed out (outbox.h): in flight until the step is gone.
  std::vector<uint64_t> outbox;
  // Write rec back with the batch (false: the step only recorded something beside it).
  bool instance_changed = true;
  // The status the instance had when the step loaded it (unset: a new instance, or a
  // step that loaded none). commit counts the move to rec.status in `metrics`.
  std::optional<Status> loaded_status;
  // The step creates the instance: nothing under its id is in the store yet, so reads of
  // its other keys (its stage entries, say) can be skipped.
  bool creates_instance = false;
  // The waits the instance had when the step loaded it, and the stage of each wait this
  // step made (by request): recordStages (stages.h) compares them with rec.waits.
  std::vector<Wait> loaded_waits;
  std::map<uint64_t, std::string> stages;
  // Queued signals this step's awaits took: the batch removes them, but the store holds
  // them until the commit, so a later await of the same step must skip them.
  std::set<std::string> signals_taken;
  // Business keys this step claimed for instances it creates (index key -> instance).
  std::map<std::string, std::string> keys_claimed;
  // Held until the commit is reported: the instance's lease first, then claims.
  std::vector<KeyedGate::Lease> leases;
  // Runs once the commit is reported, after the effects.
  std::function<void(const store::Status&)> then;
  // The caller's report (Steps::hand): runs last, once the instance is cached and its
  // lease released, so that what the caller does next (a client's next request on this
  // instance) finds the instance free and need not read it back.
  std::function<void(const store::Status&)> answer;
  // The user whose decision this step resumes the instance with ("" otherwise): `learn`
  // records who taught the example.
  std::string decided_by;
  // The instance's tracked values and measures once this step read or set them
  // (figures.h): later `measure`s of the step build on them.
  std::optional<InstanceFigures> figures;

  void audit(AuditKind kind, std::string_view text, std::string_view by = {},
             std::string_view extra = {});
  bool audited() const { return !audit_.empty(); }
  // Puts the record, the audit entries and the aggregates' delta into the batch.
  void seal();
  void committed(const store::Status& status) override;

 private:
  EngineParts& parts_;
  AuditGroup audit_;
};

// Opening, running and committing steps.
class Steps {
 public:
  explicit Steps(EngineParts& parts) : parts_(parts) {}

  // A step of instance `id` holding `lease`: kNotFound when there is no such instance,
  // kStorage when it cannot be read. The lease moves into the step only on success.
  Found<std::unique_ptr<Step>> open(std::string_view id, KeyedGate::Lease& lease);
  Found<std::unique_ptr<Step>> open(std::string_view id, KeyedGate::Lease&& lease) {
    return open(id, lease);
  }
  // A step that writes no instance record (the timer of an instance that is gone).
  std::unique_ptr<Step> detached(std::string id, KeyedGate::Lease lease);
  // To the commit pipeline; `then` runs once the commit is reported.
  void submit(std::unique_ptr<Step> step, std::function<void(const store::Status&)> then = {});
  // The same, waiting for the report: kStorage when the commit failed.
  std::optional<EngineError> commit(std::unique_ptr<Step> step);
  // commit(), answering the instance's record as committed: a caller's answer needs no
  // second read of what its own step wrote. With a `ticket` it does not wait: the ticket
  // is armed and reports the commit (commit_ticket.h).
  Found<InstanceRecord> commitAnswering(std::unique_ptr<Step> step,
                                        const std::shared_ptr<CommitTicket>& ticket = nullptr);

  // The instance fails with "{kind}: {message}", and ends.
  store::Status fail(Step& step, std::string_view kind, std::string_view message);
  // The instance ended (completed, failed, cancelled): what it waited for is over (open
  // tasks cancelled, pending calls forgotten), its business key is free, its parent told.
  store::Status finish(Step& step);
  // Runs a new instance's first step.
  store::Status runFirst(Step& step);
  // Hands the wait for `request` its result and runs the instance to its next waits;
  // nothing when the instance no longer waits for it (a late answer, a timer after it).
  store::Status resume(Step& step, uint64_t request, std::variant<vm::Value, vm::HostError> result);

 private:
  // Arms `ticket` and submits the step, which reports to it.
  void hand(std::unique_ptr<Step> step, const std::shared_ptr<CommitTicket>& ticket);
  // Runs the VM for the step (after `answers`) until it ends or waits.
  store::Status run(Step& step, vm::Instance& vm, std::vector<vm::Resumption> answers);
  // The instance is waiting: its waits and continuation.
  store::Status suspend(Step& step, vm::Instance& vm, const std::vector<uint64_t>& pending,
                        std::vector<Wait> made);

  EngineParts& parts_;
};

// A storage failure as the engine reports it (503 over HTTP).
EngineError storageError(const store::Status& status);

}  // namespace rflow::engine
