// Effects: every effect instruction becomes the right Request, resume() checks and
// delivers results and errors, `try` catches host errors, and parallel branches wait
// together and are resumed in any order.
#include <gtest/gtest.h>

#include "vm/print.h"
#include "vm_test_util.h"

namespace rflow::vm::testing {
namespace {

using O = Opcode;

// A workflow module with one connector op `get(sku: string) -> int`.
struct Flow {
  TestModule t;
  uint32_t get = t.op("get", {t.t_string}, t.t_int);

  Instance start(FunctionId f, std::vector<Value> args = {}) {
    program = t.program();
    return startOrDie(program, f, std::move(args));
  }
  std::shared_ptr<const Program> program;
};

const PendingRequest& only(const Waiting& w) {
  EXPECT_EQ(w.requests.size(), 1u);
  return w.requests.at(0);
}

TEST(VmEffects, ConnectorCallWithOptionsWaitsAndResumes) {
  Flow x;
  TestModule& t = x.t;
  const ConstantId sku = t.str("A-1");
  const ConstantId every = t.integer(2000, t.t_duration), timeout = t.integer(10'000, t.t_duration);
  const ConstantId backoff = t.dec("2.0");
  const FunctionId f = t.function(
      "test.W", {}, t.t_int, {},
      [&](InstructionWriter& w) {
        w.setLine(5);
        w.emit(O::kConst, sku);
        w.emit(O::kConstInt, 3);
        w.emit(O::kConst, every);
        w.emit(O::kConst, backoff);
        w.emit(O::kConst, timeout);
        w.emit(O::kCallConnector, x.get, 0xF);
        w.emit(O::kConstInt, 1);
        w.emit(O::kAddInt);
        w.emit(O::kReturn);
      },
      bytecode::FunctionKind::kWorkflow);
  Instance instance = x.start(f);
  const Waiting waiting = waitingOf(instance.run());
  const PendingRequest& p = only(waiting);
  EXPECT_EQ(p.branch, 0u);
  EXPECT_EQ(p.line, 5u);
  EXPECT_TRUE(p.fresh);
  EXPECT_EQ(p.id, 0u);
  ASSERT_TRUE(std::holds_alternative<effect::Connector>(p.request));
  const auto& c = std::get<effect::Connector>(p.request);
  EXPECT_EQ(c.op, x.get);
  ASSERT_EQ(c.args.size(), 1u);
  EXPECT_EQ(c.args[0].asString(), "A-1");
  EXPECT_EQ(c.retry, 3);
  EXPECT_EQ(c.every, 2000);
  ASSERT_TRUE(c.backoff);
  EXPECT_EQ(c.backoff->toString(), "2.0");
  EXPECT_EQ(c.timeout, 10'000);
  EXPECT_FALSE(isStepEffect(p.request));
  EXPECT_FALSE(isTestStatement(p.request));
  // pending() reports the same request, no longer fresh.
  ASSERT_EQ(instance.pending().size(), 1u);
  EXPECT_FALSE(instance.pending()[0].fresh);
  // The result must be an int.
  EXPECT_EQ(instance.resume({{0, str("41")}}),
            std::optional<std::string>("the result for branch 0: expected int, got string"));
  EXPECT_EQ(instance.resume({{1, Value::integer(41)}}),
            std::optional<std::string>("branch 1 is not waiting"));
  EXPECT_EQ(instance.resume({{0, Value::integer(41)}, {0, Value::integer(41)}}),
            std::optional<std::string>("branch 0 is answered twice"));
  EXPECT_EQ(instance.resume({{0, HostError{"", "x"}}}),
            std::optional<std::string>("the error for branch 0 needs a kind other than \"\""));
  EXPECT_EQ(instance.resume({{0, HostError{"runtime", "x"}}}).has_value(), true);
  EXPECT_EQ(instance.resume({{0, Value::integer(41)}}), std::nullopt);
  EXPECT_EQ(completedValue(instance.run()).asInt(), 42);
  EXPECT_TRUE(instance.finished());
  EXPECT_EQ(completedValue(instance.run()).asInt(), 42);
  EXPECT_EQ(instance.resume({{0, Value::integer(1)}}),
            std::optional<std::string>("the instance has finished"));
}

TEST(VmEffects, ConnectorOptionsAreChecked) {
  const auto failWith = [](int64_t retry, int64_t every, std::string_view backoff,
                           int64_t timeout) {
    Flow x;
    TestModule& t = x.t;
    const ConstantId sku = t.str("A"), r = t.integer(retry), e = t.integer(every, t.t_duration),
                     b = t.dec(backoff), to = t.integer(timeout, t.t_duration);
    const FunctionId f = t.function("test.W", {}, t.t_int, {}, [&](InstructionWriter& w) {
      w.emit(O::kConst, sku);
      w.emit(O::kConst, r);
      w.emit(O::kConst, e);
      w.emit(O::kConst, b);
      w.emit(O::kConst, to);
      w.emit(O::kCallConnector, x.get, 0xF);
      w.emit(O::kReturn);
    });
    Instance instance = x.start(f);
    const Outcome o = instance.run();
    if (const auto* failure = std::get_if<Failure>(&o)) return failure->message;
    return std::string("waits");
  };
  EXPECT_EQ(failWith(0, 0, "1", 1), "waits");
  EXPECT_EQ(failWith(-1, 0, "1", 1), "retry must be 0 or more, not -1");
  EXPECT_EQ(failWith(1, -5, "1", 1), "the delay after `every` must not be negative");
  EXPECT_EQ(failWith(1, 0, "0", 1), "backoff must be above 0, not 0");
  EXPECT_EQ(failWith(1, 0, "1", 0), "the timeout must be longer than 0s");
}

TEST(VmEffects, HostErrorsAreCaughtOrFailTheInstance) {
  Flow x;
  TestModule& t = x.t;
  const ConstantId sku = t.str("A");
  // try { return get("A") } catch err { return len(err.message) }
  const FunctionId caught =
      t.function("test.W", {}, t.t_int, {t.t_error}, [&](InstructionWriter& w) {
        const uint32_t handler = w.emitJump(O::kTryBegin);
        w.emit(O::kConst, sku);
        w.emit(O::kCallConnector, x.get, 0);
        w.emit(O::kReturn);
        w.patchJumpHere(handler);
        w.emit(O::kStoreLocal, 0);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kGetField, 1);
        w.emit(O::kCallNative, 0, 1);  // LenString
        w.emit(O::kReturn);
      });
  const FunctionId uncaught = t.function("test.V", {}, t.t_int, {}, [&](InstructionWriter& w) {
    w.setLine(8);
    w.emit(O::kConst, sku);
    w.emit(O::kCallConnector, x.get, 0);
    w.emit(O::kReturn);
  });
  {
    Instance instance = x.start(caught);
    (void)waitingOf(instance.run());
    ASSERT_EQ(instance.resume({{0, HostError{"connector", "test.sys.get: ERP down"}}}),
              std::nullopt);
    EXPECT_EQ(completedValue(instance.run()).asInt(), 22);
  }
  {
    Instance instance = x.start(uncaught);
    (void)waitingOf(instance.run());
    ASSERT_EQ(instance.resume({{0, HostError{"timeout", "test.sys.get took longer than 10s"}}}),
              std::nullopt);
    EXPECT_EQ(failureOf(instance.run()).text(),
              "timeout: test.sys.get took longer than 10s (test.rflow:8)");
  }
}

// Each effect instruction with the values it pops; checks the request and resumes it.
class EffectCase {
 public:
  EffectCase() = default;

  template <typename R>
  R request(const std::function<void(InstructionWriter&)>& body, TypeId result = UINT32_MAX) {
    const FunctionId f = x.t.function("test.e" + std::to_string(x.t.m().functions.size()), {},
                                      result == UINT32_MAX ? x.t.t_int : result, {}, body,
                                      bytecode::FunctionKind::kTest);
    instance = std::make_unique<Instance>(x.start(f));
    const Waiting w = waitingOf(instance->run());
    EXPECT_EQ(w.requests.size(), 1u);
    if (w.requests.empty() || !std::holds_alternative<R>(w.requests[0].request)) {
      ADD_FAILURE() << "another request";
      return R{};
    }
    return std::get<R>(w.requests[0].request);
  }

  Flow x;
  std::unique_ptr<Instance> instance;
};

TEST(VmEffects, EveryEffectBecomesItsRequest) {
  {
    EffectCase e;
    TestModule& t = e.x.t;
    const uint32_t data = t.record("test.Data", {{"sku", t.t_string}}, bytecode::RecordKind::kData);
    const TypeId t_data = t.b.record(data);
    const uint32_t planner = t.role("test.Planner", "Planner");
    const ConstantId role = t.b.constant(t.t_role, bytecode::RoleConstant{planner});
    const ConstantId title = t.str("Replenish"), sku = t.str("A-1");
    const auto body = [&](int64_t approvers) {
      return [&, approvers](InstructionWriter& w) {
        w.emit(O::kConst, sku);
        w.emit(O::kMakeRecord, t_data);
        w.emit(O::kConst, title);
        w.emit(O::kConst, role);
        w.emit(O::kConstNone);
        w.emit(O::kConstNone);
        w.emit(O::kConstInt, approvers);
        w.emit(O::kConstNone);
        w.emit(O::kMakeList, t.t_escalation_list, 0);
        w.emit(O::kMakeRecord, t.t_approval_request);
        w.emit(O::kApproval, t_data);
        w.emit(O::kGetField, 0);
        w.emit(O::kReturn);
      };
    };
    const effect::Approval a = e.request<effect::Approval>(body(2), t.t_bool);
    EXPECT_EQ(a.data_type, t_data);
    EXPECT_EQ(printed(a.data, e.x.program->module()), "Data { sku: A-1 }");
    EXPECT_EQ(a.request.recordFields()[4].asInt(), 2);
    // An approval record answers it; anything else is refused.
    EXPECT_TRUE(e.instance->resume({{0, Value::integer(1)}}).has_value());
    std::vector<Value> fields = {Value::boolean(true), Value::enumMember(t.e_outcome, 0),
                                 str("bob"),           str("ok"),
                                 Value::integer(0),    Value::list({})};
    EXPECT_EQ(e.instance->resume({{0, Value::record(t.r_approval, fields)}}), std::nullopt);
    EXPECT_TRUE(completedValue(e.instance->run()).asBool());
    // approvers 0 is a runtime error at the approval.
    const FunctionId zero = t.function("test.zero", {}, t.t_bool, {}, body(0));
    EXPECT_EQ(failureOf(runFunction(t.program(), zero)).message,
              "an approval needs at least 1 approver, not 0");
  }
  {
    EffectCase e;
    TestModule& t = e.x.t;
    const uint32_t form = t.record("test.Form", {{"qty", t.t_int}, {"completed_by", t.t_user}},
                                   bytecode::RecordKind::kForm);
    const uint32_t data = t.record("test.Data", {}, bytecode::RecordKind::kData);
    const TypeId t_form = t.b.record(form), t_data = t.b.record(data);
    const ConstantId title = t.str("Count"), ana = t.b.constant(t.t_user, t.b.str("ana"));
    const effect::Task task = e.request<effect::Task>([&](InstructionWriter& w) {
      w.emit(O::kMakeRecord, t_data);
      w.emit(O::kConst, title);
      w.emit(O::kConst, ana);
      w.emit(O::kConstNone);
      w.emit(O::kConstNone);
      w.emit(O::kMakeList, t.t_escalation_list, 0);
      w.emit(O::kMakeRecord, t.t_task_request);
      w.emit(O::kTask, t_form, t_data);
      w.emit(O::kGetField, 0);
      w.emit(O::kReturn);
    });
    EXPECT_EQ(task.form_type, t_form);
    EXPECT_EQ(task.data_type, t_data);
    EXPECT_EQ(task.request.recordFields()[1].asString(), "ana");
    EXPECT_EQ(
        e.instance->resume({{0, Value::record(form, {Value::integer(7)})}}),
        std::optional<std::string>("the result for branch 0: a `test.Form` has 2 fields, not 1"));
    EXPECT_EQ(e.instance->resume({{0, Value::record(form, {Value::integer(7), str("bob")})}}),
              std::nullopt);
    EXPECT_EQ(completedValue(e.instance->run()).asInt(), 7);
  }
  {
    EffectCase e;
    TestModule& t = e.x.t;
    const uint32_t sig =
        t.record("test.Delivered", {{"qty", t.t_int}}, bytecode::RecordKind::kSignal);
    const TypeId t_sig = t.b.record(sig);
    const ConstantId hour = t.integer(3'600'000, t.t_duration);
    const effect::Await a = e.request<effect::Await>([&](InstructionWriter& w) {
      w.emit(O::kConst, hour);
      w.emit(O::kAwait, t_sig, 1);
      const uint32_t none = w.emitJump(O::kJumpIfNone);
      w.emit(O::kGetField, 0);
      w.emit(O::kReturn);
      w.patchJumpHere(none);
      w.emit(O::kPop);
      w.emit(O::kConstInt, -1);
      w.emit(O::kReturn);
    });
    EXPECT_EQ(a.signal_type, t_sig);
    EXPECT_EQ(a.timeout, 3'600'000);
    EXPECT_EQ(e.instance->resume({{0, Value()}}), std::nullopt);  // timed out
    EXPECT_EQ(completedValue(e.instance->run()).asInt(), -1);
  }
  {
    EffectCase e;
    TestModule& t = e.x.t;
    const ConstantId d = t.integer(-5, t.t_duration), when = t.integer(1000, t.t_time);
    EXPECT_EQ(e.request<effect::Sleep>([&](InstructionWriter& w) {
                 w.emit(O::kConst, d);
                 w.emit(O::kSleep);
                 w.emit(O::kConstInt, 1);
                 w.emit(O::kReturn);
               }).duration,
              -5);
    EXPECT_TRUE(e.instance->resume({{0, Value::integer(1)}}).has_value());
    EXPECT_EQ(e.instance->resume({{0, Value()}}), std::nullopt);
    EXPECT_EQ(completedValue(e.instance->run()).asInt(), 1);
    EXPECT_EQ(e.request<effect::SleepUntil>([&](InstructionWriter& w) {
                 w.emit(O::kConst, when);
                 w.emit(O::kSleepUntil);
                 w.emit(O::kConstInt, 1);
                 w.emit(O::kReturn);
               }).time,
              1000);
  }
  {
    EffectCase e;
    TestModule& t = e.x.t;
    const FunctionId child_body = t.function(
        "test.Child", {t.t_int}, t.t_string, {},
        [&](InstructionWriter& w) {
          w.emit(O::kLoadLocal, 0);
          w.emit(O::kToString, t.t_int);
          w.emit(O::kReturn);
        },
        bytecode::FunctionKind::kWorkflow);
    const uint32_t child = t.workflow("test.Child", child_body);
    const effect::StartChild s = e.request<effect::StartChild>([&](InstructionWriter& w) {
      w.emit(O::kConstInt, 9);
      w.emit(O::kStartChild, child);
      w.emit(O::kCallNative, 0, 1);
      w.emit(O::kReturn);
    });
    EXPECT_EQ(s.workflow, child);
    ASSERT_EQ(s.args.size(), 1u);
    EXPECT_EQ(s.args[0].asInt(), 9);
    EXPECT_TRUE(e.instance->resume({{0, Value::integer(9)}}).has_value());
    EXPECT_EQ(e.instance->resume({{0, str("nine")}}), std::nullopt);
    EXPECT_EQ(completedValue(e.instance->run()).asInt(), 4);
    const effect::Spawn sp = e.request<effect::Spawn>(
        [&](InstructionWriter& w) {
          w.emit(O::kConstInt, 9);
          w.emit(O::kSpawn, child);
          w.emit(O::kReturn);
        },
        t.t_string);
    EXPECT_EQ(sp.workflow, child);
    EXPECT_TRUE(isStepEffect(Request(sp)));
    EXPECT_EQ(e.instance->resume({{0, str("inst-2")}}), std::nullopt);
    EXPECT_EQ(completedValue(e.instance->run()).asString(), "inst-2");
  }
  {
    EffectCase e;
    TestModule& t = e.x.t;
    const ConstantId text = t.str("declined");
    const uint32_t ops = t.role("test.Ops", "Operations");
    const ConstantId role = t.b.constant(t.t_role, bytecode::RoleConstant{ops});
    EXPECT_EQ(e.request<effect::Note>([&](InstructionWriter& w) {
                 w.emit(O::kConst, text);
                 w.emit(O::kNote);
                 w.emit(O::kConstInt, 0);
                 w.emit(O::kReturn);
               }).text,
              "declined");
    const effect::Notify n = e.request<effect::Notify>([&](InstructionWriter& w) {
      w.emit(O::kConst, role);
      w.emit(O::kConst, text);
      w.emit(O::kNotify);
      w.emit(O::kConstInt, 0);
      w.emit(O::kReturn);
    });
    EXPECT_EQ(n.target.tag(), Tag::kRole);
    EXPECT_EQ(n.text, "declined");
    (void)e.request<effect::Now>(
        [&](InstructionWriter& w) {
          w.emit(O::kNow);
          w.emit(O::kReturn);
        },
        t.t_time);
    EXPECT_TRUE(e.instance->resume({{0, str("now")}}).has_value());
    EXPECT_EQ(e.instance->resume({{0, Value::integer(86'400'000)}}), std::nullopt);
    EXPECT_EQ(completedValue(e.instance->run()).asInt(), 86'400'000);
  }
}

TEST(VmEffects, TestStatementsBecomeRequests) {
  EffectCase e;
  TestModule& t = e.x.t;
  const FunctionId body = t.function(
      "test.W", {t.t_string}, t.t_int, {},
      [](InstructionWriter& w) {
        w.emit(O::kConstInt, 1);
        w.emit(O::kReturn);
      },
      bytecode::FunctionKind::kWorkflow);
  const uint32_t wf = t.workflow("test.W", body);
  const FunctionId mock = t.function(
      "test.mock", {t.t_int, t.t_string}, t.t_int, {},
      [](InstructionWriter& w) {
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kReturn);
      },
      bytecode::FunctionKind::kMock);
  const ConstantId down = t.str("down"), arg = t.str("x"), text = t.str("run.result == 1");
  const ConstantId hour = t.integer(3'600'000, t.t_duration);
  const effect::Mock m = e.request<effect::Mock>([&](InstructionWriter& w) {
    w.emit(O::kConstInt, 5);
    w.emit(O::kMock, e.x.get, mock, 1);
    w.emit(O::kConstInt, 0);
    w.emit(O::kReturn);
  });
  EXPECT_EQ(m.op, e.x.get);
  EXPECT_EQ(m.function, mock);
  ASSERT_EQ(m.captured.size(), 1u);
  EXPECT_EQ(m.captured[0].asInt(), 5);
  EXPECT_TRUE(isTestStatement(Request(m)));
  EXPECT_EQ(e.request<effect::MockFails>([&](InstructionWriter& w) {
               w.emit(O::kConst, down);
               w.emit(O::kMockFails, e.x.get);
               w.emit(O::kConstInt, 0);
               w.emit(O::kReturn);
             }).reason,
            "down");
  const effect::StartRun s = e.request<effect::StartRun>(
      [&](InstructionWriter& w) {
        w.emit(O::kConst, arg);
        w.emit(O::kStartRun, wf);
        w.emit(O::kRunField, 1);
        w.emit(O::kReturn);
      },
      t.t_int_opt);
  EXPECT_EQ(s.workflow, wf);
  EXPECT_TRUE(e.instance->resume({{0, str("run-1")}}).has_value());
  ASSERT_EQ(e.instance->resume({{0, Value::run("run-1")}}), std::nullopt);
  const Waiting field = waitingOf(e.instance->run());
  ASSERT_EQ(field.requests.size(), 1u);
  const auto& rf = std::get<effect::RunField>(field.requests[0].request);
  EXPECT_EQ(rf.run.asString(), "run-1");
  EXPECT_EQ(rf.field, effect::RunField::Field::kResult);
  ASSERT_EQ(e.instance->resume({{0, Value::integer(1)}}), std::nullopt);
  EXPECT_EQ(completedValue(e.instance->run()).asInt(), 1);
  EXPECT_EQ(e.request<effect::Advance>([&](InstructionWriter& w) {
               w.emit(O::kConst, hour);
               w.emit(O::kAdvance);
               w.emit(O::kConstInt, 0);
               w.emit(O::kReturn);
             }).duration,
            3'600'000);
  const ConstantId task_title = t.str("t"), bob = t.b.constant(t.t_user, t.b.str("bob"));
  const ConstantId id = t.str("task-1"), comment = t.str("ok");
  const effect::Decide d = e.request<effect::Decide>([&](InstructionWriter& w) {
    w.emit(O::kConst, task_title);
    w.emit(O::kConst, bob);
    w.emit(O::kConstNone);
    w.emit(O::kConstInt, 0);
    w.emit(O::kConst, id);
    w.emit(O::kMakeRecord, t.t_task);
    w.emit(O::kConst, bob);
    w.emit(O::kConst, comment);
    w.emit(O::kDecide, 1, 3);
    w.emit(O::kConstInt, 0);
    w.emit(O::kReturn);
  });
  EXPECT_EQ(d.kind, effect::Decide::Kind::kReject);
  EXPECT_TRUE(d.expect_refused);
  EXPECT_EQ(d.user.asString(), "bob");
  EXPECT_EQ(d.detail.asString(), "ok");
  EXPECT_EQ(d.task.recordFields()[4].asString(), "task-1");
  // expect a == b else "msg": left, right, condition, message.
  const ConstantId one = t.str("1"), two = t.str("2"), msg = t.str("should be one");
  const effect::Expect x = e.request<effect::Expect>([&](InstructionWriter& w) {
    w.emit(O::kConst, one);
    w.emit(O::kConst, two);
    w.emit(O::kConstFalse);
    w.emit(O::kConst, msg);
    w.emit(O::kExpect, text, 3);
    w.emit(O::kConstInt, 0);
    w.emit(O::kReturn);
  });
  EXPECT_EQ(x.text, "run.result == 1");
  EXPECT_FALSE(x.holds);
  EXPECT_EQ(x.left, "1");
  EXPECT_EQ(x.right, "2");
  EXPECT_EQ(x.message, "should be one");
  const effect::Expect plain = e.request<effect::Expect>([&](InstructionWriter& w) {
    w.emit(O::kConstTrue);
    w.emit(O::kExpect, text, 0);
    w.emit(O::kConstInt, 0);
    w.emit(O::kReturn);
  });
  EXPECT_TRUE(plain.holds);
  EXPECT_FALSE(plain.left || plain.right || plain.message);
  const effect::ExpectCalled c = e.request<effect::ExpectCalled>([&](InstructionWriter& w) {
    w.emit(O::kConstInt, 2);
    w.emit(O::kExpectCalled, e.x.get);
    w.emit(O::kConstInt, 0);
    w.emit(O::kReturn);
  });
  EXPECT_EQ(c.op, e.x.get);
  EXPECT_EQ(c.times, 2);
  const uint32_t sig = t.record("test.Sig", {{"n", t.t_int}}, bytecode::RecordKind::kSignal);
  const TypeId t_sig = t.b.record(sig);
  (void)e.request<effect::StartRun>([&](InstructionWriter& w) {
    w.emit(O::kConst, arg);
    w.emit(O::kStartRun, wf);
    w.emit(O::kConstInt, 5);
    w.emit(O::kMakeRecord, t_sig);
    w.emit(O::kSend);
    w.emit(O::kConstInt, 0);
    w.emit(O::kReturn);
  });
  ASSERT_EQ(e.instance->resume({{0, Value::run("run-2")}}), std::nullopt);
  const Waiting sent = waitingOf(e.instance->run());
  ASSERT_EQ(sent.requests.size(), 1u);
  const auto& send = std::get<effect::Send>(sent.requests[0].request);
  EXPECT_EQ(send.run.asString(), "run-2");
  EXPECT_EQ(printed(send.signal, e.x.program->module()), "Sig { n: 5 }");
  ASSERT_EQ(e.instance->resume({{0, Value()}}), std::nullopt);
  EXPECT_EQ(completedValue(e.instance->run()).asInt(), 0);
}

// parallel { a = get("a"); b = get("b"); c = get("c") }; return a * 100 + b * 10 + c
struct ParallelFlow {
  Flow x;
  FunctionId f;

