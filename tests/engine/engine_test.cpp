// The engine end to end on compiled workflows: connector calls, approvals with
// escalation, expiry and policies, tasks, signals, timers, retries, child workflows,
// parallel branches, business keys, SLA breaches, and surviving a restart.
#include <sys/resource.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "engine/classify.h"
#include "engine/figures.h"
#include "engine_fixture.h"

namespace rflow::engine::testing {
namespace {

// A classification's confidence is rounded once, as `rflow classify` prints it: rounding
// to six places and then to four made 0.50075 of 0.5007496 and a test's expected answer
// (taken from `rflow classify`) differ in the last place.
TEST(ConfidenceDecimal, RoundsOnceAsClassifyPrintsIt) {
  for (const double p : {0.5007496, 0.50074999, 0.12345, 0.99995, 0.00004, 0.93}) {
    SCOPED_TRACE(p);
    EXPECT_EQ(confidenceDecimal(p).toString(), fmt::format("{:.4f}", p));
  }
  EXPECT_EQ(confidenceDecimal(0.5007496).toString(), "0.5007");
  EXPECT_EQ(confidenceDecimal(1.5).toString(), "1");
  EXPECT_EQ(confidenceDecimal(-0.1).toString(), "0");
}

TEST_F(EngineTest, ConnectorCallApprovalAndCompletion) {
  open(kPurchase);
  calls_.handler = [](const std::string& op, const std::vector<vm::Value>& args, uint32_t) {
    if (op == "erp.reserve") return ok(vm::Value::string("R-" + std::string(args[0].asString())));
    return ok(vm::Value::boolean(true));
  };
  const auto program = engine_->currentProgram();
  InstanceView v = start("Purchase", {order(*program, "O1", "120.00"), vm::Value::string("ana")});
  EXPECT_EQ(v.status, Status::kWaiting);
  ASSERT_EQ(v.waits.size(), 1u);
  EXPECT_EQ(v.waits[0].kind, WaitKind::kApproval);
  auto tasks = openTasks(v.id);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].record.title, "Pay O1");
  EXPECT_EQ(tasks[0].record.assignee.name, "Buyer");
  EXPECT_EQ(vm::printed(*tasks[0].amount, program->module()), "120.00 USD");

  // The requester may not approve: refused, audited, nothing changes.
  auto refused = decide(tasks[0].record.id, Decision::Kind::kApprove, "ana");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code, EngineError::Code::kRefused);
  EXPECT_EQ(refused->message, "no approving your own order");
  EXPECT_EQ(get(v.id).status, Status::kWaiting);
  EXPECT_EQ(audit(v.id, "refused").size(), 1u);

  EXPECT_FALSE(decide(tasks[0].record.id, Decision::Kind::kApprove, "bo", "fine"));
  v = get(v.id);
  EXPECT_EQ(v.status, Status::kCompleted) << v.error.value_or("");
  EXPECT_EQ(result(v), "R-O1");
  EXPECT_EQ(audit(v.id, "note"), (std::vector<std::string>{"posted true by bo"}));
  EXPECT_EQ(calls_.calls.size(), 2u);
  EXPECT_TRUE(openTasks(v.id).empty());
  // A second decision finds the approval closed.
  auto late = decide(tasks[0].record.id, Decision::Kind::kReject, "cy");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->code, EngineError::Code::kConflict);
}

TEST_F(EngineTest, EscalationThenExpiry) {
  open(kPurchase);
  calls_.handler = [](const std::string&, const std::vector<vm::Value>&, uint32_t) {
    return ok(vm::Value::string("R"));
  };
  const auto program = engine_->currentProgram();
  InstanceView v = start("Purchase", {order(*program, "O2", "5.00"), vm::Value::string("ana")});
  advance(23 * kHour);
  EXPECT_EQ(openTasks(v.id)[0].record.assignee.name, "Buyer");
  advance(1 * kHour);
  auto tasks = openTasks(v.id);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].record.assignee.name, "Director");
  EXPECT_EQ(tasks[0].record.escalated, 1u);
  advance(24 * kHour);
  v = get(v.id);
  EXPECT_EQ(v.status, Status::kCompleted);
  EXPECT_EQ(result(v), "declined");
  EXPECT_EQ(audit(v.id, "note"), (std::vector<std::string>{"declined: Expired by nobody"}));
  EXPECT_EQ(audit(v.id, "expired").size(), 1u);
}

TEST_F(EngineTest, ALiveKeyRefusesASecondStart) {
  open(kPurchase);
  calls_.handler = [](const std::string&, const std::vector<vm::Value>&, uint32_t) {
    return ok(vm::Value::string("R"));
  };
  const auto program = engine_->currentProgram();
  start("Purchase", {order(*program, "O3", "5.00"), vm::Value::string("ana")});
  auto second =
      engine_->start("Purchase", {order(*program, "O3", "5.00"), vm::Value::string("ana")});
  ASSERT_TRUE(std::holds_alternative<EngineError>(second));
  EXPECT_EQ(std::get<EngineError>(second).code, EngineError::Code::kConflict);
  EXPECT_NE(std::get<EngineError>(second).message.find("key \"O3\" is already running"),
            std::string::npos);
}

