// Replaying one recorded instance against another build of its project (replay.h).
#include "whatif/replay.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <optional>

#include "bytecode/read.h"
#include "engine/calls.h"
#include "engine/record_codec.h"
#include "engine/stages.h"
#include "vm/print.h"
#include "vm/value_check.h"

namespace rflow::whatif {

using engine::EffectKind;
using engine::EffectResult;

namespace {

// A replay makes at most this many moves (decisions, timer advances): a workflow that
// loops on waits forever is stopped and reported, never left spinning.
constexpr int kMaxMoves = 10'000;
// Replays per in-memory store: each leaves deleted timers and tasks behind, which every
// later look for the next timer steps over; a fresh store every so often keeps that short
// (1,845 refills of the demo took 16 s on one store).
constexpr int kReplaysPerEngine = 100;

// Why a replay cannot go on: the first effect that found no recorded answer.
struct Missing {
  std::string stage;
  std::string reason;
};

using Answers = std::map<std::pair<std::string, std::string>, std::deque<const EffectResult*>>;

// One replay's recorded answers of one kind, each handed out once in the order they were
// made, and the first effect that found none (what ends the replay).
class RecordedAnswers {
 public:
  explicit RecordedAnswers(EffectKind kind) : kind_(kind) {}
  void begin(const std::vector<EffectResult>& effects) {
    answers_.clear();
    for (const EffectResult& e : effects)
      if (e.kind == kind_) answers_[{e.name, e.digest}].push_back(&e);
    missing_.reset();
  }
  const std::optional<Missing>& missing() const { return missing_; }

 protected:
  // The next unused answer for `name` with arguments (or text) of `digest`, or nullptr.
  const EffectResult* take(const std::string& name, const std::string& digest) {
    auto it = answers_.find({name, digest});
    if (it == answers_.end() || it->second.empty()) return nullptr;
    const EffectResult* e = it->second.front();
    it->second.pop_front();
    return e;
  }
  void miss(const std::string& stage, const char* reason) {
    if (!missing_) missing_ = Missing{stage, reason};
  }

 private:
  EffectKind kind_;
  Answers answers_;
  std::optional<Missing> missing_;
};

}  // namespace

// Connector calls answered from the record (synchronously, as `rflow test`'s mocks).
class RecordedCalls final : public engine::CallDispatcher, public RecordedAnswers {
 public:
  explicit RecordedCalls(const bytecode::Module& module)
      : RecordedAnswers(EffectKind::kCall), module_(module) {}

  void dispatch(engine::CallRequest request,
                std::function<void(engine::CallResult)> done) override {
    const std::string name = engine::opName(module_, request.op);
    engine::CallResult result;
    result.instance = request.instance;
    result.request = request.request;
    result.attempt = request.attempt;
    result.kind = engine::CallResult::Kind::kPermanent;
    const EffectResult* recorded = take(name, engine::effectDigest(request.args));
    if (recorded == nullptr) {
      miss(name, "the original never made this call with these arguments");
      result.reason = "no recorded answer";
    } else {
      const EffectResult& e = *recorded;
      if (!e.ok) {
        result.reason = e.reason;
      } else if (auto value = engine::decodeValue(e.value, module_);
                 !value || vm::checkValue(*value, module_, module_.ops[request.op].result)) {
        miss(name, "the recorded answer does not fit the operation's result type in this project");
        result.reason = "no recorded answer";
      } else {
        result.kind = engine::CallResult::Kind::kOk;
        result.value = e.value;
      }
    }
    done(std::move(result));
  }

 private:
  const bytecode::Module& module_;
};

// `classify` answered from the record: the original's classification of the same text.
class RecordedClassifiers final : public engine::ClassifierModels, public RecordedAnswers {
 public:
  explicit RecordedClassifiers(const bytecode::Module& module)
      : RecordedAnswers(EffectKind::kClassify), module_(module) {}

