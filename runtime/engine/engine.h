// The durable engine (runtime.md §5): runs workflow instances on the VM, one step at a
// time, and keeps everything in the store so that a killed process loses nothing.
//
// A step is what happens between two waits of one instance: the engine decodes the
// instance's continuation, hands the VM the answer it waited for (a connector's result,
// a decision, a signal, a timer), runs it until every branch waits again or it ends,
// answers the step effects on the way (note, notify, now, spawn), and commits ONE store
// batch: the new continuation with the tasks, timers, pending calls, child instances and
// audit entries the step created or ended. Only after the commit does anything leave
// the engine (a connector call is sent, a child is begun, a parent is told). A crash
// before the commit loses the step, which then runs again from the same continuation; a
// crash after it loses nothing. Connector calls are committed before they are sent and
// re-sent after a crash with the same Idempotency-Key (`<instance>/<request>`).
//
// Threads: every public member may be called from any thread. Steps of one instance
// are serialized (a lock per instance, striped); steps of different instances run in
// parallel and their commits share fsyncs (store.h). Work that follows a step (begin a
// child, hand a result to a parent, process a connector's answer) is queued; runOne()
// and runUntilIdle() process the queue on the calling thread, startWorkers() on a pool.
//
// Time comes from a Clock, so tests run on a virtual one (`rflow test`): timers fire
// only when fireTimers() is called with their due time reached.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "engine/metrics.h"
#include "engine/records.h"
#include "store/store.h"
#include "vm/interpreter.h"
#include "vm/program.h"

namespace rflow::engine {

// ---- Time ------------------------------------------------------------------------------

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now() const = 0;  // UTC milliseconds
};

class SystemClock final : public Clock {
 public:
  int64_t now() const override;
};

// A clock that moves only when told (tests, `rflow test`).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start) : now_(start) {}
  int64_t now() const override { return now_.load(); }
  void set(int64_t t) { now_.store(t); }

 private:
  std::atomic<int64_t> now_;
};

// ---- Connector calls -------------------------------------------------------------------

// One attempt of a connector call, as it leaves the engine. Values cross threads as
// bytes (the VM's values are not thread-safe).
struct CallRequest {
  std::string instance;
  std::string workflow;
  uint64_t request = 0;
  std::shared_ptr<const vm::Program> program;
  uint32_t op = 0;                 // index into the module's ops
  std::string args;                // value bytes of a list, one item per parameter
  std::optional<int64_t> timeout;  // per attempt, milliseconds
  std::string idempotency_key;     // "<instance>/<request>"
  uint32_t attempt = 1;
};

struct CallResult {
  std::string instance;
  uint64_t request = 0;
  uint32_t attempt = 1;
  enum class Kind : uint8_t { kOk, kRetryable, kPermanent } kind = Kind::kOk;
  std::string value;   // kOk: value bytes of the op's result type
  std::string reason;  // otherwise: why, without the "conn.op: " prefix
};

// Sends connector calls. dispatch() may answer before it returns (mocks, stubs) or
// later from another thread (HTTP); either way through `done`, exactly once.
class CallDispatcher {
 public:
  virtual ~CallDispatcher() = default;
  virtual void dispatch(CallRequest request, std::function<void(CallResult)> done) = 0;
};

// ---- Options, errors, views -------------------------------------------------------------

struct EngineOptions {
  vm::Options vm;
  // Retry delays pass at once (tests: "retry delays take no virtual time").
  bool immediate_retries = false;
  size_t max_audit_entries_shown = 10'000;
};

struct EngineError {
  enum class Code : uint8_t {
    kBadInput,   // 400
    kNotFound,   // 404
    kForbidden,  // 403
    kConflict,   // 409: a live instance has the key, the task is no longer open …
    kRefused,    // 409: a policy refused the decision
    kStorage,    // 503: the store cannot write; the request was not confirmed
  };
  Code code;
  std::string message;
};