TEST_F(EngineTest, AStartRequestIdStartsAtMostOnce) {
  open(kPurchase);
  calls_.handler = [](const std::string&, const std::vector<vm::Value>&, uint32_t) {
    return ok(vm::Value::string("R"));
  };
  const auto program = engine_->currentProgram();
  const StartOptions once{.spawn = false, .request_id = "pos-7/return-1"};
  auto first =
      engine_->start("Purchase", {order(*program, "O4", "5.00"), vm::Value::string("ana")}, once);
  ASSERT_TRUE(std::holds_alternative<InstanceView>(first));
  // The same request again (a client that lost the answer) gets the same instance, even
  // though a live instance holds the key: nothing new is started.
  auto again =
      engine_->start("Purchase", {order(*program, "O4", "5.00"), vm::Value::string("ana")}, once);
  ASSERT_TRUE(std::holds_alternative<InstanceView>(again)) << std::get<EngineError>(again).message;
  EXPECT_EQ(std::get<InstanceView>(again).id, std::get<InstanceView>(first).id);
  EXPECT_EQ(engine_->instances({})->size(), 1u);
  auto too_long =
      engine_->start("Purchase", {order(*program, "O5", "5.00"), vm::Value::string("ana")},
                     {.spawn = false, .request_id = std::string(201, 'x')});
  ASSERT_TRUE(std::holds_alternative<EngineError>(too_long));
  EXPECT_EQ(std::get<EngineError>(too_long).code, EngineError::Code::kBadInput);
}

