// The engine and its store (issue 8, issue 13): a failing, full or unsyncable disk
// refuses work and loses nothing; a read that fails is an error, never an absence; a
// step whose failed sync landed after all is carried on; the audit trail names an
// altered, missing or cut-off entry.
#include "engine/audit_verify.h"
#include "engine/keys.h"
#include "engine_fixture.h"

namespace rflow::engine::testing {
namespace {

// Storage faults (issue 8): while the disk fails, new work is refused with a storage
// error and nothing of it is stored; a connector answer whose step cannot be committed
// waits, and everything carries on when writes work again.
TEST_F(EngineTest, AFailingDiskRefusesWorkAndNothingIsLostWhenItComesBack) {
  const std::string dir =
      (fs::temp_directory_path() / ("rflow-engine-faults-" + std::to_string(::getpid()))).string();
  auto faults = std::make_shared<store::FaultSwitch>();
  openOnFaultyDisk(dir, faults, kPurchase);
  const auto program = engine_->currentProgram();
  calls_.hold = true;
  const std::string id =
      std::get<InstanceView>(
          engine_->start("Purchase", {order(*program, "O1", "5.00"), vm::Value::string("ana")}))
          .id;
  ASSERT_EQ(calls_.held.size(), 1u);

  faults->set(store::Fault::kWriteError);
  // A new start is refused and leaves nothing behind.
  auto refused =
      engine_->start("Purchase", {order(*program, "O2", "5.00"), vm::Value::string("ana")});
  ASSERT_TRUE(std::holds_alternative<EngineError>(refused));
  EXPECT_EQ(std::get<EngineError>(refused).code, EngineError::Code::kStorage);
  EXPECT_TRUE(engine_->storageFailing());
  // The ERP answers while the disk fails: the step cannot be committed, so it waits.
  answerHeld(ok(vm::Value::string("R-1")));
  engine_->runUntilIdle(false);
  EXPECT_EQ(engine_->stalledWork(), 1u);
  EXPECT_EQ(get(id).status, Status::kWaiting);
  EXPECT_TRUE(openTasks(id).empty());

  // The disk is back: the next timer tick retries the stalled step.
  faults->set(store::Fault::kNone);
  engine_->fireTimers(clock_.now());
  engine_->runUntilIdle(false);
  EXPECT_EQ(engine_->stalledWork(), 0u);
  EXPECT_FALSE(engine_->storageFailing());
  ASSERT_EQ(openTasks(id).size(), 1u) << "the answer was not lost";
  EXPECT_EQ(engine_->instances({})->size(), 1u) << "the refused start left nothing";
  EXPECT_EQ(audit(id, "answered").size(), 1u);
  close();
  fs::remove_all(dir);
}

// A failed sync leaves a commit's outcome unknown (issue 8): the batch may be in the log
// and come back when the store reopens. Here a decision's commit fails its sync and is
// refused, yet lands: once the disk is back, the timer tick reopens the store and
// recovers as after a crash, so the call the decision made is sent and the instance
// finishes, with the decision applied once.
TEST_F(EngineTest, AStepWhoseFailedSyncLandedAfterAllIsCarriedOn) {
  const std::string dir =
      (fs::temp_directory_path() / ("rflow-engine-sync-" + std::to_string(::getpid()))).string();
  auto faults = std::make_shared<store::FaultSwitch>();
  openOnFaultyDisk(dir, faults, kPurchase);
  answerErpAtOnce();
  const auto program = engine_->currentProgram();
  const std::string id =
      start("Purchase", {order(*program, "O1", "5.00"), vm::Value::string("ana")}).id;
  ASSERT_EQ(openTasks(id).size(), 1u);
  const std::string task = openTasks(id)[0].record.id;

  faults->set(store::Fault::kSyncError);
  calls_.hold = true;
  const std::optional<EngineError> refused = decide(task, Decision::Kind::kApprove, "bo");
  ASSERT_TRUE(refused.has_value()) << "a commit whose sync failed must not report success";
  EXPECT_EQ(refused->code, EngineError::Code::kStorage);
  EXPECT_TRUE(calls_.held.empty()) << "nothing is sent for a step that was refused";

  faults->set(store::Fault::kNone);
  engine_->fireTimers(clock_.now());
  engine_->runUntilIdle(false);
  EXPECT_FALSE(engine_->storageFailing()) << "the timer tick found the disk back";
  // The reopened store replayed the log: the decision is there, so its call must go out.
  ASSERT_EQ(engine_->task(task)->record.status, TaskStatus::kApproved);
  ASSERT_EQ(calls_.held.size(), 1u) << "the landed step's call was sent on recovery";
  answerHeld(ok(vm::Value::boolean(true)));
  engine_->runUntilIdle(false);
  EXPECT_EQ(get(id).status, Status::kCompleted);
  EXPECT_EQ(result(get(id)), "R-1");
  EXPECT_EQ(audit(id, "approved").size(), 1u);
  // A second decision is refused as for any decided task: applied once.
  EXPECT_TRUE(decide(task, Decision::Kind::kApprove, "bo").has_value());
  close();
  fs::remove_all(dir);
}

// A read that fails is an error, never an absence (issue 13): an instance that cannot be
// read is not "not found", and no step runs on half of what it needs. Each of these
// reads reaches the disk: the store was reopened (nothing cached) and the records sit in
// table files, not in the last block a start-up read touches.
TEST_F(EngineTest, AReadErrorIsAnErrorNotAnAbsence) {
  const std::string dir =
      (fs::temp_directory_path() / ("rflow-engine-reads-" + std::to_string(::getpid()))).string();
  auto faults = std::make_shared<store::FaultSwitch>();
  openOnFaultyDisk(dir, faults, kPurchase);
  answerErpAtOnce();
  const auto program = engine_->currentProgram();
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i)
    ids.push_back(start("Purchase",
                        {order(*program, fmt::format("O{}", i), "5.00"), vm::Value::string("ana")})
                      .id);
  const std::string task = openTasks(ids[0])[0].record.id;
  calls_.hold = true;  // one call stays pending, for recovery to find
  start("Purchase", {order(*program, "O-pending", "5.00"), vm::Value::string("ana")});
  ASSERT_TRUE(store_->flush().ok());
  reopenOnFaultyDisk(dir, faults);
  faults->set(store::Fault::kReadError);

