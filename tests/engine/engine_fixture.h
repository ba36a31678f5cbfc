// The engine tests' fixture: an engine on a store in memory or on disk (optionally a
// faulty one), connectors answered by a script, a manual clock, and the purchase
// workflow most tests run.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>

#include "bytecode/write.h"
#include "driver/build.h"
#include "engine/engine.h"
#include "engine/record_codec.h"
#include "store/fault_injection.h"
#include "vm/print.h"

namespace rflow::engine::testing {

using ::testing::Test;

namespace fs = std::filesystem;

inline constexpr int64_t kEpoch = 1'800'000'000'000;  // 2027-01-15T08:00:00Z
inline constexpr int64_t kHour = 3'600'000;
inline constexpr int64_t kMinute = 60'000;

// Answers connector calls from a test's script, synchronously. The engine dispatches a
// step's calls from the committer that reports it, so with several committers calls come
// from several threads at once: `calls` and `held` are appended under a lock (a test
// reads them once the engine is idle), and a handler must be safe to call concurrently.
class ScriptedCalls final : public CallDispatcher {
 public:
  using Handler = std::function<CallResult(const std::string& op,
                                           const std::vector<vm::Value>& args, uint32_t attempt)>;
  Handler handler;
  std::vector<std::string> calls;  // "conn.op#attempt key"
  bool hold = false;               // keep calls instead of answering
  std::vector<std::pair<CallRequest, std::function<void(CallResult)>>> held;

  void dispatch(CallRequest request, std::function<void(CallResult)> done) override {
    const bytecode::Module& m = request.program->module();
    std::string op(m.strings[m.ops[request.op].name]);
    for (const auto& c : m.connectors) {
      if (request.op >= c.first_op && request.op < c.first_op + c.op_count)
        op = std::string(vm::declaredName(m.strings[c.name])) + "." + op;
    }
    {
      std::lock_guard lock(mutex_);
      calls.push_back(op + "#" + std::to_string(request.attempt) + " " + request.idempotency_key);
      if (hold) {
        held.emplace_back(std::move(request), std::move(done));
        return;
      }
    }
    auto list = decodeValue(request.args, m);
    std::vector<vm::Value> args(list->listItems().begin(), list->listItems().end());
    CallResult result = handler(op, args, request.attempt);
    result.instance = request.instance;
    result.request = request.request;
    result.attempt = request.attempt;
    done(std::move(result));
  }