TEST_F(EngineTest, AWaitingInstanceSurvivesARestart) {
  const std::string dir =
      (fs::temp_directory_path() / ("rflow-engine-" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  open(kPurchase, dir);
  calls_.handler = [](const std::string& op, const std::vector<vm::Value>&, uint32_t) {
    return op == "erp.reserve" ? ok(vm::Value::string("R-9")) : ok(vm::Value::boolean(true));
  };
  const auto program = engine_->currentProgram();
  const std::string id =
      start("Purchase", {order(*program, "O9", "9.00"), vm::Value::string("ana")}).id;
  const std::string task = openTasks(id)[0].record.id;
  close();

  open("", dir);
  EXPECT_EQ(*engine_->recover(), 0u);
  EXPECT_EQ(get(id).status, Status::kWaiting);
  EXPECT_FALSE(decide(task, Decision::Kind::kApprove, "bo"));
  EXPECT_EQ(get(id).status, Status::kCompleted);
  EXPECT_EQ(result(get(id)), "R-9");
  close();
  fs::remove_all(dir);
}

TEST_F(EngineTest, ACallSentButNotAnsweredIsSentAgainAfterARestart) {
  const std::string dir =
      (fs::temp_directory_path() / ("rflow-engine-resend-" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  open(kPurchase, dir);
  calls_.hold = true;
  const auto program = engine_->currentProgram();
  auto started =
      engine_->start("Purchase", {order(*program, "O7", "1.00"), vm::Value::string("a")});
  const std::string id = std::get<InstanceView>(started).id;
  ASSERT_EQ(calls_.calls.size(), 1u);
  // The process dies with the call in flight.
  calls_.held.clear();
  engine_.reset();
  store_.reset();
  calls_.hold = false;
  calls_.handler = [](const std::string&, const std::vector<vm::Value>&, uint32_t) {
    return ok(vm::Value::string("R-7"));
  };
  open("", dir);
  EXPECT_EQ(*engine_->recover(), 1u);
  engine_->runUntilIdle();
  ASSERT_EQ(calls_.calls.size(), 2u);
  EXPECT_EQ(calls_.calls[0].substr(calls_.calls[0].find(' ')),
            calls_.calls[1].substr(calls_.calls[1].find(' ')))
      << "the same idempotency key";
  EXPECT_EQ(get(id).waits[0].kind, WaitKind::kApproval);
  close();
  fs::remove_all(dir);
}

constexpr const char* kRetries = R"(module r
connector wms { fn pick(n: int) -> int }
workflow Pick(n: int) -> string {
  owner "ops"
  try {
    let got = wms.pick(n) retry 2 every 1m backoff 2 timeout 5s
    return "picked {got}"
  } catch err {
    return "{err.kind}: {err.message}"
  }
}
)";

TEST_F(EngineTest, RetriesBackOffOnTimersThenRaiseACatchableError) {
  open(kRetries);
  calls_.handler = [](const std::string&, const std::vector<vm::Value>&, uint32_t) {
    return retryable("HTTP 503 Service Unavailable");
  };
  InstanceView v = start("Pick", {vm::Value::integer(3)});
  EXPECT_EQ(v.status, Status::kWaiting);
  EXPECT_EQ(calls_.calls.size(), 1u);
  advance(59'999);
  EXPECT_EQ(calls_.calls.size(), 1u);
  advance(1);
  EXPECT_EQ(calls_.calls.size(), 2u) << "the first retry after `every`";
  advance(2 * 60'000);
  EXPECT_EQ(calls_.calls.size(), 3u) << "the second after every × backoff";
  v = get(v.id);
  EXPECT_EQ(v.status, Status::kCompleted);
  EXPECT_EQ(result(v), "connector: wms.pick: HTTP 503 Service Unavailable");
  EXPECT_EQ(audit(v.id, "retry").size(), 2u);
}

TEST_F(EngineTest, ASuccessfulRetryGivesTheResult) {
  open(kRetries);
  calls_.handler = [](const std::string&, const std::vector<vm::Value>& args, uint32_t attempt) {
    return attempt < 2 ? retryable("timed out") : ok(vm::Value::integer(args[0].asInt() * 10));
  };
  InstanceView v = start("Pick", {vm::Value::integer(4)});
  advance(60'000);
  EXPECT_EQ(result(get(v.id)), "picked 40");
}

// Both payments arrive during the sleep; the step after it runs both awaits. The second
// must take the second payment: the first one's removal is only in the step's batch
// until the commit, so a scan of the store alone would hand the first one out twice
// and leave the second queued for good.
TEST_F(EngineTest, QueuedSignalsAreTakenOnceEachByAwaitsOfOneStep) {
  open(kSignals);
  InstanceView v = start("Later", {});
  const auto paid = *engine_->currentProgram()->recordIndex("s.Paid");
  EXPECT_FALSE(engine_->signal(v.id, "Paid", vm::Value::record(paid, {vm::Value::string("P1")})));
  EXPECT_FALSE(engine_->signal(v.id, "Paid", vm::Value::record(paid, {vm::Value::string("P2")})));
  advance(kHour);
  v = get(v.id);
  EXPECT_EQ(v.status, Status::kCompleted);
  EXPECT_EQ(result(v), "P1 P2");
  size_t queued = 0;
  (void)store_->scan(store::Column::kSignals, "",
                     [&](std::string_view, std::string_view) { return ++queued, true; });
  EXPECT_EQ(queued, 0u);
}

TEST_F(EngineTest, SignalsAreQueuedAndAwaitsTimeOut) {
  open(kSignals);
  InstanceView v = start("Wait", {});
  const auto program = engine_->currentProgram();
  const auto paid = *program->recordIndex("s.Paid");
  EXPECT_FALSE(engine_->signal(v.id, "Paid", vm::Value::record(paid, {vm::Value::string("P1")})));
  engine_->runUntilIdle();
  EXPECT_EQ(get(v.id).waits[0].kind, WaitKind::kSignal);
  advance(kHour);
  v = get(v.id);
  EXPECT_EQ(v.status, Status::kCompleted);
  EXPECT_EQ(result(v), "P1 -");
  auto late = engine_->signal(v.id, "Paid", vm::Value::record(paid, {vm::Value::string("P2")}));
  ASSERT_TRUE(late);
  EXPECT_EQ(late->code, EngineError::Code::kConflict);
  auto unknown = engine_->signal(v.id, "Nope", vm::Value());
  ASSERT_TRUE(unknown);
}

constexpr const char* kSignalRequests = R"(module s
signal Paid { reference: string }
signal Held { why: string }
workflow Wait() -> string {
  owner "ops"
  let first = await Paid timeout 1h
  let second = await Paid timeout 1h
  let held = await Held timeout 1h
  return "{first?.reference ?? "-"} {second?.reference ?? "-"} {held?.why ?? "-"}"
}
)";

// A client that lost the answer to a signal (the service was killed after the commit)
// sends it again with the same request id: it must not be taken as the next payment.
TEST_F(EngineTest, ASignalRequestIdDeliversAtMostOnce) {
  open(kSignalRequests);
  InstanceView v = start("Wait", {});
  const auto program = engine_->currentProgram();
  const auto paid = *program->recordIndex("s.Paid");
  const auto held = *program->recordIndex("s.Held");
  const auto payment = [&](const char* reference) {
    return vm::Value::record(paid, {vm::Value::string(reference)});
  };
  EXPECT_FALSE(engine_->signal(v.id, "Paid", payment("P1"), "pay-1"));
  EXPECT_FALSE(engine_->signal(v.id, "Paid", payment("P1"), "pay-1"));
  // Queued (the instance waits for the first payment no more), then repeated.
  EXPECT_FALSE(engine_->signal(v.id, "Paid", payment("P2"), "pay-2"));
  EXPECT_FALSE(engine_->signal(v.id, "Paid", payment("P2"), "pay-2"));
  engine_->runUntilIdle();
  EXPECT_EQ(audit(v.id, "signal").size() + audit(v.id, "signal queued").size(), 2u);
  // The same id for another signal is a conflict, and delivers nothing.
  auto other =
      engine_->signal(v.id, "Held", vm::Value::record(held, {vm::Value::string("x")}), "pay-2");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->code, EngineError::Code::kConflict);
  EXPECT_NE(other->message.find("request id pay-2 already delivered `Paid`"), std::string::npos)
      << other->message;
  auto too_long = engine_->signal(v.id, "Paid", payment("P3"), std::string(201, 'x'));
  ASSERT_TRUE(too_long);
  EXPECT_EQ(too_long->code, EngineError::Code::kBadInput);
  EXPECT_EQ(get(v.id).status, Status::kWaiting);
  EXPECT_FALSE(
      engine_->signal(v.id, "Held", vm::Value::record(held, {vm::Value::string("h")}), "hold-1"));
  engine_->runUntilIdle();
  v = get(v.id);
  EXPECT_EQ(v.status, Status::kCompleted);
  EXPECT_EQ(result(v), "P1 P2 h");
  // Once the instance has ended, a repeat still answers as the first did; a new signal
  // is refused as before. Without an id nothing changes: every signal is delivered.
  EXPECT_FALSE(
      engine_->signal(v.id, "Held", vm::Value::record(held, {vm::Value::string("h")}), "hold-1"));
  auto late = engine_->signal(v.id, "Paid", payment("P3"), "pay-3");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->code, EngineError::Code::kConflict);
  EXPECT_EQ(audit(v.id, "signal").size() + audit(v.id, "signal queued").size(), 3u);
}

// Decisions take a request id like starts and signals: a client that lost the answer
// sends the decision again and gets the first one's answer, nothing decided twice.
TEST_F(EngineTest, ADecisionRequestIdDecidesAtMostOnce) {
  open(kPurchase);
  answerErpAtOnce();
  const auto program = engine_->currentProgram();
  const std::string id =
      start("Purchase", {order(*program, "O1", "5.00"), vm::Value::string("ana")}).id;
  const std::string task = openTasks(id)[0].record.id;
  const auto decideWith = [&](const char* user, Decision::Kind kind, std::string request) {
    Decision d;
    d.task = task;
    d.kind = kind;
    d.user = user;
    d.request_id = std::move(request);
    auto error = engine_->decide(d);
    engine_->runUntilIdle();
    return error;
  };
  // A policy refusal is remembered too: the repeat is refused alike, audited once.
  auto refused = decideWith("ana", Decision::Kind::kApprove, "d-0");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, EngineError::Code::kRefused);
  auto again = decideWith("ana", Decision::Kind::kApprove, "d-0");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->code, EngineError::Code::kRefused);
  EXPECT_EQ(again->message, refused->message);
  EXPECT_EQ(audit(id, "refused").size(), 1u);

  // The decision that commits answers its task and instance as committed; a repeat,
  // which commits nothing, answers neither (the caller reads them).
  Decision first;
  first.task = task;
  first.user = "bo";
  first.request_id = "d-1";
  Decided after;
  EXPECT_FALSE(engine_->decide(first, &after));
  engine_->runUntilIdle();
  ASSERT_TRUE(after.task && after.instance);
  EXPECT_EQ(after.task->record.status, TaskStatus::kApproved);
  EXPECT_EQ(after.task->record.approved_by, (std::vector<std::string>{"bo"}));
  EXPECT_EQ(after.instance->id, id);
  // As the decision's step left it: waiting for the ERP call the approval leads to (its
  // answer comes in a step of its own).
  EXPECT_EQ(after.instance->status, Status::kWaiting);
  ASSERT_EQ(after.instance->waits.size(), 1u);
  EXPECT_EQ(after.instance->waits[0].kind, WaitKind::kConnector);
  EXPECT_LE(after.instance->updated_at, get(id).updated_at);
  EXPECT_EQ(after.instance->args.size(), get(id).args.size());
  Decided repeated;
  EXPECT_FALSE(engine_->decide(first, &repeated)) << "a repeat succeeds";
  EXPECT_FALSE(repeated.task || repeated.instance);
  EXPECT_EQ(audit(id, "approved").size(), 1u);
  EXPECT_EQ(get(id).status, Status::kCompleted);
  auto other = decideWith("bo", Decision::Kind::kReject, "d-1");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->code, EngineError::Code::kConflict);
  EXPECT_NE(other->message.find("request id d-1 already approved"), std::string::npos)
      << other->message;
  // Without an id, or with a new one, a closed task is a conflict as before.
  auto closed = decideWith("bo", Decision::Kind::kApprove, "");
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->code, EngineError::Code::kConflict);
  auto too_long = decideWith("bo", Decision::Kind::kApprove, std::string(201, 'x'));
  ASSERT_TRUE(too_long);
  EXPECT_EQ(too_long->code, EngineError::Code::kBadInput);
  EXPECT_EQ(audit(id, "approved").size(), 1u);
}