  const auto storage = [](const auto& found, const char* what) {
    ASSERT_FALSE(found.ok()) << what;
    EXPECT_EQ(found.error().code, EngineError::Code::kStorage)
        << what << ": " << found.error().message;
  };
  storage(engine_->instance(ids[0]), "instance");
  storage(engine_->history(ids[0]), "history");
  storage(engine_->task(task), "task");
  storage(engine_->instances({}), "instances");
  storage(engine_->recover(), "recover");
  const auto refused = [](const std::optional<EngineError>& error, const char* what) {
    ASSERT_TRUE(error) << what;
    EXPECT_EQ(error->code, EngineError::Code::kStorage) << what << ": " << error->message;
  };
  Decision d;
  d.task = task;
  d.user = "bo";
  refused(engine_->decide(d), "decide");
  refused(engine_->cancel(ids[0], "ops"), "cancel");
  EXPECT_GT(faults->injected(), 0u);

  faults->set(store::Fault::kNone);
  EXPECT_EQ(get(ids[0]).status, Status::kWaiting) << "nothing changed";
  EXPECT_FALSE(decide(task, Decision::Kind::kApprove, "bo"));
  EXPECT_EQ(get(ids[0]).status, Status::kCompleted);
  close();
  fs::remove_all(dir);
}

// A caller that takes a CommitTicket (the HTTP transport) gets its answer when the step
// is handed to the commit pipeline, and the ticket tells it whether the step is durable:
// ok, or a failure after which nothing of the step is stored. A start that needed no
// step (a repeated request id) leaves the ticket unarmed: its answer stands as it is.
TEST_F(EngineTest, ATicketTellsACallerThatDidNotWaitWhetherItsStepIsDurable) {
  const std::string dir =
      (fs::temp_directory_path() / ("rflow-engine-ticket-" + std::to_string(::getpid()))).string();
  auto faults = std::make_shared<store::FaultSwitch>();
  openOnFaultyDisk(dir, faults, kPurchase);
  answerErpAtOnce();
  const auto program = engine_->currentProgram();
  const auto startWith = [&](const char* order_id, const std::shared_ptr<CommitTicket>& ticket) {
    return engine_->start("Purchase", {order(*program, order_id, "5.00"), vm::Value::string("ana")},
                          {.spawn = false, .request_id = order_id}, ticket);
  };

  auto first = std::make_shared<CommitTicket>();
  auto started = startWith("O1", first);
  ASSERT_TRUE(std::holds_alternative<InstanceView>(started));
  ASSERT_TRUE(first->armed());
  EXPECT_TRUE(first->wait().ok());
  const std::string id = std::get<InstanceView>(started).id;
  engine_->runUntilIdle();
  EXPECT_EQ(get(id).status, Status::kWaiting);

  auto repeated = std::make_shared<CommitTicket>();
  auto again = startWith("O1", repeated);
  ASSERT_TRUE(std::holds_alternative<InstanceView>(again));
  EXPECT_EQ(std::get<InstanceView>(again).id, id);
  EXPECT_FALSE(repeated->armed()) << "a repeated start commits nothing";

  faults->set(store::Fault::kWriteError);
  auto lost = std::make_shared<CommitTicket>();
  auto answered = startWith("O2", lost);
  ASSERT_TRUE(std::holds_alternative<InstanceView>(answered));
  ASSERT_TRUE(lost->armed());
  EXPECT_FALSE(lost->wait().ok());
  // The report may come before then() is asked: the function runs at once.
  bool told = false;
  lost->then([&](const store::Status& status) { told = !status.ok(); });
  EXPECT_TRUE(told);
  faults->set(store::Fault::kNone);
  engine_->fireTimers(clock_.now());
  EXPECT_EQ(engine_->instances({})->size(), 1u) << "the failed start left nothing";

  const std::string task = openTasks(id)[0].record.id;
  Decision d;
  d.task = task;
  d.kind = Decision::Kind::kApprove;
  d.user = "bo";
  Decided after;
  after.ticket = std::make_shared<CommitTicket>();
  ASSERT_FALSE(engine_->decide(d, &after));
  ASSERT_TRUE(after.ticket->armed());
  ASSERT_TRUE(after.instance && after.task);
  EXPECT_TRUE(after.ticket->wait().ok());
  engine_->runUntilIdle();
  EXPECT_EQ(get(id).status, Status::kCompleted);
  close();
  fs::remove_all(dir);
}

// The await that takes a queued signal: when the signals cannot be read, the step does
// not run as if none were queued (it would wait for one that already came); it waits
// for the disk and then takes it.
TEST_F(EngineTest, AnAwaitWhoseQueuedSignalsCannotBeReadWaitsForTheDisk) {
  const std::string dir =
      (fs::temp_directory_path() / ("rflow-engine-await-" + std::to_string(::getpid()))).string();
  auto faults = std::make_shared<store::FaultSwitch>();
  openOnFaultyDisk(dir, faults, kSignals);
  const std::string id = start("Later", {}).id;
  const auto paid = *engine_->currentProgram()->recordIndex("s.Paid");
  EXPECT_FALSE(engine_->signal(id, "Paid", vm::Value::record(paid, {vm::Value::string("p1")})));
  ASSERT_TRUE(store_->flush().ok());
  reopenOnFaultyDisk(dir, faults);
  // The instance, its module and the timers are read once; the queued signal is not.
  EXPECT_EQ(get(id).status, Status::kWaiting);
  ASSERT_TRUE(engine_->nextTimer());
  faults->set(store::Fault::kReadError);
  clock_.set(kEpoch + 2 * kHour);
  EXPECT_EQ(engine_->fireTimers(kEpoch + kHour + 1, 1), 1u);
  engine_->runUntilIdle();
  EXPECT_EQ(engine_->stalledWork(), 1u) << "the step waits for the disk";
  faults->set(store::Fault::kNone);
  EXPECT_EQ(get(id).status, Status::kWaiting);
  engine_->fireTimers(kEpoch + kHour + 1);  // the tick retries it
  engine_->runUntilIdle();
  EXPECT_EQ(get(id).status, Status::kWaiting) << "the second await waits";
  EXPECT_EQ(audit(id, "signal queued").size(), 1u);
  advance(2 * kHour);
  EXPECT_EQ(result(get(id)), "p1 -");
  close();
  fs::remove_all(dir);
}

// The audit trail is tamper-evident (issue 8): each entry seals the one before it, and
// verifyAudit names the first entry that is not what was written.
TEST_F(EngineTest, AnAlteredMissingOrCutAuditEntryIsNamed) {
  open(kPurchase);
  answerErpAtOnce();
  const auto program = engine_->currentProgram();
  const std::string id =
      start("Purchase", {order(*program, "O1", "5.00"), vm::Value::string("ana")}).id;
  const std::string other =
      start("Purchase", {order(*program, "O2", "5.00"), vm::Value::string("ana")}).id;
  EXPECT_FALSE(decide(openTasks(id)[0].record.id, Decision::Kind::kApprove, "bo"));
  AuditCheck check = verifyAudit(*store_);
  EXPECT_EQ(check.instances, 2u);
  EXPECT_GT(check.entries, 10u);
  EXPECT_TRUE(check.problems.empty()) << check.problems[0].message;

  // A step's entries share one key, named by the seq of its first entry.
  const auto groupKeys = [&](const std::string& instance) {
    std::vector<std::string> found;
    EXPECT_TRUE(store_
                    ->scan(store::Column::kAudit, keys::perInstancePrefix(instance),
                           [&](std::string_view key, std::string_view) {
                             found.emplace_back(key);
                             return true;
                           })
                    .ok());
    return found;
  };
  const auto read = [&](const std::string& key) {
    return store_->get(store::Column::kAudit, key).value().value_or("");
  };
  const auto commit = [&](const store::Batch& batch) { ASSERT_TRUE(store_->commit(batch).ok()); };
  // The step that answered erp.reserve: its entries are 3 (answered) and 4 (approval
  // requested).
  const std::string step_key = keys::perInstance(id, 3);
  const std::vector<std::string> groups = groupKeys(id);
  ASSERT_NE(std::find(groups.begin(), groups.end(), step_key), groups.end());
  const std::string step_entries = read(step_key);
  // Altered: an entry's text changed, everything else kept.
  std::string altered = step_entries;
  const size_t at = altered.find("erp.reserve");
  ASSERT_NE(at, std::string::npos);
  altered[at] = 'E';
  store::Batch tamper;
  tamper.put(store::Column::kAudit, step_key, altered);
  commit(tamper);
  check = verifyAudit(*store_);
  ASSERT_EQ(check.problems.size(), 1u);
  EXPECT_EQ(check.problems[0].instance, id);
  EXPECT_EQ(check.problems[0].message.rfind("entry 3 (answered at ", 0), 0u)
      << check.problems[0].message;

  // Put back, then removed: named as missing.
  store::Batch remove;
  remove.remove(store::Column::kAudit, step_key);
  commit(remove);
  check = verifyAudit(*store_);
  ASSERT_EQ(check.problems.size(), 1u);
  EXPECT_EQ(check.problems[0].message, "entry 3 is missing (the next one is 5)");

  // Restored; the other instance's last step cut off.
  store::Batch restore;
  restore.put(store::Column::kAudit, step_key, step_entries);
  auto trail = engine_->history(other);
  ASSERT_TRUE(trail.ok());
  const uint64_t last = trail->size();
  const std::string last_key = groupKeys(other).back();
  const uint64_t first_of_last = *keys::numberOf(last_key);
  restore.remove(store::Column::kAudit, last_key);
  commit(restore);
  check = verifyAudit(*store_);
  ASSERT_EQ(check.problems.size(), 1u);
  EXPECT_EQ(check.problems[0].instance, other);
  EXPECT_EQ(
      check.problems[0].message,
      fmt::format("entries {} to {} are missing: the trail was cut off", first_of_last, last));

  // A step copied from another instance into its place does not fit there either.
  store::Batch moved;
  moved.put(store::Column::kAudit, last_key, read(keys::perInstance(id, first_of_last)));
  commit(moved);
  check = verifyAudit(*store_);
  ASSERT_EQ(check.problems.size(), 1u);
  EXPECT_NE(check.problems[0].message.find(fmt::format("entry {} (", first_of_last)),
            std::string::npos)
      << check.problems[0].message;
}

}  // namespace
}  // namespace rflow::engine::testing