struct InstanceView {
  std::string id;
  std::string workflow;
  std::string version;
  Status status = Status::kRunning;
  std::optional<std::string> key;
  std::optional<std::string> parent;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> ended_at;
  bool breached = false;
  std::vector<Wait> waits;
  std::shared_ptr<const vm::Program> program;
  uint32_t workflow_index = 0;
  std::optional<vm::Value> result;  // completed
  std::optional<std::string> error;
  std::optional<std::string> error_kind;
  std::vector<vm::Value> args;
};

struct TaskView {
  TaskRecord record;
  std::shared_ptr<const vm::Program> program;
  std::optional<vm::Value> amount;
  vm::Value data;
};

struct AuditEntry {
  uint64_t seq = 0;
  int64_t at = 0;
  std::string kind;  // "started", "note", "notify", "task created", …
  std::string text;
  std::string by;     // the user, for decisions and refusals
  std::string extra;  // a role or user for notify; a task id; an op name
};

// A decision on an approval or task, as a person submits it.
struct Decision {
  enum class Kind : uint8_t { kApprove, kReject, kComplete };
  std::string task;
  Kind kind = Kind::kApprove;
  std::string user;
  std::string comment;
  // kComplete: the form's fields by name (completed_by is added by the engine).
  std::vector<std::pair<std::string, vm::Value>> form;
  // The client's idempotency key for this decision; empty: none. A decision whose id was
  // seen before on the task changes nothing and answers as the first one did (success,
  // or the same policy refusal), also once the task is closed; the same id for another
  // kind of decision is a conflict.
  std::string request_id;
};

struct TaskFilter {
  std::optional<std::string> role;      // open tasks assigned to this role (declared name)
  std::optional<std::string> assignee;  // open tasks assigned to this user
  std::optional<std::string> instance;
  bool open_only = true;
  size_t limit = 100;
  std::string after;  // paging: the last task id of the previous page
};

struct InstanceFilter {
  std::optional<std::string> workflow;
  std::optional<Status> status;
  std::optional<std::string> key;
  size_t limit = 100;
  std::string after;
};

struct StartOptions {
  bool spawn = false;      // `spawn`: a live instance with the same key does not refuse it
  std::string request_id;  // the client's idempotency key for this start; empty: none
};
// A request id (of a start or a signal) longer than this is refused (it is a key in the
// store, kept for good).
inline constexpr size_t kMaxStartRequestIdBytes = 200;

// A workflow of `module` by its qualified or declared name; the error (not found, or a
// declared name several workflows share) names the candidates.
std::variant<uint32_t, EngineError> findWorkflow(const bytecode::Module& module,
                                                 std::string_view name);

// ---- The engine --------------------------------------------------------------------------