// A decision may name its task's instance (the service read the task to check who may
// decide it), so the engine locks it without reading the task first; a wrong name, or one
// of no instance, still decides the task of the right instance and no other.
TEST_F(EngineTest, ADecisionThatNamesAnotherInstanceDecidesItsOwnTask) {
  open(kPurchase);
  answerErpAtOnce();
  const auto program = engine_->currentProgram();
  const std::string a =
      start("Purchase", {order(*program, "A1", "5.00"), vm::Value::string("ana")}).id;
  const std::string b =
      start("Purchase", {order(*program, "B1", "5.00"), vm::Value::string("ana")}).id;
  const std::string c =
      start("Purchase", {order(*program, "C1", "5.00"), vm::Value::string("ana")}).id;
  const auto approve = [&](const std::string& task, std::string instance) {
    Decision d;
    d.task = task;
    d.user = "bo";
    d.instance = std::move(instance);
    Decided after;
    auto error = engine_->decide(d, &after);
    engine_->runUntilIdle();
    EXPECT_FALSE(error) << (error ? error->message : "");
    return after;
  };
  Decided right = approve(openTasks(a)[0].record.id, a);
  ASSERT_TRUE(right.instance);
  EXPECT_EQ(right.instance->id, a);
  Decided wrong = approve(openTasks(b)[0].record.id, c);
  ASSERT_TRUE(wrong.instance);
  EXPECT_EQ(wrong.instance->id, b);
  EXPECT_EQ(get(b).status, Status::kCompleted);
  EXPECT_EQ(get(c).status, Status::kWaiting) << "the instance named wrongly is untouched";
  Decided none = approve(openTasks(c)[0].record.id, "in-none");
  ASSERT_TRUE(none.instance);
  EXPECT_EQ(none.instance->id, c);
  EXPECT_EQ(get(a).status, Status::kCompleted);
  EXPECT_EQ(get(c).status, Status::kCompleted);

  Decision missing;
  missing.task = "tk-none";
  missing.user = "bo";
  missing.instance = a;
  auto error = engine_->decide(missing);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, EngineError::Code::kNotFound);
}