  explicit ParallelFlow(bool with_try = false) {
    TestModule& t = x.t;
    const ConstantId ka = t.str("a"), kb = t.str("b"), kc = t.str("c");
    f = t.function(
        "test.P", {}, t.t_int, {t.t_int, t.t_int, t.t_int, t.t_error},
        [&](InstructionWriter& w) {
          w.setLine(10);
          uint32_t handler = 0;
          if (with_try) handler = w.emitJump(O::kTryBegin);
          const uint32_t f1 = w.emitJump(O::kFork);
          const uint32_t f2 = w.emitJump(O::kFork);
          const uint32_t f3 = w.emitJump(O::kFork);
          w.emit(O::kJoin);
          if (with_try) w.emit(O::kTryEnd);
          const uint32_t after = w.emitJump(O::kJump);
          const std::pair<uint32_t, std::pair<ConstantId, uint16_t>> branches[] = {
              {f1, {ka, 0}}, {f2, {kb, 1}}, {f3, {kc, 2}}};
          uint32_t line = 11;
          for (const auto& [fork, what] : branches) {
            w.setLine(line++);
            w.patchJumpHere(fork);
            w.emit(O::kConst, what.first);
            w.emit(O::kCallConnector, x.get, 0);
            w.emit(O::kStoreLocal, what.second);
            w.emit(O::kEndBranch);
          }
          w.setLine(20);
          w.patchJumpHere(after);
          w.emit(O::kLoadLocal, 0);
          w.emit(O::kConstInt, 100);
          w.emit(O::kMulInt);
          w.emit(O::kLoadLocal, 1);
          w.emit(O::kConstInt, 10);
          w.emit(O::kMulInt);
          w.emit(O::kAddInt);
          w.emit(O::kLoadLocal, 2);
          w.emit(O::kAddInt);
          w.emit(O::kReturn);
          if (with_try) {
            w.setLine(30);
            w.patchJumpHere(handler);
            w.emit(O::kStoreLocal, 3);
            w.emit(O::kLoadLocal, 3);
            w.emit(O::kGetField, 1);
            w.emit(O::kCallNative, 0, 1);
            w.emit(O::kReturn);
          }
        },
        bytecode::FunctionKind::kWorkflow);
  }
};

TEST(VmParallel, BranchesWaitTogetherAndResumeInAnyOrder) {
  ParallelFlow pf;
  Instance instance = pf.x.start(pf.f);
  const Waiting w = waitingOf(instance.run());
  ASSERT_EQ(w.requests.size(), 3u);
  std::vector<std::string> skus;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(w.requests[i].branch, i + 1);
    EXPECT_EQ(w.requests[i].id, i);
    EXPECT_EQ(w.requests[i].line, 11 + i);
    skus.emplace_back(std::get<effect::Connector>(w.requests[i].request).args[0].asString());
  }
  EXPECT_EQ(skus, (std::vector<std::string>{"a", "b", "c"}));
  // The last branch first: the others still wait, and are not fresh any more.
  ASSERT_EQ(instance.resume({{3, Value::integer(3)}}), std::nullopt);
  Waiting w2 = waitingOf(instance.run());
  ASSERT_EQ(w2.requests.size(), 2u);
  EXPECT_EQ(w2.requests[0].branch, 1u);
  EXPECT_EQ(w2.requests[1].branch, 2u);
  EXPECT_FALSE(w2.requests[0].fresh);
  // Then the first and the second together, in reverse order.
  ASSERT_EQ(instance.resume({{2, Value::integer(2)}, {1, Value::integer(1)}}), std::nullopt);
  EXPECT_EQ(completedValue(instance.run()).asInt(), 123);
}

TEST(VmParallel, TheFirstErrorInForkOrderIsRaisedAfterAllEnd) {
  ParallelFlow pf(/*with_try=*/true);
  Instance instance = pf.x.start(pf.f);
  ASSERT_EQ(waitingOf(instance.run()).requests.size(), 3u);
  ASSERT_EQ(instance.resume({{3, HostError{"connector", "third"}}}), std::nullopt);
  ASSERT_EQ(waitingOf(instance.run()).requests.size(), 2u);
  ASSERT_EQ(instance.resume({{2, HostError{"connector", "second!"}}}), std::nullopt);
  ASSERT_EQ(waitingOf(instance.run()).requests.size(), 1u);
  ASSERT_EQ(instance.resume({{1, Value::integer(1)}}), std::nullopt);
  // Branch 2's error ("second!", 7 code points) is the first in Fork order.
  EXPECT_EQ(completedValue(instance.run()).asInt(), 7);

  // Without a try, the instance fails with that error and its own line.
  ParallelFlow plain;
  Instance other = plain.x.start(plain.f);
  (void)other.run();
  ASSERT_EQ(other.resume({{3, HostError{"connector", "third"}},
                          {1, Value::integer(1)},
                          {2, HostError{"connector", "second"}}}),
            std::nullopt);
  EXPECT_EQ(failureOf(other.run()).text(), "connector: second (test.rflow:12)");
}

TEST(VmParallel, ARuntimeErrorInABranchFailsTheInstanceAtOnce) {
  Flow x;
  TestModule& t = x.t;
  const ConstantId ka = t.str("a");
  const FunctionId f =
      t.function("test.P", {}, t.t_int, {t.t_int, t.t_int}, [&](InstructionWriter& w) {
        const uint32_t f1 = w.emitJump(O::kFork);
        const uint32_t f2 = w.emitJump(O::kFork);
        w.emit(O::kJoin);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kReturn);
        w.patchJumpHere(f1);
        w.emit(O::kConst, ka);
        w.emit(O::kCallConnector, x.get, 0);
        w.emit(O::kStoreLocal, 0);
        w.emit(O::kEndBranch);
        w.patchJumpHere(f2);
        w.setLine(4);
        w.emit(O::kConstInt, 1);
        w.emit(O::kConstInt, 0);
        w.emit(O::kDivInt);
        w.emit(O::kStoreLocal, 1);
        w.emit(O::kEndBranch);
      });
  Instance instance = x.start(f);
  EXPECT_EQ(failureOf(instance.run()).text(), "runtime: division by zero (test.rflow:4)");
}