class Engine {
 public:
  Engine(store::Store& store, const Clock& clock, CallDispatcher& calls,
         EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Stores a module (bytes of a .rfc) and makes it the version new instances start on.
  // Returns the version (content hash, hex). Instances already running stay on theirs.
  std::variant<std::string, EngineError> deploy(std::vector<uint8_t> module_bytes);
  std::optional<std::string> currentVersion() const;
  std::shared_ptr<const vm::Program> program(const std::string& version) const;
  std::shared_ptr<const vm::Program> currentProgram() const;

  // Starts an instance of `workflow` (its qualified or declared name) on the current
  // version and runs its first step. Refused when a live instance of the workflow has
  // the same business key (unless `spawn`). With a request id, a start is done at most
  // once: a second start with the same id returns the instance the first one created
  // (whatever its state), so a client that lost the answer to a crash can ask again.
  std::variant<InstanceView, EngineError> start(std::string_view workflow,
                                                std::vector<vm::Value> args,
                                                const StartOptions& options = {});
  // Delivers a signal (its declared name) to an instance, or queues it until an `await`.
  // With a request id, a signal is delivered at most once per instance: a second one with
  // the same id succeeds and changes nothing (also once the instance has ended), so a
  // client that lost the answer to a crash can send it again; the same id for another
  // signal is a conflict. By key, a repeat also finds its instance after it has ended.
  std::optional<EngineError> signal(std::string_view instance, std::string_view signal,
                                    vm::Value value, std::string_view request_id = {});
  std::optional<EngineError> signalByKey(std::string_view workflow, std::string_view key,
                                         std::string_view signal, vm::Value value,
                                         std::string_view request_id = {});
  std::optional<EngineError> decide(const Decision& decision);
  std::optional<EngineError> cancel(std::string_view instance, std::string_view by);
  // Starts the workflows bound by `on event name` (current version); their ids.
  std::variant<std::vector<std::string>, EngineError> event(std::string_view name,
                                                            std::vector<vm::Value> args);

  // A connector's answer (any thread): queued, processed by the next runOne().
  void callFinished(CallResult result);

  // Timers: the earliest due time, and firing every timer due at or before `up_to` (at
  // most `limit`), in due order, ties in creation order. Returns how many fired.
  std::optional<int64_t> nextTimer() const;
  size_t fireTimers(int64_t up_to, size_t limit = SIZE_MAX);

  // Queued work: one item, or everything including what it queues, waiting for
  // connector calls in flight when `wait_for_calls`.
  bool runOne();
  void runUntilIdle(bool wait_for_calls = true);
  size_t callsInFlight() const { return inflight_.load(); }
  // Work whose step could not be committed (the disk failed) waits here and goes back on
  // the queue with retryStalled(), which fireTimers() calls: the periodic timer tick is
  // what retries it once writes work again. Returns how many went back.
  // A refused commit's outcome is unknown (a failed sync may leave the batch in the log,
  // to reappear when the store reopens), so once writes have resumed retryStalled() also
  // reloads the aggregates and runs recover(), as after a crash: a step that did land
  // gets its calls sent and its children begun.
  size_t retryStalled();
  size_t stalledWork() const;
  // Whether the store's last commit failed: new work is refused until it works again.
  bool storageFailing() const { return store_.writeFailing(); }
  // Worker threads that run queued work (the service); stopWorkers() joins them.
  void startWorkers(size_t count);
  void stopWorkers();

  // After opening the store: begins instances created but not begun, re-sends pending
  // connector calls, hands over inbox results. Returns what it queued.
  size_t recover();

  // Queries.
  std::optional<InstanceView> instance(std::string_view id) const;
  std::vector<InstanceView> instances(const InstanceFilter& filter) const;
  std::vector<AuditEntry> history(std::string_view id) const;
  std::optional<TaskView> task(std::string_view id) const;
  std::vector<TaskView> tasks(const TaskFilter& filter) const;

  // The live instance of `workflow` (qualified or declared name) with business key `key`;
  // failing that, with `signal_request`, the instance a signal with that request id was
  // delivered to (a signal sent again by key after its instance ended answers as the
  // first did).
  std::optional<std::string> instanceForKey(std::string_view workflow, std::string_view key,
                                            std::string_view signal_request = {}) const;

  // Process intelligence from the aggregates the steps keep (metrics.h): no store scan.
  Insights insights(const InsightsQuery& query) const { return metrics_.insights(query); }

  // `on schedule` triggers of the current version (engine_schedule.cpp). A trigger is
  // known by its workflow and cron text, so a redeployment that keeps both keeps its
  // history. lastScheduleSlot: the last slot fired (UTC ms), nullopt if never.
  // fireSchedule: starts the trigger's workflow for `slot` at most once: the slot is
  // committed in the same batch as the instance, and a slot at or before the last one
  // fired starts nothing. `trigger` indexes the current module's triggers.
  std::optional<int64_t> lastScheduleSlot(uint32_t trigger) const;
  std::variant<std::vector<std::string>, EngineError> fireSchedule(uint32_t trigger, int64_t slot);
  // Records `at` as the last slot of a trigger that has none, so that after a restart the
  // slots since `at` count as missed (and the one before it never fires).
  void noteScheduleStart(uint32_t trigger, int64_t at);

  const Clock& clock() const { return clock_; }
  store::Store& store() { return store_; }

 private:
  struct Step;
  struct Work {
    enum class Kind : uint8_t { kBegin, kCallDone, kInbox, kResend } kind;
    std::string instance;
    CallResult call;
    uint64_t request = 0;
  };

  std::mutex& lockFor(std::string_view instance) const;
  void enqueue(Work work);
  void process(const Work& work);
  void dispatchCall(const CallRecord& call, const InstanceRecord& instance);

  // steps (engine_steps.cpp)
  std::optional<EngineError> runStep(Step& step, vm::Instance& vm,
                                     std::vector<vm::Resumption> answers);
  std::optional<EngineError> resumeWait(std::string_view instance, uint64_t request,
                                        std::variant<vm::Value, vm::HostError> result,
                                        const std::function<void(Step&)>& also = {});
  std::optional<EngineError> commit(Step& step);
  void begin(const std::string& instance);
  std::variant<InstanceRecord, EngineError> createInstance(
      Step* parent, const std::shared_ptr<const vm::Program>& program, uint32_t workflow,
      std::vector<vm::Value> args, bool spawn, store::Batch& batch, MetricsDelta& metrics,
      int64_t now);
  void finish(Step& step);
  // Runs a trigger's function (`on event`, `on schedule`) with `args`: each `start` it
  // makes creates an instance in a batch of its own, committed and queued to begin;
  // `first` may add to the first such batch (a schedule's slot marker).
  struct TriggerRun {
    std::vector<std::string> started;
    std::vector<std::string> refused;   // why the starts that were refused were refused
    std::optional<EngineError> failed;  // kBadInput: the function could not start;
                                        // kConflict: it failed; kStorage: a commit failed
  };
  TriggerRun runTrigger(const std::shared_ptr<const vm::Program>& program, uint32_t function,
                        std::vector<vm::Value> args,
                        const std::function<void(store::Batch&)>& first = {});

  // tasks, timers, calls (engine_tasks.cpp, engine_timers.cpp)
  // Creates the task an approval or task request asks for; returns its id.
  std::string createTask(Step& step, const vm::PendingRequest& pending, bool approval);
  // Writes a task that is no longer open and removes it from the inbox indexes.
  void closeTask(Step& step, const TaskRecord& task);
  void addTimer(store::Batch& batch, int64_t due, TimerRecord timer);
  std::optional<EngineError> fireTimer(const std::string& key, const TimerRecord& timer);
  void processCallResult(const CallResult& result);
  void processInbox(const std::string& instance);
  std::optional<std::string> checkPolicies(const TaskRecord& task, const Decision& decision,
                                           const std::shared_ptr<const vm::Program>& program);
  void runBreachHandler(Step& step);
  // The rflow.Approval record an ended approval gives its instance.
  vm::Value approvalResult(const vm::Program& program, const TaskRecord& task) const;

  std::optional<InstanceRecord> loadInstance(std::string_view id) const;
  std::optional<TaskRecord> loadTask(std::string_view id) const;
  void audit(Step& step, std::string kind, std::string text, std::string by = {},
             std::string extra = {});

  store::Store& store_;
  const Clock& clock_;
  CallDispatcher& calls_;
  EngineOptions options_;

  mutable std::array<std::mutex, 64> stripes_;
  mutable std::mutex programs_mutex_;
  mutable std::map<std::string, std::shared_ptr<const vm::Program>> programs_;
  std::atomic<uint64_t> next_instance_{1};
  std::atomic<uint64_t> next_task_{1};
  std::atomic<uint64_t> next_timer_{1};
  std::atomic<size_t> inflight_{0};
  // Commits that failed (every commit site counts them), and the work they stalled.
  std::atomic<uint64_t> failed_commits_{0};
  std::atomic<uint64_t> write_recoveries_seen_{0};  // store_.writeRecoveries() last acted on
  mutable std::mutex stalled_mutex_;
  std::vector<Work> stalled_;
  Metrics metrics_;
  std::mutex schedule_mutex_;  // one fireSchedule at a time: slots are read, then written

  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<Work> queue_;
  size_t busy_ = 0;  // work items being processed (under queue_mutex_)
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// Milliseconds as the language writes durations ("1h30m"), for messages.
std::string durationText(int64_t millis);

}  // namespace rflow::engine