constexpr const char* kKeyedPayment = R"(module k
signal Paid { reference: string }
workflow Settle(order: string) -> string {
  owner "finance"
  key order
  let paid = await Paid timeout 1h
  return paid?.reference ?? "-"
}
)";

// By business key, the signal that ends the instance is the one whose answer is most
// likely lost to a kill: sent again by key with its request id, it must find the ended
// instance and answer as the first did, not 404.
TEST_F(EngineTest, ASignalSentAgainByKeyFindsItsInstanceAfterItEnded) {
  open(kKeyedPayment);
  const InstanceView v = start("Settle", {vm::Value::string("O-1")});
  const auto paid = *engine_->currentProgram()->recordIndex("k.Paid");
  const vm::Value payment = vm::Value::record(paid, {vm::Value::string("P-1")});
  EXPECT_FALSE(engine_->signalByKey("Settle", "O-1", "Paid", payment, "pay-1"));
  engine_->runUntilIdle();
  ASSERT_EQ(get(v.id).status, Status::kCompleted);
  EXPECT_FALSE(engine_->signalByKey("Settle", "O-1", "Paid", payment, "pay-1"));
  EXPECT_EQ(*engine_->instanceForKey("k.Settle", "O-1", "pay-1"), v.id);
  EXPECT_EQ(audit(v.id, "signal").size(), 1u);
  // Without the id, or with a new one, an ended instance's key names nobody.
  auto fresh = engine_->signalByKey("Settle", "O-1", "Paid", payment, "pay-2");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->code, EngineError::Code::kNotFound);
  EXPECT_TRUE(engine_->instanceForKey("Settle", "O-1").notFound());
}

constexpr const char* kChildren = R"(module c
connector erp { fn value(n: int) -> int }
workflow Child(n: int) -> int {
  owner "ops"
  if n < 0 {
    fail "negative {n}"
  }
  return erp.value(n) timeout 5s
}
workflow Parent(n: int) -> string {
  owner "ops"
  parallel {
    a = erp.value(n) timeout 5s
    b = erp.value(n + 1) timeout 5s
  }
  let c = start Child(a + b)
  let id = spawn Child(1)
  try {
    let bad = start Child(-1)
  } catch err {
    note "{err.kind}: {err.message}"
  }
  return "{a} {b} {c}"
}
)";

// Several committers (GroupCommitOptions::committers) take groups in turn: starts made
// on many threads at once are each committed once, and every caller is answered.
TEST_F(EngineTest, StartsOnManyThreadsAreCommittedByTwoCommitters) {
  EngineOptions options;
  options.commits.committers = 2;
  open(kPurchase, "/mem", options);
  answerErpAtOnce();
  const auto program = engine_->currentProgram();
  constexpr int kThreads = 8;
  constexpr int kEach = 40;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto started = engine_->start(
            "Purchase",
            {order(*program, fmt::format("O{}-{}", t, i), "5.00"), vm::Value::string("ana")});
        if (auto* view = std::get_if<InstanceView>(&started)) ids[t].push_back(view->id);
      }
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  engine_->runUntilIdle();
  std::set<std::string> all;
  for (const auto& some : ids)
    all.insert(some.begin(), some.end());
  EXPECT_EQ(all.size(), size_t{kThreads * kEach});
  InstanceFilter every;
  every.limit = 1000;
  EXPECT_EQ(engine_->instances(every)->size(), all.size());
  for (const std::string& id : all)
    EXPECT_EQ(get(id).status, Status::kWaiting) << id;
}

