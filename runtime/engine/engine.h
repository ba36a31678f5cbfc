// The durable engine (runtime.md §5): runs workflow instances on the VM, one step at a
// time, and keeps everything in the store so that a killed process loses nothing.
//
// A step is what happens between two waits of one instance: the engine decodes the
// instance's continuation, hands the VM the answer it waited for (a connector's result,
// a decision, a signal, a timer), runs it until every branch waits again or it ends,
// answers the step effects on the way (note, notify, now, spawn), and writes ONE store
// batch: the new continuation with the tasks, timers, pending calls, child instances and
// audit entries the step created or ended. The batch goes to the commit pipeline
// (commit_pipeline.h), which writes the batches of many steps with one sync. Nothing
// leaves the engine before its step is durable: a connector call is sent, a child is
// begun, a parent is told and a caller answered only once the group holding the step is
// committed. A crash before that loses the step, which then runs again from the same
// continuation; a crash after it loses nothing. Connector calls are committed before
// they are sent and re-sent after a crash with the same Idempotency-Key
// (`<instance>/<request>`).
//
// The parts (docs/architecture.md draws them): a program cache (deployments), a work
// queue with per-instance order (work_queue.h, instance_gate.h), the step context that
// every step uses (step.h), one host loop that runs the VM under an effect policy
// (host_loop.h), services for tasks, timers and calls, read-only queries (queries.h),
// and the aggregates (metrics.h). This class wires them and is the engine's front.
//
// Threads: every public member may be called from any thread. Steps of one instance run
// one at a time and in order: an instance is held from the start of a step until its
// batch is committed. Steps of different instances run in parallel and share syncs.
// Callers of start(), signal(), decide(), cancel() and event() wait for their step's
// commit (start() and decide() may instead take a CommitTicket, commit_ticket.h); work that follows
// a step (begin a child, hand a result to a parent, process a connector's answer, fire a timer) is
// queued, and runOne()/runUntilIdle() process it on the calling thread, startWorkers() on a pool,
// without waiting for commits.
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

#include "engine/audit.h"
#include "engine/commit_ticket.h"
#include "engine/dimension_insights.h"
#include "engine/metrics.h"
#include "engine/records.h"
#include "engine/stage_insights.h"
#include "store/store.h"
#include "vm/interpreter.h"
#include "vm/program.h"

namespace rflow::cluster {
class LogWriter;
}  // namespace rflow::cluster

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

// ---- Classifiers (intelligence.md §1) ---------------------------------------------------

// What a classifier's current model says of a text: labels (member names) with their
// confidences (0..1), most likely first, and the model's content hash (64 hex digits).
struct ModelGuess {
  std::string label;
  double confidence = 0;
};
struct ModelAnswer {
  std::vector<ModelGuess> top;
  std::string model;
};

// The models behind `classify`. classify() runs on a step's thread, from many at once;
// nullopt: the classifier (qualified name) has no model, and the person decides.
class ClassifierModels {
 public:
  virtual ~ClassifierModels() = default;
  virtual std::optional<ModelAnswer> classify(std::string_view classifier,
                                              std::string_view text) = 0;
};

// One labelled example `learn` stored.
struct LearnedExample {
  std::string classifier;  // qualified
  std::string text;
  std::string label;  // the member
  std::string instance;
  std::string user;  // who decided the step that learned it, where known; "" otherwise
  int64_t at = 0;    // UTC ms
  // When the instance classified the text's classifier before: the model's best ("" when
  // it had no model) and that model's hash.
  std::optional<std::string> model_best;
  std::string model;
};

// ---- Options, errors, views -------------------------------------------------------------

// How the commit pipeline groups steps (commit_pipeline.h).
struct GroupCommitOptions {
  size_t max_steps = 256;          // steps in one group at most
  size_t max_bytes = 16ull << 20;  // bytes of their batches at most
  int64_t linger_us = 0;           // how long a group waits for more steps, at most
  // Groups written at once: while one committer reports a written group (answers its
  // callers, hands on its work), another writes the next; the store joins writes that
  // meet into one sync. One by default: measured over HTTP, where the committer also
  // sends the replies (bench/README.md, issue 13), one committer makes fewer, larger
  // groups, fewer syncs and less CPU per request than two, and no less throughput.
  size_t committers = 1;
  // The committers' nice value (setpriority(2)), -20 to 0; 0 leaves them at the process's.
  // A group's commit is part of the latency of every step in it, and the threads that make
  // the steps (HTTP connections, workers, clients of an embedding program) outnumber the
  // cores: at the same priority a woken committer waited on the run queue longer than it
  // ran (bench/README.md, issue 13). Below 0 needs CAP_SYS_NICE (or RLIMIT_NICE); without
  // it the committers run at the process's priority and Engine::commitPriorityProblem()
  // says so.
  int nice = -10;
  // False: every step commits on the thread that made it, at once, alone (`rflow test`,
  // and single-threaded tools). True: a committer thread gathers groups.
  bool threaded = true;
};

