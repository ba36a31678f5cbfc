#include "testing/test_runner.h"

#include <fmt/format.h>

#include <chrono>

#include "bytecode/read.h"
#include "engine/engine.h"
#include "engine/record_codec.h"
#include "testing/mock_calls.h"
#include "testing/mock_classifiers.h"
#include "vm/print.h"
#include "vm/program.h"

namespace rflow::testing {

namespace {

using engine::EngineError;
using engine::Status;

// One test: its engine, clock, mocks and the test function's own instance.
class TestRun {
 public:
  TestRun(std::shared_ptr<const vm::Program> program, const std::vector<uint8_t>& module_bytes,
          int64_t epoch, engine::ClassifierModels* models)
      : program_(std::move(program)),
        module_(program_->module()),
        clock_(epoch),
        calls_(program_, clock_),
        classifiers_(program_, clock_, models) {
    auto opened = store::Store::open(
        "/rflow-test", {.durability = store::Durability::kAsync, .in_memory = true, .env = {}});
    if (auto* problem = std::get_if<std::string>(&opened)) {
      setup_error_ = *problem;
      return;
    }
    store_ = std::move(std::get<std::unique_ptr<store::Store>>(opened));
    engine::EngineOptions options;
    options.immediate_retries = true;
    // One thread: every step commits as it is made, so the test sees it at once.
    options.commits.threaded = false;
    options.classifiers = &classifiers_;
    engine_ = std::make_unique<engine::Engine>(*store_, clock_, calls_, options);
    auto deployed = engine_->deploy(module_bytes);
    if (auto* error = std::get_if<EngineError>(&deployed)) setup_error_ = error->message;
  }

  // Runs test function `function`; empty on success, else the failure text.
  std::string run(uint32_t function) {
    if (!setup_error_.empty()) return "the test could not be set up: " + setup_error_;
    auto started = vm::Instance::start(program_, function, {});
    if (auto* problem = std::get_if<std::string>(&started)) return *problem;
    vm::Instance& test = std::get<vm::Instance>(started);
    for (;;) {
      vm::Outcome o = test.run();
      if (std::holds_alternative<vm::Completed>(o)) return unmockedFailure();
      if (auto* failed = std::get_if<vm::Failure>(&o))
        return fmt::format("{}:{}: the test failed: {}: {}", failed->file, failed->line,
                           failed->kind, failed->message);
      std::vector<vm::Resumption> answers;
      for (const vm::PendingRequest& pending : std::get<vm::Waiting>(o).requests) {
        where_ = fmt::format("{}:{}", program_->fileOf(pending.function), pending.line);
        auto answer = handle(pending.request);
        if (!failure_.empty()) return failure_;
        if (std::string unmocked = unmockedFailure(); !unmocked.empty()) return unmocked;
        answers.push_back({pending.branch, std::move(answer)});
      }
      if (auto problem = test.resume(std::move(answers)))
        return fmt::format("{}: the runner's answer was refused: {}", where_, *problem);
    }
  }

 private:
  std::string unmockedFailure() const {
    std::string out;
    for (const std::string& u : calls_.unmocked())
      out += (out.empty() ? "" : "\n") + fmt::format("{}: {}", where_, u);
    for (const std::string& u : classifiers_.problems())
      out += (out.empty() ? "" : "\n") + fmt::format("{}: {}", where_, u);
    return out;
  }
  void fail(std::string message) {
    if (!failure_.empty()) return;
    failure_ = fmt::format("{}: {}", where_, message);
    // A failed run is the most common reason for a failed expectation: say why it failed.
    for (const std::string& id : runs_) {
      auto view = engine_->instance(id);
      if (view && view->status == Status::kFailed && view->error)
        failure_ += fmt::format("\n  (run {} failed: {})", id, *view->error);
    }
  }
  void settle() { engine_->runUntilIdle(); }