// The committers run at GroupCommitOptions::nice, or the engine says why not: the test
// finds the thread by its name and asks the kernel for its nice value.
TEST_F(EngineTest, CommittersRunAtTheirNiceValueOrSayWhyNot) {
  const auto committerNices = [] {
    std::vector<int> nices;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      std::getline(comm, name);
      if (name != "rflow-commit") continue;
      errno = 0;
      const int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(std::stoi(
                                                       task.path().filename().string())));
      if (errno == 0) nices.push_back(nice);
    }
    return nices;
  };
  const int own = ::getpriority(PRIO_PROCESS, 0);
  for (const int wanted : {-7, 0}) {
    EngineOptions options;
    options.commits.committers = 2;
    options.commits.nice = wanted;
    open(kPurchase, "/mem", options);
    const std::string& problem = engine_->commitPriorityProblem();
    const int expected = problem.empty() && wanted != 0 ? wanted : own;
    EXPECT_EQ(committerNices(), (std::vector<int>{expected, expected})) << wanted;
    if (wanted == 0) {
      EXPECT_EQ(problem, "");
    }
    if (!problem.empty()) {
      EXPECT_NE(problem.find("CAP_SYS_NICE"), std::string::npos) << problem;
    }
    engine_.reset();
    store_.reset();
  }
  EXPECT_EQ(committerNices(), std::vector<int>{}) << "every committer stopped with its engine";
}

TEST_F(EngineTest, ParallelBranchesAndChildWorkflows) {
  open(kChildren);
  calls_.hold = true;
  InstanceView v = start("Parent", {vm::Value::integer(2)});
  ASSERT_EQ(calls_.held.size(), 2u) << "both branches call before either is answered";
  // Answer the second branch first; both answers are queued before either is processed.
  calls_.handler = [](const std::string&, const std::vector<vm::Value>& args, uint32_t) {
    return ok(vm::Value::integer(args[0].asInt() + 1));
  };
  auto held = std::move(calls_.held);
  calls_.held.clear();
  calls_.hold = false;
  for (size_t i : {1u, 0u}) {
    auto& [request, done] = held[i];
    auto list = decodeValue(request.args, request.program->module());
    CallResult r = ok(vm::Value::integer(list->listItems()[0].asInt() * 100));
    r.instance = request.instance;
    r.request = request.request;
    r.attempt = request.attempt;
    done(r);
  }
  engine_->runUntilIdle();
  // Children run after the parent's step; the parent resumes from its inbox.
  for (int i = 0; i < 5; ++i)
    engine_->runUntilIdle();
  v = get(v.id);
  EXPECT_EQ(v.status, Status::kCompleted) << v.error.value_or("");
  EXPECT_EQ(result(v), "200 300 501");
  const auto notes = audit(v.id, "note");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("child: in-"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("fail: negative -1"), std::string::npos) << notes[0];
  // A `start`ed child names its parent (it hands its result back); a `spawn`ed one names
  // the instance that spawned it, and has no parent.
  const auto spawned = audit(v.id, "spawned");
  ASSERT_EQ(spawned.size(), 1u);
  const InstanceView child = get(spawned[0].substr(spawned[0].find(' ') + 1));
  EXPECT_EQ(child.spawned_by, v.id);
  EXPECT_EQ(child.parent, std::nullopt);
  const auto started = audit(v.id, "child started");
  ASSERT_FALSE(started.empty());
  const InstanceView first = get(started[0].substr(started[0].find(' ') + 1));
  EXPECT_EQ(first.parent, v.id);
  EXPECT_EQ(first.spawned_by, std::nullopt);
}

constexpr const char* kSla = R"(module sla
role Ops "Ops"
signal Done
workflow Slow() {
  owner "ops"
  sla 2h on breach {
    notify Ops "Slow is late"
  }
  let d = await Done
}
)";

TEST_F(EngineTest, SlaBreachRunsTheHandlerOnce) {
  open(kSla);
  InstanceView v = start("Slow", {});
  advance(2 * kHour);
  v = get(v.id);
  EXPECT_TRUE(v.breached);
  EXPECT_EQ(v.status, Status::kWaiting);
  EXPECT_EQ(audit(v.id, "notify"), (std::vector<std::string>{"Slow is late"}));
  EXPECT_EQ(engine_->cancel(v.id, "admin"), std::nullopt);
  EXPECT_EQ(get(v.id).status, Status::kCancelled);
}

constexpr const char* kTask = R"(module t
role Clerk "Clerk"
workflow Count() -> int {
  owner "ops"
  let counted = task "Count aisle 4" {
    assign Clerk
    due 4h
    escalate after 2h to Clerk
    form { units: int, remarks: string? }
  }
  return counted.units
}
)";