struct EngineOptions {
  vm::Options vm;
  // Retry delays pass at once (tests: "retry delays take no virtual time").
  bool immediate_retries = false;
  size_t max_audit_entries_shown = 10'000;
  GroupCommitOptions commits;
  // Instance records kept in memory between steps (instance_cache.h); 0: none.
  size_t instance_cache = 10'000;
  // Answers `classify` (not owned; outlives the engine). Null: no classifier has a model.
  ClassifierModels* classifiers = nullptr;
  // The partition log every commit group goes through before the store (issue 19, Design A;
  // commit_pipeline.h says in what order). Not owned; outlives the engine; its owner has
  // claimed the partition and brought the store up to the log's tail (cluster/replay.h)
  // before the engine opens. Null (the default, a single node): the synced store write is
  // the commit, as it always was.
  cluster::LogWriter* log = nullptr;
  // With a log: keep each appended group in the store's redo copy too (H3,
  // replay/redo.h), so that a log that loses acknowledged entries can be repaired from
  // this node. A cluster node's partition host sets it.
  bool keep_redo = false;
  // The partition this engine runs (issue 19; partition.h): its new instance and task ids
  // carry it (`in-0000000042-p07`) so that any node can route by id. Nullopt (a single
  // node): ids are as they always were (`in-0000000042`). Fixed for a store's life: a
  // store's ids must all have the same form (IdSource reads the last one).
  std::optional<uint32_t> partition;
  // Called once, with the reason, when the log says this engine must stop (fenced by a new
  // owner, the log regressed, or a group in the log the store could not take): from then
  // on every step fails and nothing is stored or sent. Runs on the committer thread (or a
  // step's thread, without one), under the pipeline's log lock: it must only note the
  // fact and wake its owner (runtime/node/partition_host.h), never wait for the engine.
  std::function<void(const std::string& why)> on_log_stopped;
  // Cluster placement (issue 19, outbox.h): the partition a keyed instance of `workflow`
  // (qualified) with `key` belongs on. With it and `partition`, a keyed child, spawn or
  // trigger start placed on another partition is sent there through the outbox, and a
  // child's result to a parent elsewhere too. Unset (one node, one partition): every
  // instance is created where it is asked for, exactly as without a cluster.
  std::function<uint32_t(std::string_view workflow, std::string_view key)> partition_of;
  // Told (on the thread that reported a step; only note and wake) that outbox messages
  // may be ready for the relay.
  std::function<void()> on_outbox;
};

// An outbox message waiting for its target's acknowledgement (outbox.h).
struct PendingMessage {
  uint64_t seq = 0;
  uint32_t target = 0;
  std::string bytes;  // what the target's applyInbound takes
};

struct EngineError {
  enum class Code : uint8_t {
    kBadInput,   // 400
    kNotFound,   // 404
    kForbidden,  // 403
    kConflict,   // 409: a live instance has the key, the task is no longer open …
    kRefused,    // 409: a policy refused the decision
    kStorage,    // 503: the store cannot read or write; the request was not confirmed
  };
  Code code;
  std::string message;
};
// What the caller of a step whose group could not be committed is told (kStorage).
EngineError committedError(const store::Status& status);

// A value, or why there is none: kNotFound when it does not exist, kStorage when the
// store could not be read (a failing disk is never reported as an absence). Test it
// before use; error() says which.
template <typename T>
class [[nodiscard]] Found {
 public:
  Found(T value) : v_(std::move(value)) {}            // NOLINT: converts implicitly
  Found(EngineError error) : v_(std::move(error)) {}  // NOLINT: converts implicitly
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& operator*() & { return std::get<T>(v_); }
  const T& operator*() const& { return std::get<T>(v_); }
  T&& operator*() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &std::get<T>(v_); }
  const T* operator->() const { return &std::get<T>(v_); }
  const EngineError& error() const& { return std::get<EngineError>(v_); }
  EngineError&& error() && { return std::get<EngineError>(std::move(v_)); }
  bool notFound() const { return !ok() && error().code == EngineError::Code::kNotFound; }

 private:
  std::variant<T, EngineError> v_;
};