  std::variant<vm::Value, vm::HostError> handle(const vm::Request& request) {
    return std::visit(
        [&](const auto& r) -> std::variant<vm::Value, vm::HostError> {
          using R = std::decay_t<decltype(r)>;
          namespace e = vm::effect;
          if constexpr (std::is_same_v<R, e::Mock>) {
            calls_.setMock(r.op, {r.function, r.captured, std::nullopt});
            return vm::Value();
          } else if constexpr (std::is_same_v<R, e::MockClassify>) {
            classifiers_.setMock(r.classifier, r.function, r.captured);
            return vm::Value();
          } else if constexpr (std::is_same_v<R, e::ExpectLearned>) {
            expectLearned(r);
            return vm::Value();
          } else if constexpr (std::is_same_v<R, e::MockFails>) {
            calls_.setMock(r.op, {0, {}, r.reason});
            return vm::Value();
          } else if constexpr (std::is_same_v<R, e::StartRun> || std::is_same_v<R, e::Spawn>) {
            auto started =
                engine_->start(module_.strings[module_.workflows[r.workflow].name], r.args,
                               {.spawn = std::is_same_v<R, e::Spawn>, .request_id = {}});
            if (auto* error = std::get_if<EngineError>(&started)) {
              fail("start was refused: " + error->message);
              return vm::Value();
            }
            settle();
            const std::string id = std::get<engine::InstanceView>(started).id;
            runs_.push_back(id);
            if constexpr (std::is_same_v<R, e::Spawn>) {
              return vm::Value::string(id);
            } else {
              return vm::Value::run(id);
            }
          } else if constexpr (std::is_same_v<R, e::Advance>) {
            advance(r.duration);
            return vm::Value();
          } else if constexpr (std::is_same_v<R, e::Decide>) {
            decide(r);
            return vm::Value();
          } else if constexpr (std::is_same_v<R, e::Send>) {
            send(r);
            return vm::Value();
          } else if constexpr (std::is_same_v<R, e::Expect>) {
            if (!r.holds) {
              std::string message = fmt::format("expect {} failed", r.text);
              if (r.left && r.right)
                message += fmt::format("\n  left:  {}\n  right: {}", *r.left, *r.right);
              if (r.message) message += "\n  " + *r.message;
              fail(std::move(message));
            }
            return vm::Value();
          } else if constexpr (std::is_same_v<R, e::ExpectCalled>) {
            const uint64_t n = calls_.attempts(r.op);
            if (static_cast<int64_t>(n) != r.times)
              fail(fmt::format("expected `{}` to be called {} time{}, but it was called {} time{}",
                               calls_.opName(r.op), r.times, r.times == 1 ? "" : "s", n,
                               n == 1 ? "" : "s"));
            return vm::Value();
          } else if constexpr (std::is_same_v<R, e::RunField>) {
            return runField(r);
          } else if constexpr (std::is_same_v<R, e::Connector>) {
            auto answer = calls_.call(r.op, r.args);
            if (auto* error = std::get_if<vm::HostError>(&answer)) {
              const std::string prefix = calls_.opName(r.op) + ": ";
              if (error->message.rfind(prefix, 0) != 0) error->message = prefix + error->message;
            }
            return answer;
          } else if constexpr (std::is_same_v<R, e::Now>) {
            return vm::Value::integer(clock_.now());
          } else if constexpr (std::is_same_v<R, e::Note> || std::is_same_v<R, e::Notify>) {
            return vm::Value();
          } else {
            fail(
                "a test cannot wait for an approval, a task, a signal, a timer or a child; "
                "`start` a workflow that does and drive it from the test");
            return vm::Value();
          }
        },
        request);
  }

  void expectLearned(const vm::effect::ExpectLearned& r) {
    const std::string& name = module_.strings[module_.classifiers[r.classifier].name];
    auto examples = engine_->examples(name);
    if (!examples) {
      fail("the examples learned could not be read: " + examples.error().message);
      return;
    }
    const auto n = static_cast<int64_t>(examples->size());
    if (n != r.times)
      fail(fmt::format("expected `{}` to learn {} example{}, but it learned {}",
                       vm::declaredName(name), r.times, r.times == 1 ? "" : "s", n));
  }