TEST_F(EngineTest, TasksTakeAFormAndBecomeOverdue) {
  open(kTask);
  InstanceView v = start("Count", {});
  advance(4 * kHour);
  auto tasks = openTasks(v.id);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_TRUE(tasks[0].record.overdue) << "a task never expires; it is overdue";
  Decision d;
  d.task = tasks[0].record.id;
  d.kind = Decision::Kind::kComplete;
  d.user = "cy";
  d.form = {{"units", vm::Value::string("many")}};
  auto wrong = engine_->decide(d);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->code, EngineError::Code::kBadInput);
  d.form = {{"unitz", vm::Value::integer(1)}};
  ASSERT_TRUE(engine_->decide(d));
  d.form = {{"units", vm::Value::integer(17)}};
  EXPECT_FALSE(engine_->decide(d));
  engine_->runUntilIdle();
  EXPECT_EQ(result(get(v.id)), "17");
}

TEST_F(EngineTest, RunningInstancesStayOnTheVersionTheyStartedWith) {
  open(kPurchase);
  answerErpAtOnce();
  const auto v1 = engine_->currentProgram();
  const std::string old_id =
      start("Purchase", {order(*v1, "O1", "5.00"), vm::Value::string("ana")}).id;
  const std::string old_task = openTasks(old_id)[0].record.id;

  // Version 2 returns something else after the approval.
  std::string source = kPurchase;
  source.replace(source.find("  return ref\n"), 13, "  return \"v2 \" + ref\n");
  auto deployed = engine_->deploy(compile(source));
  ASSERT_TRUE(std::holds_alternative<std::string>(deployed));
  EXPECT_NE(std::get<std::string>(deployed), get(old_id).version);
  const auto v2 = engine_->currentProgram();
  const std::string new_id =
      start("Purchase", {order(*v2, "O2", "5.00"), vm::Value::string("ana")}).id;
  EXPECT_EQ(get(new_id).version, std::get<std::string>(deployed));

  EXPECT_FALSE(decide(old_task, Decision::Kind::kApprove, "bo"));
  EXPECT_EQ(result(get(old_id)), "R-1") << "the old instance ran version 1's code";
  EXPECT_FALSE(decide(openTasks(new_id)[0].record.id, Decision::Kind::kApprove, "bo"));
  EXPECT_EQ(result(get(new_id)), "v2 R-1");
}

// intelligence.md §2: tracked values and header measures are computed at start and kept
// with the instance (listable by them); the `measure` statement replaces
// a measure, audited; a second currency for one measure fails the instance.
TEST_F(EngineTest, TrackedValuesAndMeasuresAreKeptWithTheInstance) {
  open(R"(module shop
workflow Claim(region: string, store: string, amount: money, other: money) {
  owner "ops"
  track region = region, store = store
  measure value = amount
  sleep 1h
  measure value = amount + amount
  measure cost = amount
  if region == "US" { measure cost = other }
}
)");
  const auto money = [](const char* amount, const char* currency) {
    return vm::Value::money(
        base::Money(*base::Decimal::parse(amount), *base::CurrencyCode::parse(currency)));
  };
  InstanceView v = start("Claim", {vm::Value::string("EU"), vm::Value::string("S-7"),
                                   money("10.00", "EUR"), money("1.00", "USD")});
  EXPECT_EQ(v.status, Status::kWaiting);
  auto figures = engine_->figures(v.id);
  ASSERT_TRUE(figures);
  EXPECT_EQ(figures->tracked,
            (std::vector<std::pair<std::string, std::string>>{{"region", "EU"}, {"store", "S-7"}}));
  // From the start's answer, without reading the record again: the same.
  auto from_view = engine_->figures(v);
  ASSERT_TRUE(from_view);
  EXPECT_EQ(from_view->tracked, figures->tracked);
  ASSERT_EQ(from_view->measures.size(), 1u);
  EXPECT_EQ(from_view->measures[0].text(), "10.00 EUR");
  ASSERT_EQ(figures->measures.size(), 1u);
  EXPECT_EQ(figures->measures[0].text(), "10.00 EUR");
  // Listable by its tracked values, all of a filter's together; another value finds none.
  InstanceView other = start("Claim", {vm::Value::string("EU"), vm::Value::string("S-9"),
                                       money("1.00", "EUR"), money("1.00", "USD")});
  const auto listed = [&](std::vector<std::pair<std::string, std::string>> dimensions) {
    InstanceFilter filter;
    filter.workflow = "shop.Claim";
    filter.dimensions = std::move(dimensions);
    auto found = engine_->instances(filter);
    EXPECT_TRUE(found) << (found ? "" : found.error().message);
    std::vector<std::string> ids;
    if (found)
      for (const InstanceView& i : *found)
        ids.push_back(i.id);
    return ids;
  };
  EXPECT_EQ(listed({{"region", "EU"}}), (std::vector<std::string>{v.id, other.id}));
  EXPECT_EQ(listed({{"region", "EU"}, {"store", "S-7"}}), (std::vector<std::string>{v.id}));
  EXPECT_EQ(listed({{"store", "S-9"}}), (std::vector<std::string>{other.id}));
  EXPECT_TRUE(listed({{"region", "US"}}).empty());
  EXPECT_TRUE(listed({{"region", "EU"}, {"store", "S-8"}}).empty());
  // Old stores hold a "dim" index in kMeta; nothing writes it now.
  std::vector<std::string> index_keys;
  ASSERT_TRUE(store_
                  ->scan(store::Column::kMeta, "dim",
                         [&](std::string_view key, std::string_view) {
                           index_keys.emplace_back(key);
                           return true;
                         })
                  .ok());
  EXPECT_TRUE(index_keys.empty());

  advance(3'600'000);
  v = get(v.id);
  EXPECT_EQ(v.status, Status::kCompleted) << v.error.value_or("");
  figures = engine_->figures(v.id);
  ASSERT_TRUE(figures);
  ASSERT_EQ(figures->measures.size(), 2u);
  EXPECT_EQ(figures->measures[0].text(), "20.00 EUR");
  EXPECT_EQ(figures->measures[1].text(), "10.00 EUR");
  EXPECT_EQ(audit(v.id, "measured"), (std::vector<std::string>{"value", "cost"}));

  // The same measure in dollars after euros: the instance fails, saying why.
  InstanceView us = start("Claim", {vm::Value::string("US"), vm::Value::string("S-8"),
                                    money("10.00", "EUR"), money("1.00", "USD")});
  advance(3'600'000);
  us = get(us.id);
  EXPECT_EQ(us.status, Status::kFailed);
  EXPECT_NE(us.error.value_or("").find("measure `cost` is kept in EUR, so it cannot be set to "
                                       "1.00 USD"),
            std::string::npos)
      << us.error.value_or("");
}