struct InstanceView {
  std::string id;
  std::string workflow;
  std::string version;
  Status status = Status::kRunning;
  std::optional<std::string> key;
  std::optional<std::string> parent;      // `start`ed by it: gets the result
  std::optional<std::string> spawned_by;  // `spawn`ed by it
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
  // The record's figures (InstanceRecord::figures): for Engine::figures(view).
  std::string figures;
};

struct TaskView {
  TaskRecord record;
  std::shared_ptr<const vm::Program> program;
  std::optional<vm::Value> amount;
  vm::Value data;
};

// A decision's task and instance as its step committed them (Engine::decide's `after`),
// so that an answer need not read them back.
struct Decided {
  std::optional<TaskView> task;
  std::optional<InstanceView> instance;
  // Set by the caller: decide() does not wait for the commit of the step that fills the
  // two above; the ticket reports it (commit_ticket.h).
  std::shared_ptr<CommitTicket> ticket;
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
  // The task's instance, when the caller has read the task already (Engine::taskRecord):
  // the engine locks it first instead of reading the task once more to learn it. Checked
  // against the task under the lock; a wrong one costs a second try, nothing else.
  std::string instance;
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
  // Tracked dimensions (intelligence.md §2): name and value as printed ("EU"), all of
  // which an instance must have (read from each record the scan meets).
  std::vector<std::pair<std::string, std::string>> dimensions;
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

// Moving waiting instances to another version (intelligence.md §4; migrations.h).
struct MigrationRequest {
  std::string from;      // version (content hash, hex)
  std::string to;        // version, deployed
  std::string workflow;  // qualified or declared name, in `from`
  bool dry_run = true;
  std::string by;  // who asked (audited)
};
// One place an instance of the workflow can wait in the old version.
struct MigrationPlace {
  std::string place;  // "approval \"review\"" (bytecode::placeText)
  std::string kind;
  std::string stage;
  uint32_t ordinal = 0;
  bool maps = false;
  std::string reason;  // why not
  size_t waiting = 0;  // instances of `from` waiting here now
};
struct MigrationLeft {
  std::string instance;
  std::string reason;
};
struct MigrationReport {
  std::string workflow;  // qualified
  std::string from;
  std::string to;
  bool dry_run = true;
  std::vector<MigrationPlace> places;
  size_t moved = 0;                 // dry run: that would move
  std::vector<MigrationLeft> left;  // waiting instances that stay on `from`, and why
};

// A workflow of `module` by its qualified or declared name; the error (not found, or a
// declared name several workflows share) names the candidates.
std::variant<uint32_t, EngineError> findWorkflow(const bytecode::Module& module,
                                                 std::string_view name);

// ---- The engine --------------------------------------------------------------------------

class EngineParts;
struct InstanceFigures;  // engine/figures.h, which callers of Engine::figures() include

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
  // A cluster's deployment: entry `log_seq` of the global deployment log, deployed as
  // deploy() does and recorded in the same commit (so in the partition log) as the entry
  // this partition applied last.
  std::variant<std::string, EngineError> deployFromLog(std::vector<uint8_t> module_bytes,
                                                       uint64_t log_seq);
  // The global deployment log's entry this store applied last; 0 when none (a single
  // node, or a partition no entry reached yet). kStorage when it cannot be read.
  std::variant<uint64_t, EngineError> deploymentSeq() const;
  std::optional<std::string> currentVersion() const;
  std::shared_ptr<const vm::Program> program(const std::string& version) const;
  std::shared_ptr<const vm::Program> currentProgram() const;

  // Where a start of `workflow` (qualified or declared name) with `args` belongs, before
  // any instance exists (issue 19: a front door places it on partitionFor(workflow, key),
  // partition.h): the workflow's qualified name on the current version and its business
  // key, computed by the same pure call a start makes (nullopt: the workflow has none).
  // Nothing is stored and nothing runs but that call. Errors as a start's: nothing
  // deployed or no such workflow (kNotFound), a key that fails or tries to act (kBadInput).
  struct Placement {
    std::string workflow;
    std::optional<std::string> key;
  };
  std::variant<Placement, EngineError> businessKey(std::string_view workflow,
                                                   const std::vector<vm::Value>& args) const;