  std::optional<engine::ModelAnswer> classify(std::string_view classifier,
                                              std::string_view text) override {
    const std::string stage = fmt::format("classify {}", vm::declaredName(classifier));
    const EffectResult* recorded = take(std::string(classifier), engine::effectDigest(text));
    if (recorded == nullptr) {
      miss(stage, "the original never classified this text");
      return std::nullopt;
    }
    const EffectResult& e = *recorded;
    const bytecode::Classifier* c = nullptr;
    for (const bytecode::Classifier& k : module_.classifiers)
      if (module_.strings[k.name] == classifier) c = &k;
    auto value = engine::decodeValue(e.value, module_);
    if (c == nullptr || !value || value->tag() != vm::Tag::kRecord ||
        value->recordIndex() != c->record) {
      miss(stage, "the recorded classification does not fit this project's classifier");
      return std::nullopt;
    }
    const auto& fields = module_.records[c->record].fields;
    const auto values = value->recordFields();
    const auto field = [&](std::string_view name) -> const vm::Value* {
      for (size_t i = 0; i < fields.size() && i < values.size(); ++i)
        if (module_.strings[fields[i].name] == name) return &values[i];
      return nullptr;
    };
    const vm::Value* model = field("model");
    if (model == nullptr || model->tag() != vm::Tag::kString || model->asString().empty())
      return std::nullopt;  // the original had no model either
    engine::ModelAnswer answer;
    answer.model = std::string(model->asString());
    const auto guess = [&](std::string_view label, std::string_view confidence) {
      const vm::Value* l = field(label);
      const vm::Value* p = field(confidence);
      if (l == nullptr || l->tag() != vm::Tag::kEnum || p == nullptr ||
          p->tag() != vm::Tag::kDecimal)
        return;
      const auto& members = module_.enums[l->enumIndex()].members;
      if (l->enumMember() >= members.size()) return;
      answer.top.push_back(
          {module_.strings[members[l->enumMember()]], std::stod(p->asDecimal().toString())});
    };
    guess("best", "confidence");
    guess("runner_up", "runner_up_confidence");
    return answer;
  }