// Instances started before their record kept the figures have them under a key of their
// own: they are still read, and their next `measure` moves them into the record.
TEST_F(EngineTest, FiguresKeptBesideTheRecordAreReadAndMovedIn) {
  const std::string dir =
      (fs::temp_directory_path() / ("rflow-engine-old-figures-" + std::to_string(::getpid())))
          .string();
  fs::remove_all(dir);
  open(R"(module shop
workflow Claim(region: string, amount: int) {
  owner "ops"
  track region = region
  measure value = amount
  sleep 1h
  measure value = amount + 1
}
)",
       dir);
  const std::string id = start("Claim", {vm::Value::string("EU"), vm::Value::integer(5)}).id;
  close();
  {
    // The instance as an older rflow wrote it: no figures in the record, a key instead.
    open("", dir);
    close();
    auto opened = store::Store::open(
        dir, {.durability = store::Durability::kSync, .in_memory = false, .env = {}});
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
    auto& raw = *std::get<std::unique_ptr<store::Store>>(opened);
    auto bytes = raw.get(store::Column::kInstances, id);
    ASSERT_TRUE(bytes.ok() && bytes.value());
    auto rec = InstanceRecord::decode(*bytes.value());
    ASSERT_TRUE(rec);
    ASSERT_FALSE(rec->figures.empty());
    store::Batch batch;
    batch.put(store::Column::kMeta, keys::figures(id), rec->figures);
    rec->figures.clear();
    batch.put(store::Column::kInstances, id, rec->encode());
    ASSERT_TRUE(raw.commit(batch).ok());
  }
  open("", dir);
  auto figures = engine_->figures(id);
  ASSERT_TRUE(figures);
  ASSERT_EQ(figures->measures.size(), 1u);
  EXPECT_EQ(figures->measures[0].text(), "5");
  auto from_view = engine_->figures(get(id));
  ASSERT_TRUE(from_view);
  ASSERT_EQ(from_view->measures.size(), 1u) << "a view's empty figures still find the key";
  EXPECT_EQ(from_view->measures[0].text(), "5");
  EXPECT_EQ(figures->tracked, (std::vector<std::pair<std::string, std::string>>{{"region", "EU"}}));
  // Listed by its tracked value, read from the key beside the record.
  InstanceFilter by_region;
  by_region.workflow = "shop.Claim";
  by_region.dimensions = {{"region", "EU"}};
  auto listed = engine_->instances(by_region);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, id);
  by_region.dimensions = {{"region", "US"}};
  listed = engine_->instances(by_region);
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());

  advance(3'600'000);
  EXPECT_EQ(get(id).status, Status::kCompleted);
  figures = engine_->figures(id);
  ASSERT_TRUE(figures);
  ASSERT_EQ(figures->measures.size(), 1u);
  EXPECT_EQ(figures->measures[0].text(), "6");
  auto old_key = store_->get(store::Column::kMeta, keys::figures(id));
  ASSERT_TRUE(old_key.ok());
  EXPECT_FALSE(old_key.value().has_value()) << "moved into the record";
  close();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rflow::engine::testing