 private:
  std::mutex mutex_;
};

inline CallResult ok(const vm::Value& v) {
  return {{}, 0, 1, CallResult::Kind::kOk, encodeValue(v), {}};
}
inline CallResult retryable(std::string why) {
  return {{}, 0, 1, CallResult::Kind::kRetryable, {}, std::move(why)};
}

inline std::vector<uint8_t> compile(const std::string& text) {
  source::SourceSet sources;
  sources.add("flow.rflow", text);
  compiler::BuildResult r = compiler::buildSources(sources);
  std::string problems;
  for (const auto& d : r.check.diagnostics)
    problems += std::string(d.code()) + " " + d.message + "\n";
  EXPECT_TRUE(r.ok()) << problems;
  if (!r.ok()) return {};
  return bytecode::writeModule(*r.module);
}

class EngineTest : public Test {
 protected:
  void open(const std::string& source, const std::string& dir = "/mem",
            EngineOptions options = {}) {
    auto opened = store::Store::open(
        dir, {.durability = store::Durability::kAsync, .in_memory = dir == "/mem", .env = {}});
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened))
        << std::get<std::string>(opened);
    store_ = std::move(std::get<std::unique_ptr<store::Store>>(opened));
    engine_ = std::make_unique<Engine>(*store_, clock_, calls_, std::move(options));
    if (!source.empty()) {
      auto deployed = engine_->deploy(compile(source));
      ASSERT_TRUE(std::holds_alternative<std::string>(deployed))
          << std::get<EngineError>(deployed).message;
    }
  }
  void close() {
    engine_.reset();
    store_.reset();
  }
  // A synced store in `dir` (emptied first) on a disk that fails when `faults` says so,
  // retrying the disk at every commit, with `source` deployed.
  void openOnFaultyDisk(const std::string& dir, std::shared_ptr<store::FaultSwitch> faults,
                        const std::string& source) {
    fs::remove_all(dir);
    reopenOnFaultyDisk(dir, std::move(faults));
    ASSERT_TRUE(std::holds_alternative<std::string>(engine_->deploy(compile(source))));
  }
  // The same store opened again, as after a restart: nothing of it is cached in memory.
  void reopenOnFaultyDisk(const std::string& dir, std::shared_ptr<store::FaultSwitch> faults) {
    engine_.reset();
    store_.reset();
    calls_.held.clear();  // their engine is gone: recovery sends them again
    calls_.hold = false;
    auto opened = store::Store::open(dir, {.durability = store::Durability::kSync,
                                           .in_memory = false,
                                           .env = store::faultInjectingEnv(std::move(faults))});
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
    store_ = std::move(std::get<std::unique_ptr<store::Store>>(opened));
    store_->retryWritesAfter(0);
    engine_ = std::make_unique<Engine>(*store_, clock_, calls_);
  }
  // kPurchase's ERP, answering at once: reserve gives "R-1", post succeeds.
  void answerErpAtOnce() {
    calls_.handler = [](const std::string& op, const std::vector<vm::Value>&, uint32_t) {
      return op == "erp.reserve" ? ok(vm::Value::string("R-1")) : ok(vm::Value::boolean(true));
    };
  }
  // Answers the first call held by calls_ (hold = true) with `answer`.
  void answerHeld(CallResult answer) {
    auto [request, done] = std::move(calls_.held.front());
    calls_.held.erase(calls_.held.begin());
    answer.instance = request.instance;
    answer.request = request.request;
    answer.attempt = request.attempt;
    done(std::move(answer));
  }

  InstanceView start(std::string_view workflow, std::vector<vm::Value> args) {
    auto started = engine_->start(workflow, std::move(args));
    if (auto* error = std::get_if<EngineError>(&started)) {
      ADD_FAILURE() << error->message;
      return {};
    }
    engine_->runUntilIdle(/*wait_for_calls=*/!calls_.hold);
    return *engine_->instance(std::get<InstanceView>(started).id);
  }
  InstanceView get(const std::string& id) { return *engine_->instance(id); }
  std::string result(const InstanceView& v) {
    return v.result ? vm::printed(*v.result, v.program->module()) : "(none)";
  }
  std::vector<std::string> audit(const std::string& id, std::string_view kind) {
    std::vector<std::string> out;
    auto trail = engine_->history(id);
    EXPECT_TRUE(trail.ok());
    if (!trail) return out;
    for (const AuditEntry& e : *trail) {
      if (e.kind_text == kind) out.push_back(e.text);
    }
    return out;
  }
  void advance(int64_t by) {
    const int64_t target = clock_.now() + by;
    while (auto due = engine_->nextTimer()) {
      if (*due > target) break;
      clock_.set(std::max(clock_.now(), *due));
      engine_->fireTimers(*due, 1);
      engine_->runUntilIdle();
    }
    clock_.set(target);
  }
  std::vector<TaskView> openTasks(const std::string& instance) {
    TaskFilter filter;
    filter.instance = instance;
    auto found = engine_->tasks(filter);
    EXPECT_TRUE(found.ok());
    return found ? *found : std::vector<TaskView>{};
  }
  std::optional<EngineError> decide(const std::string& task, Decision::Kind kind, std::string user,
                                    std::string comment = {}) {
    Decision d;
    d.task = task;
    d.kind = kind;
    d.user = std::move(user);
    d.comment = std::move(comment);
    auto error = engine_->decide(d);
    engine_->runUntilIdle();
    return error;
  }

  ManualClock clock_{kEpoch};
  ScriptedCalls calls_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Engine> engine_;
};

inline constexpr const char* kPurchase = R"(module shop
record Order { id: string, total: money }
role Buyer "Buyer"
role Director "Finance director"
connector erp {
  fn reserve(id: string) -> string
  fn post(id: string, ref: string) -> bool
}
policy no_self on approval(a) {
  require a.decided_by != a.requested_by else "no approving your own order"
}
workflow Purchase(o: Order, by: User) -> string {
  owner "purchasing"
  key o.id
  let ref = erp.reserve(o.id) timeout 10s
  let ok = approval "Pay {o.id}" {
    assign Buyer
    requested_by by
    amount o.total
    due 2d
    escalate after 1d to Director
  }
  if not ok.approved {
    note "declined: {ok.outcome} by {ok.decided_by ?? user("nobody")}"
    return "declined"
  }
  let posted = erp.post(o.id, ref) timeout 10s
  note "posted {posted} by {ok.decided_by ?? user("nobody")}"
  return ref
}
)";

// Two awaits of a signal, at once or after a sleep.
inline constexpr const char* kSignals = R"(module s
signal Paid { reference: string }
workflow Wait() -> string {
  owner "ops"
  let first = await Paid timeout 1h
  let second = await Paid timeout 1h
  return "{first?.reference ?? "-"} {second?.reference ?? "-"}"
}
workflow Later() -> string {
  owner "ops"
  sleep 1h
  let first = await Paid timeout 1h
  let second = await Paid timeout 1h
  return "{first?.reference ?? "-"} {second?.reference ?? "-"}"
}
)";

inline vm::Value order(const vm::Program& p, std::string id, const char* amount) {
  const auto record = p.recordIndex("shop.Order");
  return vm::Value::record(
      *record,
      {vm::Value::string(id), vm::Value::money(base::Money(*base::Decimal::parse(amount),
                                                           *base::CurrencyCode::parse("USD")))});
}

}  // namespace rflow::engine::testing