  // Starts an instance of `workflow` (its qualified or declared name) on the current
  // version and runs its first step, in one commit. Refused when a live instance of the
  // workflow has the same business key (unless `spawn`). With a request id, a start is
  // done at most once: a second start with the same id returns the instance the first
  // one created (whatever its state), so a client that lost the answer can ask again.
  // With a `ticket` it does not wait for the commit; the ticket reports it
  // (commit_ticket.h).
  std::variant<InstanceView, EngineError> start(
      std::string_view workflow, std::vector<vm::Value> args, const StartOptions& options = {},
      const std::shared_ptr<CommitTicket>& ticket = nullptr);
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
  // With `after`, a decision this call commits also answers the task and its instance as
  // committed (a repeated one, answered from its request id, leaves `after` empty).
  std::optional<EngineError> decide(const Decision& decision, Decided* after = nullptr);
  std::optional<EngineError> cancel(std::string_view instance, std::string_view by);
  // Starts the workflows bound by `on event name` (current version); their ids.
  std::variant<std::vector<std::string>, EngineError> event(std::string_view name,
                                                            std::vector<vm::Value> args);

  // A connector's answer (any thread): queued, processed by the next runOne().
  void callFinished(CallResult result);

  // Timers: the earliest due time of a timer not already being fired, and firing every
  // timer due at or before `up_to` (at most `limit`): each is queued as work for its
  // instance, in due order, ties in creation order. Returns how many were queued.
  std::optional<int64_t> nextTimer() const;
  size_t fireTimers(int64_t up_to, size_t limit = SIZE_MAX);

  // Queued work: one item, or everything including what it queues, waiting for
  // commits and (with `wait_for_calls`) connector calls in flight.
  bool runOne();
  void runUntilIdle(bool wait_for_calls = true);
  size_t callsInFlight() const;
  // Work whose step could not be committed (the disk failed) or read (a read failed)
  // waits here and goes back on the queue with retryStalled(), which fireTimers() calls:
  // the periodic timer tick is what retries it once the disk works again. Returns how
  // many went back. A refused commit's outcome is unknown (a failed sync may leave the
  // batch in the log, to reappear when the store reopens), so once writes have resumed
  // retryStalled() also reloads the aggregates and runs recover(), as after a crash: a
  // step that did land gets its calls sent and its children begun.
  size_t retryStalled();
  size_t stalledWork() const;
  // Work queued or being processed by the workers (readiness, back-pressure).
  size_t queuedWork() const;
  // Whether the store's last commit failed: new work is refused until it works again.
  bool storageFailing() const { return store().writeFailing(); }
  // Worker threads that run queued work (the service); stopWorkers() joins them.
  void startWorkers(size_t count);
  void stopWorkers();
  // On a partition log (EngineOptions::log): this node gives the partition up. Returns once
  // no step is being written; every later step fails (503 over HTTP), so whoever still
  // holds this engine stores and sends nothing. EngineOptions::on_log_stopped is told.
  void closeLog(const std::string& why);
  // Without waiting: an append in progress gives up after its current try (the node is
  // about to let the partition go: CommitPipeline::interruptLog).
  void interruptLog();

  // After opening the store: begins instances created but not begun, re-sends pending
  // connector calls, hands over inbox results. Returns what it queued, or kStorage when
  // the store could not be read (then try again).
  Found<size_t> recover();

  // ---- The outbox (issue 19, outbox.h), for the host's relay ----
  // Up to `limit` messages in sequence order, only those no unreported step can precede.
  store::Result<std::vector<PendingMessage>> pendingOutbox(size_t limit = 256) const;
  // The targets acknowledged these: deleted in one committed write (into the log).
  store::Status forgetOutbox(const std::vector<uint64_t>& seqs);
  // A message from another partition's outbox, applied in one committed step with its
  // producer's high-water mark: true applied, false already applied before (acknowledge
  // it either way); kBadInput for a message that is not for this partition; kStorage when
  // it could not be committed (send it again).
  Found<bool> applyInbound(std::string_view message);

  // Queries: what is committed, never a step in progress.
  Found<InstanceView> instance(std::string_view id) const;
  Found<std::vector<InstanceView>> instances(const InstanceFilter& filter) const;
  Found<std::vector<AuditEntry>> history(std::string_view id) const;
  Found<TaskView> task(std::string_view id) const;
  // The task as stored, its data not decoded: enough to check who may decide it.
  Found<TaskRecord> taskRecord(std::string_view id) const;
  Found<std::vector<TaskView>> tasks(const TaskFilter& filter) const;
  // What an instance tracks and its latest measures (intelligence.md §2), from its record
  // (or, for an instance started before records kept them, their own key). Empty for an
  // instance whose workflow declares none, started before figures, or unknown.
  Found<InstanceFigures> figures(std::string_view id) const;
  // The same for a view in hand (a step's answer, say), without reading its record again.
  Found<InstanceFigures> figures(const InstanceView& view) const;