TEST(VmParallel, BranchesWithoutEffectsEndAtOnceAndNestedParallelsShareLocals) {
  Flow x;
  TestModule& t = x.t;
  const ConstantId ka = t.str("a");
  // parallel { a = 1; b = get("a") } where b's branch runs its own parallel
  // { c = 3; d = 4 } writing the same frame's locals.
  const FunctionId f = t.function("test.P", {}, t.t_int, {t.t_int, t.t_int, t.t_int, t.t_int},
                                  [&](InstructionWriter& w) {
                                    const uint32_t f1 = w.emitJump(O::kFork);
                                    const uint32_t f2 = w.emitJump(O::kFork);
                                    w.emit(O::kJoin);
                                    w.emit(O::kLoadLocal, 0);
                                    w.emit(O::kLoadLocal, 1);
                                    w.emit(O::kAddInt);
                                    w.emit(O::kLoadLocal, 2);
                                    w.emit(O::kAddInt);
                                    w.emit(O::kLoadLocal, 3);
                                    w.emit(O::kAddInt);
                                    w.emit(O::kReturn);
                                    w.patchJumpHere(f1);
                                    w.emit(O::kConstInt, 1);
                                    w.emit(O::kStoreLocal, 0);
                                    w.emit(O::kEndBranch);
                                    w.patchJumpHere(f2);
                                    const uint32_t g1 = w.emitJump(O::kFork);
                                    const uint32_t g2 = w.emitJump(O::kFork);
                                    w.emit(O::kJoin);
                                    w.emit(O::kConst, ka);
                                    w.emit(O::kCallConnector, x.get, 0);
                                    w.emit(O::kStoreLocal, 1);
                                    w.emit(O::kEndBranch);
                                    w.patchJumpHere(g1);
                                    w.emit(O::kConstInt, 300);
                                    w.emit(O::kStoreLocal, 2);
                                    w.emit(O::kEndBranch);
                                    w.patchJumpHere(g2);
                                    w.emit(O::kConstInt, 4000);
                                    w.emit(O::kStoreLocal, 3);
                                    w.emit(O::kEndBranch);
                                  });
  Instance instance = x.start(f);
  const Waiting w = waitingOf(instance.run());
  ASSERT_EQ(w.requests.size(), 1u);
  EXPECT_EQ(w.requests[0].branch, 2u);
  ASSERT_EQ(instance.resume({{2, Value::integer(20)}}), std::nullopt);
  EXPECT_EQ(completedValue(instance.run()).asInt(), 4321);
}