  void advance(int64_t by) {
    const int64_t target = clock_.now() + std::max<int64_t>(by, 0);
    // Every timer due in (now, target], in due order, each with the clock at its due time
    // and the instances settled before the next.
    while (auto due = engine_->nextTimer()) {
      if (*due > target) break;
      clock_.set(std::max(clock_.now(), *due));
      engine_->fireTimers(*due, 1);
      settle();
    }
    clock_.set(target);
  }

  std::string runId(const vm::Value& run) {
    return run.tag() == vm::Tag::kRun ? std::string(run.asString()) : std::string();
  }

  void decide(const vm::effect::Decide& r) {
    engine::Decision d;
    d.task = std::string(detailString(r.task, "id"));
    d.user = r.user.tag() == vm::Tag::kString ? std::string(r.user.asString()) : std::string();
    d.kind = r.kind == vm::effect::Decide::Kind::kApprove  ? engine::Decision::Kind::kApprove
             : r.kind == vm::effect::Decide::Kind::kReject ? engine::Decision::Kind::kReject
                                                           : engine::Decision::Kind::kComplete;
    if (r.detail.tag() == vm::Tag::kString) d.comment = std::string(r.detail.asString());
    if (r.detail.tag() == vm::Tag::kRecord) {
      const auto& fields = module_.records[r.detail.recordIndex()].fields;
      const auto values = r.detail.recordFields();
      for (size_t i = 0; i < fields.size() && i < values.size(); ++i)
        d.form.emplace_back(module_.strings[fields[i].name], values[i]);
    }
    const char* verb = d.kind == engine::Decision::Kind::kApprove  ? "approve"
                       : d.kind == engine::Decision::Kind::kReject ? "reject"
                                                                   : "complete";
    auto error = engine_->decide(d);
    settle();
    const bool refused = error && (error->code == EngineError::Code::kRefused ||
                                   error->code == EngineError::Code::kConflict);
    if (r.expect_refused) {
      if (!error)
        fail(fmt::format("expected `{}` by {} to be refused, but it was accepted", verb, d.user));
      else if (!refused)
        fail(fmt::format("`{}` by {} failed: {}", verb, d.user, error->message));
      return;
    }
    if (error) fail(fmt::format("`{}` by {} was refused: {}", verb, d.user, error->message));
  }

  void send(const vm::effect::Send& r) {
    const std::string id = runId(r.run);
    if (r.signal.tag() != vm::Tag::kRecord) {
      fail("send needs a signal");
      return;
    }
    const std::string name(
        vm::declaredName(module_.strings[module_.records[r.signal.recordIndex()].name]));
    if (auto error = engine_->signal(id, name, r.signal)) fail("send failed: " + error->message);
    settle();
  }

  std::string_view detailString(const vm::Value& record, std::string_view field) {
    if (record.tag() != vm::Tag::kRecord) return {};
    const auto& fields = module_.records[record.recordIndex()].fields;
    const auto values = record.recordFields();
    for (size_t i = 0; i < fields.size() && i < values.size(); ++i) {
      if (module_.strings[fields[i].name] == field && values[i].tag() == vm::Tag::kString)
        return values[i].asString();
    }
    return {};
  }

  vm::Value taskValue(const engine::TaskView& task) {
    const auto record = program_->recordIndex("rflow.Task");
    if (!record) return vm::Value();
    std::vector<vm::Value> fields;
    for (const bytecode::Field& f : module_.records[*record].fields) {
      const std::string& n = module_.strings[f.name];
      if (n == "title") {
        fields.push_back(vm::Value::string(task.record.title));
      } else if (n == "assignee") {
        fields.push_back(task.record.assignee.is_role
                             ? vm::Value::role(task.record.assignee.role)
                             : vm::Value::string(task.record.assignee.name));
      } else if (n == "due") {
        fields.push_back(task.record.due ? vm::Value::integer(*task.record.due) : vm::Value());
      } else if (n == "escalations") {
        fields.push_back(vm::Value::integer(task.record.escalated));
      } else if (n == "id") {
        fields.push_back(vm::Value::string(task.record.id));
      } else {
        fields.emplace_back();
      }
    }
    return vm::Value::record(*record, std::move(fields));
  }