 private:
  const bytecode::Module& module_;
};

std::string outcomeOf(engine::Status status, const vm::Value* result,
                      const bytecode::Module* module, uint32_t workflow) {
  switch (status) {
    case engine::Status::kCompleted:
      if (result == nullptr || module == nullptr || workflow >= module->workflows.size())
        return "completed";
      if (module->types[module->workflows[workflow].result].tag == bytecode::TypeTag::kVoid)
        return "completed";
      return vm::printed(*result, *module, module->workflows[workflow].result);
    case engine::Status::kFailed:
      return "failed";
    case engine::Status::kCancelled:
      return "cancelled";
    case engine::Status::kRunning:
    case engine::Status::kWaiting:
      break;
  }
  return "waiting";
}

Replayer::Replayer(const std::vector<uint8_t>& module_bytes) {
  bytecode::LoadResult loaded = bytecode::loadModule(module_bytes);
  if (!loaded.ok()) {
    setup_error_ = "the project's module cannot be loaded: " + loaded.error().message;
    return;
  }
  auto prepared = vm::Program::load(std::move(loaded).module());
  if (auto* problem = std::get_if<std::string>(&prepared)) {
    setup_error_ = *problem;
    return;
  }
  program_ = std::get<std::shared_ptr<const vm::Program>>(prepared);
  clock_ = std::make_unique<engine::ManualClock>(0);
  calls_ = std::make_unique<RecordedCalls>(program_->module());
  classifiers_ = std::make_unique<RecordedClassifiers>(program_->module());
  module_bytes_ = module_bytes;
  setup_error_ = freshEngine();
}

std::string Replayer::freshEngine() {
  engine_.reset();  // it refers to the store
  store_.reset();
  auto opened = store::Store::open(
      "/rflow-whatif", {.durability = store::Durability::kAsync, .in_memory = true, .env = {}});
  if (auto* problem = std::get_if<std::string>(&opened)) return *problem;
  store_ = std::move(std::get<std::unique_ptr<store::Store>>(opened));
  engine::EngineOptions options;
  options.immediate_retries = true;
  options.commits.threaded = false;
  options.classifiers = classifiers_.get();
  engine_ = std::make_unique<engine::Engine>(*store_, *clock_, *calls_, options);
  auto deployed = engine_->deploy(module_bytes_);
  if (auto* error = std::get_if<engine::EngineError>(&deployed)) return error->message;
  replays_on_engine_ = 0;
  return "";
}

Replayer::~Replayer() = default;

const bytecode::Module& Replayer::module() const {
  return program_->module();
}

void Replayer::advance(int64_t to) {
  while (auto due = engine_->nextTimer()) {
    if (*due > to) break;
    clock_->set(std::max(clock_->now(), *due));
    engine_->fireTimers(*due, 1);
    engine_->runUntilIdle();
  }
  clock_->set(std::max(clock_->now(), to));
}

namespace {

// The decisions a recorded task answers a replay's task with.
std::vector<engine::Decision> decisionsFor(const engine::TaskRecord& original,
                                           const std::string& task, const bytecode::Module& module,
                                           std::string& problem) {
  std::vector<engine::Decision> out;
  const auto make = [&](engine::Decision::Kind kind, const std::string& user) {
    engine::Decision d;
    d.task = task;
    d.kind = kind;
    d.user = user;
    out.push_back(std::move(d));
  };
  using engine::TaskStatus;
  if (original.status == TaskStatus::kCompleted) {
    auto form = engine::decodeValue(original.form, module);
    if (original.form.empty() || !form || form->tag() != vm::Tag::kRecord) {
      problem = "the original's form was not kept or does not fit this project";
      return {};
    }
    make(engine::Decision::Kind::kComplete, original.decided_by.value_or(""));
    const auto& fields = module.records[form->recordIndex()].fields;
    const auto values = form->recordFields();
    for (size_t i = 0; i < fields.size() && i < values.size(); ++i) {
      const std::string& name = module.strings[fields[i].name];
      if (name != "completed_by" && !values[i].isNone())
        out.back().form.emplace_back(name, values[i]);
    }
  } else {
    for (const std::string& user : original.approved_by)
      make(engine::Decision::Kind::kApprove, user);
    if (original.status == TaskStatus::kRejected)
      make(engine::Decision::Kind::kReject, original.decided_by.value_or(""));
  }
  if (!out.empty()) out.back().comment = original.comment;
  return out;
}

}  // namespace

Replayed Replayer::replay(const engine::RecordedInstance& recorded,
                          const bytecode::Module* old_module, int64_t recorded_until) {
  using engine::TaskStatus;
  const engine::InstanceRecord& rec = recorded.record;
  const bytecode::Module& m = program_->module();
  Replayed out;
  out.id = rec.id;
  std::optional<vm::Value> old_result;
  if (old_module != nullptr && rec.status == engine::Status::kCompleted)
    old_result = engine::decodeValue(rec.result, *old_module);
  out.old_outcome =
      outcomeOf(rec.status, old_result ? &*old_result : nullptr, old_module, rec.workflow);
  out.old_measures = recorded.figures.measures;
  // The original's approvals and tasks by stage, in the order they were made.
  std::map<std::string, std::vector<const engine::TaskRecord*>> original_by_stage;
  for (const engine::TaskRecord& t : recorded.tasks) {
    const std::string stage = old_module != nullptr ? engine::stageOfTask(*old_module, t) : t.title;
    ++out.old_stages[stage];
    original_by_stage[stage].push_back(&t);
  }
  const auto unknown = [&](std::string stage, std::string reason) {
    out.unknown = true;
    out.unknown_stage = std::move(stage);
    out.unknown_reason = std::move(reason);
    return out;
  };

  if (replays_on_engine_ == kReplaysPerEngine) {
    const std::string problem = freshEngine();
    if (!problem.empty()) return unknown("start", problem);
  }
  ++replays_on_engine_;
  calls_->begin(recorded.effects);
  classifiers_->begin(recorded.effects);
  clock_->set(rec.created_at);
  auto args = engine::decodeValue(rec.args, m);
  if (!args || args->tag() != vm::Tag::kList)
    return unknown("start", "its recorded arguments do not fit this project's workflow");
  std::vector<vm::Value> items(args->listItems().begin(), args->listItems().end());
  auto started =
      engine_->start(rec.workflow_name, std::move(items), {.spawn = true, .request_id = {}});
  if (auto* error = std::get_if<engine::EngineError>(&started))
    return unknown("start", error->message);
  const std::string id = std::get<engine::InstanceView>(started).id;

  std::map<std::string, const engine::TaskRecord*> matched;  // replay task id -> original
  std::map<std::string, size_t> seen_per_stage;
  std::optional<Missing> stop;
  const auto missing = [&]() -> std::optional<Missing> {
    if (calls_->missing()) return calls_->missing();
    return classifiers_->missing();
  };
  for (int moves = 0;; ++moves) {
    engine_->runUntilIdle();
    if (auto m1 = missing()) {
      stop = m1;
      break;
    }
    auto view = engine_->instance(id);
    if (!view) {
      stop = Missing{"start", view.error().message};
      break;
    }
    if (!engine::isLive(view->status)) break;
    if (moves >= kMaxMoves) {
      stop = Missing{"(any)", fmt::format("the replay did not end within {} moves", kMaxMoves)};
      break;
    }
    // Waits the record cannot answer.
    for (const engine::Wait& w : view->waits) {
      if (w.kind == engine::WaitKind::kSignal)
        stop = Missing{w.detail, "signals are not replayed"};
      else if (w.kind == engine::WaitKind::kChild)
        stop = Missing{"start", "child workflows are not replayed"};
      else if (w.kind == engine::WaitKind::kConnector)
        stop = Missing{w.detail, "the call was not answered"};
      if (stop) break;
    }
    if (stop) break;
    // The next recorded decision or cancellation on an open task. (The waits name the
    // open tasks: a task listing by instance would scan every task of the store.)
    std::vector<engine::TaskView> open;
    for (const engine::Wait& w : view->waits) {
      if (w.kind != engine::WaitKind::kApproval && w.kind != engine::WaitKind::kTask) continue;
      auto t = engine_->task(w.detail);
      if (!t) {
        stop = Missing{"(any)", t.error().message};
        break;
      }
      open.push_back(std::move(*t));
    }
    if (stop) break;
    std::optional<int64_t> next_at;
    std::optional<int64_t> horizon;  // how far a task still open in the original may wait
    const engine::TaskView* next_task = nullptr;
    for (const engine::TaskView& t : open) {
      auto it = matched.find(t.record.id);
      if (it == matched.end()) {
        const std::string stage = engine::stageOfTask(m, t.record);
        const size_t n = seen_per_stage[stage]++;
        const auto& originals = original_by_stage[stage];
        if (n >= originals.size()) {
          stop = Missing{stage, "the original never waited at this stage"};
          break;
        }
        it = matched.emplace(t.record.id, originals[n]).first;
      }
      const engine::TaskRecord& original = *it->second;
      std::optional<int64_t> at;
      if (original.status == TaskStatus::kApproved || original.status == TaskStatus::kRejected ||
          original.status == TaskStatus::kCompleted) {
        at = t.record.created_at +
             (original.decided_at.value_or(original.created_at) - original.created_at);
      } else if (original.status == TaskStatus::kCancelled) {
        at = t.record.created_at +
             (rec.ended_at.value_or(original.created_at) - original.created_at);
      } else if (original.status == TaskStatus::kOpen) {
        const int64_t waited = std::max(recorded_until, original.created_at) - original.created_at;
        const int64_t until = t.record.created_at + waited;
        horizon = horizon ? std::min(*horizon, until) : until;
      }
      if (at && (!next_at || *at < *next_at)) {
        next_at = at;
        next_task = &t;
      }
    }
    if (stop) break;
    const auto timer = engine_->nextTimer();
    if (!next_at && !timer) break;  // waiting where the original still waits
    // A task the original had still open when the record ends: the replay waits there
    // as long as the original had by then, no longer; its expiry (or a later
    // escalation) would be an outcome the record never saw.
    if (horizon && (!next_at || *next_at > *horizon) && (!timer || *timer > *horizon)) break;
    if (timer && (!next_at || *timer < *next_at)) {
      advance(*timer);
      continue;
    }
    advance(*next_at);
    const engine::TaskRecord& original = *matched.at(next_task->record.id);
    const std::string task_id = next_task->record.id;
    const std::string stage = engine::stageOfTask(m, next_task->record);
    if (original.status == TaskStatus::kCancelled) {
      if (auto error = engine_->cancel(id, "whatif")) {
        stop = Missing{stage, error->message};
        break;
      }
      continue;
    }
    std::string problem;
    for (const engine::Decision& d : decisionsFor(original, task_id, m, problem)) {
      if (auto error = engine_->decide(d)) {
        problem = fmt::format("the original decision is refused here: {}", error->message);
        break;
      }
    }
    if (!problem.empty()) {
      stop = Missing{stage, problem};
      break;
    }
  }
  engine_->runUntilIdle();
  // What the replay waited at, whatever became of it: its trail names every approval
  // and task it made.
  if (auto history = engine_->history(id)) {
    for (const engine::AuditEntry& entry : *history) {
      if (entry.kind != engine::AuditKind::kApprovalRequested &&
          entry.kind != engine::AuditKind::kTaskCreated)
        continue;
      if (auto t = engine_->task(entry.extra)) ++out.new_stages[engine::stageOfTask(m, t->record)];
    }
  }
  auto view = engine_->instance(id);
  if (view && engine::isLive(view->status)) (void)engine_->cancel(id, "whatif");
  if (stop) return unknown(stop->stage, stop->reason);
  if (!view) return unknown("(any)", view.error().message);
  out.new_outcome =
      outcomeOf(view->status, view->result ? &*view->result : nullptr, &m, view->workflow_index);
  if (auto figures = engine_->figures(id)) out.new_measures = figures->measures;
  return out;
}

}  // namespace rflow::whatif