TEST(VmParallel, CallsAndEffectsBetweenForkAndJoinAreCorrupt) {
  Flow x;
  TestModule& t = x.t;
  const ConstantId text = t.str("x");
  const FunctionId callee = t.function("test.g", {}, t.t_int, {}, [](InstructionWriter& w) {
    w.emit(O::kConstInt, 1);
    w.emit(O::kReturn);
  });
  const FunctionId f = t.function("test.P", {}, t.t_int, {}, [&](InstructionWriter& w) {
    const uint32_t f1 = w.emitJump(O::kFork);
    w.emit(O::kCall, callee);
    w.emit(O::kPop);
    w.emit(O::kJoin);
    w.emit(O::kConstInt, 1);
    w.emit(O::kReturn);
    w.patchJumpHere(f1);
    w.emit(O::kEndBranch);
  });
  const FunctionId g = t.function("test.Q", {}, t.t_int, {}, [&](InstructionWriter& w) {
    const uint32_t f1 = w.emitJump(O::kFork);
    w.emit(O::kConst, text);
    w.emit(O::kNote);
    w.emit(O::kJoin);
    w.emit(O::kConstInt, 1);
    w.emit(O::kReturn);
    w.patchJumpHere(f1);
    w.emit(O::kEndBranch);
  });
  const FunctionId r = t.function("test.R", {}, t.t_int, {}, [&](InstructionWriter& w) {
    const uint32_t f1 = w.emitJump(O::kFork);
    w.emit(O::kJoin);
    w.emit(O::kConstInt, 1);
    w.emit(O::kReturn);
    w.patchJumpHere(f1);
    w.emit(O::kConstInt, 1);
    w.emit(O::kReturn);
  });
  const auto program = t.program();
  EXPECT_EQ(failureOf(runFunction(program, f)).message,
            "the module is corrupt: a Call between Fork and Join");
  EXPECT_EQ(failureOf(runFunction(program, g)).message,
            "the module is corrupt: an effect between Fork and Join");
  EXPECT_EQ(failureOf(runFunction(program, r)).message,
            "the module is corrupt: Return in a parallel branch (it ends with EndBranch)");
}

}  // namespace
}  // namespace rflow::vm::testing