  vm::Value runField(const vm::effect::RunField& r) {
    using F = vm::effect::RunField::Field;
    const std::string id = runId(r.run);
    auto view = engine_->instance(id);
    if (!view) {
      fail(view.notFound() ? fmt::format("there is no run {}", id) : view.error().message);
      return vm::Value();
    }
    switch (r.field) {
      case F::kStatus: {
        for (uint32_t e = 0; e < module_.enums.size(); ++e) {
          if (module_.strings[module_.enums[e].name] == "rflow.RunStatus")
            return vm::Value::enumMember(e, static_cast<uint32_t>(view->status));
        }
        return vm::Value();
      }
      case F::kResult:
        return view->result.value_or(vm::Value());
      case F::kError:
        return view->error ? vm::Value::string(*view->error) : vm::Value();
      case F::kTask:
      case F::kTasks: {
        engine::TaskFilter filter;
        filter.instance = id;
        auto found = engine_->tasks(filter);
        if (!found) {
          fail(found.error().message);
          return vm::Value();
        }
        const std::vector<engine::TaskView>& open = *found;
        if (r.field == F::kTasks) {
          std::vector<vm::Value> items;
          for (const auto& t : open)
            items.push_back(taskValue(t));
          return vm::Value::list(std::move(items));
        }
        if (open.size() != 1) {
          fail(open.empty() ? fmt::format("run {} has no open approval or task ({})", id,
                                          engine::statusName(view->status))
                            : fmt::format("run {} has {} open approvals and tasks; use run.tasks",
                                          id, open.size()));
          return vm::Value();
        }
        return taskValue(open[0]);
      }
      case F::kNotes:
      case F::kNotifications: {
        const engine::AuditKind kind =
            r.field == F::kNotes ? engine::AuditKind::kNote : engine::AuditKind::kNotify;
        auto history = engine_->history(id);
        if (!history) {
          fail(history.error().message);
          return vm::Value();
        }
        std::vector<vm::Value> items;
        for (const engine::AuditEntry& entry : *history) {
          if (entry.kind == kind) items.push_back(vm::Value::string(entry.text));
        }
        return vm::Value::list(std::move(items));
      }
    }
    return vm::Value();
  }

  std::shared_ptr<const vm::Program> program_;
  const bytecode::Module& module_;
  engine::ManualClock clock_;
  MockCalls calls_;
  MockClassifiers classifiers_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<engine::Engine> engine_;
  std::string setup_error_;
  std::string failure_;
  std::string where_;
  std::vector<std::string> runs_;  // started by the test, for failure messages
};

}  // namespace

std::vector<TestOutcome> runTests(const std::vector<uint8_t>& module_bytes,
                                  const TestOptions& options,
                                  const std::function<void(const TestOutcome&)>& on_result) {
  std::vector<TestOutcome> out;
  bytecode::LoadResult loaded = bytecode::loadModule(module_bytes);
  if (!loaded.ok()) {
    out.push_back(
        {"(module)", "", 0, false, "the module cannot be loaded: " + loaded.error().message, 0});
    if (on_result) on_result(out.back());
    return out;
  }
  auto prepared = vm::Program::load(std::move(loaded).module());
  if (auto* problem = std::get_if<std::string>(&prepared)) {
    out.push_back({"(module)", "", 0, false, *problem, 0});
    if (on_result) on_result(out.back());
    return out;
  }
  const auto program = std::get<std::shared_ptr<const vm::Program>>(prepared);
  const bytecode::Module& m = program->module();
  for (const bytecode::Test& test : m.tests) {
    TestOutcome outcome;
    outcome.name = m.strings[test.title];
    if (!options.filter.empty() && outcome.name.find(options.filter) == std::string::npos) continue;
    outcome.file = test.file < m.files.size() ? m.strings[m.files[test.file].path] : "";
    outcome.line = test.line;
    const auto start = std::chrono::steady_clock::now();
    {
      TestRun run(program, module_bytes, options.epoch, options.models);
      outcome.failure = run.run(test.function);
    }
    outcome.passed = outcome.failure.empty();
    outcome.millis =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (on_result) on_result(outcome);
    out.push_back(std::move(outcome));
  }
  return out;
}

}  // namespace rflow::testing