  // The live instance of `workflow` (qualified or declared name) with business key `key`;
  // failing that, with `signal_request`, the instance a signal with that request id was
  // delivered to (a signal sent again by key after its instance ended answers as the
  // first did). kNotFound when there is none.
  Found<std::string> instanceForKey(std::string_view workflow, std::string_view key,
                                    std::string_view signal_request = {}) const;

  // Process intelligence from the aggregates the steps keep (metrics.h): no store scan.
  Insights insights(const InsightsQuery& query) const;
  // Triage quality per classifier and model, since the store began (metrics.h).
  std::vector<ClassifierQuality> classifierQuality() const;
  // Where the time goes per stage (stage_insights.h), and the instances predicted to
  // breach their SLA, at the engine's clock: from the aggregates and the open-stage index.
  // With `filter`: of the instances of `workflow` (qualified) with one tracked value.
  store::Result<std::vector<StageInsight>> stages(
      const std::optional<std::string>& workflow,
      const std::optional<StageFilter>& filter = std::nullopt) const;
  // Figures per value of a tracked dimension (dimension_insights.h).
  DimensionInsights byDimension(const DimensionQuery& query) const;
  store::Result<std::vector<AtRiskInstance>> atRisk(
      const std::optional<std::string>& workflow) const;
  // Every stage's counters and histograms, from memory (for /metrics); of `workflow`
  // (qualified or declared) when set.
  std::vector<StageFigures> stageFigures(
      const std::optional<std::string>& workflow = std::nullopt) const;
  // The mergeable parts of the answers above (insights_merge.h), for a cluster that adds
  // every partition's before computing its answer with stageInsightsFrom,
  // dimensionInsightsFrom and forecastOf.
  store::Result<StageParts> stageParts(const std::optional<std::string>& workflow,
                                       const std::optional<StageFilter>& filter) const;
  DimensionParts dimensionParts(const DimensionQuery& query) const;
  // The waits open here at risk under a forecast computed elsewhere (from every
  // partition's history), at the engine's clock.
  store::Result<std::vector<AtRiskInstance>> atRisk(const Forecast& forecast) const;
  // The labelled examples `learn` stored for `classifier` (qualified name), oldest first.
  Found<std::vector<LearnedExample>> examples(std::string_view classifier) const;

  // `on schedule` triggers of the current version (triggers.cpp). A trigger is known by
  // its workflow and cron text, so a redeployment that keeps both keeps its history.
  // lastScheduleSlot: the last slot fired (UTC ms), nullopt if never.
  // fireSchedule: starts the trigger's workflow for `slot` at most once: the slot is
  // committed in the same batch as the instance, and a slot at or before the last one
  // fired starts nothing. `trigger` indexes the current module's triggers.
  std::optional<int64_t> lastScheduleSlot(uint32_t trigger) const;
  std::variant<std::vector<std::string>, EngineError> fireSchedule(uint32_t trigger, int64_t slot);
  // Records `at` as the last slot of a trigger that has none, so that after a restart the
  // slots since `at` count as missed (and the one before it never fires).
  void noteScheduleStart(uint32_t trigger, int64_t at);

  // Moves every waiting instance of `request.workflow` on version `from` whose wait maps to
  // `to` (one committed step each, audited `migrated`), and lists the others; a dry run
  // moves nothing. kNotFound: a version or the workflow is unknown; kBadInput: the
  // workflow is not in `to`, or `from` records no wait places. Nothing changes then.
  std::variant<MigrationReport, EngineError> migrate(const MigrationRequest& request);
  // Versions stored, with the number of live instances on each (the dashboard's table).
  Found<std::vector<std::pair<std::string, size_t>>> versionsInUse() const;

  // The commit pipeline's counts since the engine opened: groups written and steps in
  // them (benchmarks show steps per sync).
  uint64_t commitGroups() const;
  uint64_t committedSteps() const;
  // Empty when the committers run at GroupCommitOptions::nice; else why they could not,
  // and what to do (the service logs it as a warning when it starts).
  const std::string& commitPriorityProblem() const;

  const Clock& clock() const;
  store::Store& store() const;

 private:
  std::unique_ptr<EngineParts> parts_;
};

// Milliseconds as the language writes durations ("1h30m"), for messages.
std::string durationText(int64_t millis);

}  // namespace rflow::engine
