// The engine on a partition log (issue 19, Design A): every commit group goes to the log
// before RocksDB. Against the harness's single nats-server: a store replayed from the log
// into an empty directory ends with the owner's records; a second owner's claim fences the
// first, whose next step then stores and sends nothing; and the local log (a single node)
// runs the workflows as before, its store's applied_seq following the log's tail; an
// Unknown append is repeated, and a regressed log freezes the partition.
// Skipped, saying why, when nats-server is not on PATH.
#include <gtest/gtest.h>

#include <map>

#include "cluster/jetstream_partition_log.h"
#include "cluster/local_partition_log.h"
#include "cluster/log_writer.h"
#include "engine/keys.h"
#include "engine_fixture.h"
#include "nats_harness.h"
#include "test_client.h"
#include "replay/replay.h"

namespace rflow::engine::testing {
namespace {

using cluster::testing::NatsServers;
using namespace std::chrono_literals;

std::unique_ptr<store::Store> memoryStore(const std::string& name) {
  auto opened = store::Store::open(
      name, {.durability = store::Durability::kAsync, .in_memory = true, .env = {}});
  if (auto* error = std::get_if<std::string>(&opened)) {
    ADD_FAILURE() << *error;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<store::Store>>(opened));
}

// Every record of every column, but what is legitimately local to a node: deployments
// (kModules and the current-version pointer: they will come through the global log) and
// the schema marker.
using Records = std::map<std::string, std::map<std::string, std::string>>;
Records recordsOf(const store::Store& s) {
  Records out;
  for (size_t c = 0; c < store::kColumnCount; ++c) {
    const auto column = static_cast<store::Column>(c);
    if (column == store::Column::kModules || column == store::Column::kRedo) continue;
    auto& into = out[std::string(store::columnName(column))];
    EXPECT_TRUE(s.scan(column, "", [&](std::string_view k, std::string_view v) {
                   if (column == store::Column::kMeta && (k == "schema" || k == "current"))
                     return true;
                   into.emplace(k, v);
                   return true;
                 }).ok());
  }
  return out;
}

uint64_t appliedSeq(const store::Store& s) {
  auto seq = s.appliedSeq();
  EXPECT_TRUE(seq.ok()) << seq.status().message();
  return seq.ok() ? seq.value() : 0;
}

class EngineOnLog : public EngineTest {
 protected:
  void SetUp() override {
    REQUIRE_NATS_SERVER();
    std::string error;
    nats_ = NatsServers::start(1, &error);
    ASSERT_TRUE(nats_) << error;
    client_ = cluster::testing::connectClient(*nats_, "engine-log-test");
    ASSERT_TRUE(client_);
  }
  std::unique_ptr<cluster::JetStreamPartitionLog> openLog(uint32_t partition) {
    cluster::JetStreamLogOptions o;
    o.replicas = 1;
    o.append_deadline = 3000ms;
    auto log = cluster::JetStreamPartitionLog::open(client_, partition, o);
    EXPECT_TRUE(log.ok()) << log.status().message();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  // Replays `log` into `s`, then claims the partition as `node`: the writer an engine uses.
  std::unique_ptr<cluster::LogWriter> becomeOwner(cluster::PartitionLog& log, store::Store& s,
                                                  const std::string& node) {
    auto replayed = replay::replay(log, s);
    if (auto* problem = std::get_if<std::string>(&replayed)) {
      ADD_FAILURE() << *problem;
      return nullptr;
    }
    const auto& report = std::get<replay::ReplayReport>(replayed);
    auto writer = std::make_unique<cluster::LogWriter>(log, report.tail, report.epoch);
    auto claimed = writer->claim(node);
    EXPECT_TRUE(claimed.appended()) << claimed.describe();
    return writer;
  }
  // An engine on store_ whose commits go through `writer`, with kPurchase deployed.
  void openEngine(cluster::LogWriter& writer) {
    EngineOptions options;
    options.log = &writer;
    engine_ = std::make_unique<Engine>(*store_, clock_, calls_, options);
    auto deployed = engine_->deploy(compile(kPurchase));
    ASSERT_TRUE(std::holds_alternative<std::string>(deployed))
        << std::get<EngineError>(deployed).message;
  }
  // Makes store_ (a memory store named `name`) the owner's on partition p of a new log,
  // with an engine on it and one order waiting for its approval: that task's id ("" and a
  // failure when something did not work). `log` and `writer` are kept by the caller.
  std::string ownerWithAWaitingOrder(uint32_t p, const std::string& name,
                                     std::unique_ptr<cluster::JetStreamPartitionLog>& log,
                                     std::unique_ptr<cluster::LogWriter>& writer) {
    log = openLog(p);
    store_ = memoryStore(name);
    if (!log || !store_) return {};
    writer = becomeOwner(*log, *store_, "node-a");
    if (!writer) return {};
    openEngine(*writer);
    answerErpAtOnce();
    const auto program = engine_->currentProgram();
    InstanceView v = start("Purchase", {order(*program, "O9", "10.00"), vm::Value::string("ana")});
    auto tasks = openTasks(v.id);
    EXPECT_EQ(tasks.size(), 1u);
    return tasks.empty() ? std::string() : tasks[0].record.id;
  }
  // Runs two purchases: one approved and posted to completion, one left waiting past its
  // escalation timer; the first's id.
  std::string runPurchases() {
    answerErpAtOnce();
    const auto program = engine_->currentProgram();
    InstanceView paid =
        start("Purchase", {order(*program, "O1", "10.00"), vm::Value::string("ana")});
    InstanceView waiting =
        start("Purchase", {order(*program, "O2", "20.00"), vm::Value::string("ana")});
    auto tasks = openTasks(paid.id);
    EXPECT_EQ(tasks.size(), 1u);
    if (tasks.empty()) return paid.id;
    EXPECT_FALSE(decide(tasks[0].record.id, Decision::Kind::kApprove, "bob"));
    advance(25 * kHour);  // the second's approval escalates (a timer)
    EXPECT_EQ(get(paid.id).status, Status::kCompleted);
    EXPECT_EQ(result(get(paid.id)), "R-1");
    auto escalated = openTasks(waiting.id);
    EXPECT_EQ(escalated.size(), 1u);
    if (!escalated.empty()) {
      EXPECT_EQ(escalated[0].record.escalated, 1u);
    }
    return paid.id;
  }

  std::unique_ptr<NatsServers> nats_;
  std::shared_ptr<cluster::NatsClient> client_;
};

TEST_F(EngineOnLog, AnEmptyDirectoryReplayedFromTheLogHasTheOwnersRecords) {
  auto log = openLog(1);
  ASSERT_TRUE(log);
  store_ = memoryStore("/owner");
  ASSERT_TRUE(store_);
  auto writer = becomeOwner(*log, *store_, "node-a");
  ASSERT_TRUE(writer);
  openEngine(*writer);
  runPurchases();
  engine_.reset();  // everything committed and reported

  const uint64_t tail = log->lastSeq().value();
  EXPECT_EQ(writer->tail(), tail);
  EXPECT_EQ(appliedSeq(*store_), tail);
  EXPECT_GT(tail, 6u);  // genesis, claim, and a group per step or more

  auto copy = memoryStore("/copy");
  ASSERT_TRUE(copy);
  auto replayed = replay::replay(*log, *copy);
  ASSERT_TRUE(std::holds_alternative<replay::ReplayReport>(replayed))
      << std::get<std::string>(replayed);
  const auto& report = std::get<replay::ReplayReport>(replayed);
  EXPECT_EQ(report.from, 1u);
  EXPECT_EQ(report.tail, tail);
  EXPECT_EQ(report.epoch, 1u);
  EXPECT_EQ(report.owner, "node-a");
  EXPECT_EQ(report.skipped, 2u);  // genesis and the claim
  EXPECT_EQ(report.groups, tail - 2);
  EXPECT_EQ(appliedSeq(*copy), tail);

  const Records owner = recordsOf(*store_);
  const Records replica = recordsOf(*copy);
  for (const auto& [column, records] : owner) {
    SCOPED_TRACE(column);
    EXPECT_EQ(records.size(), replica.at(column).size());
    EXPECT_TRUE(records == replica.at(column));
  }
  EXPECT_FALSE(owner.at("instances").empty());
  EXPECT_FALSE(owner.at("audit").empty());
  EXPECT_FALSE(owner.at("timers").empty());

  // Up to date: a second replay applies nothing and still knows the epoch.
  auto again = replay::replay(*log, *copy);
  ASSERT_TRUE(std::holds_alternative<replay::ReplayReport>(again));
  EXPECT_EQ(std::get<replay::ReplayReport>(again).groups, 0u);
  EXPECT_EQ(std::get<replay::ReplayReport>(again).epoch, 1u);
  EXPECT_EQ(std::get<replay::ReplayReport>(again).tail, tail);
}

TEST_F(EngineOnLog, AFencedOwnerStoresAndSendsNothing) {
  std::unique_ptr<cluster::JetStreamPartitionLog> log;
  std::unique_ptr<cluster::LogWriter> writer;
  const std::string task = ownerWithAWaitingOrder(2, "/first", log, writer);
  ASSERT_FALSE(task.empty());
  const auto program = engine_->currentProgram();

  // A second node takes the partition over.
  auto second_store = memoryStore("/second");
  ASSERT_TRUE(second_store);
  auto second_log = openLog(2);
  ASSERT_TRUE(second_log);
  auto second = becomeOwner(*second_log, *second_store, "node-b");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->epoch(), 2u);

  const Records before = recordsOf(*store_);
  const uint64_t applied_before = appliedSeq(*store_);
  const size_t calls_before = calls_.calls.size();
  // The approval's step would send erp.post: fenced, it stores and sends nothing.
  auto refused = decide(task, Decision::Kind::kApprove, "bob");
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->message.find("partition 2 has a new owner: node-b claimed it at epoch 2"),
            std::string::npos)
      << refused->message;
  EXPECT_EQ(calls_.calls.size(), calls_before);
  EXPECT_EQ(appliedSeq(*store_), applied_before);
  EXPECT_TRUE(recordsOf(*store_) == before);
  // And every later step the same way, timers included.
  auto later =
      engine_->start("Purchase", {order(*program, "O10", "10.00"), vm::Value::string("ana")});
  ASSERT_TRUE(std::holds_alternative<EngineError>(later));
  EXPECT_NE(std::get<EngineError>(later).message.find("has a new owner"), std::string::npos);
  // Firing the escalation timer once (advance() would fire it again and again: it stays
  // due, as nothing of its step can be stored).
  clock_.set(kEpoch + 25 * kHour);
  engine_->fireTimers(clock_.now());
  engine_->runUntilIdle();
  EXPECT_EQ(calls_.calls.size(), calls_before);
  EXPECT_TRUE(recordsOf(*store_) == before);
  EXPECT_EQ(log->lastSeq().value(), second->tail());  // nothing of the fenced owner landed
}

// An owner that lets the partition go (a handover) while a request still holds its
// engine: the engine's later steps fail, saying why, and nothing reaches the log, the
// store or a connector.
TEST_F(EngineOnLog, AnEngineWhoseLogWasClosedStoresAndSendsNothing) {
  std::unique_ptr<cluster::JetStreamPartitionLog> log;
  std::unique_ptr<cluster::LogWriter> writer;
  const std::string task = ownerWithAWaitingOrder(3, "/closed", log, writer);
  ASSERT_FALSE(task.empty());
  const auto program = engine_->currentProgram();

  engine_->closeLog("handed over to node-b");
  const Records before = recordsOf(*store_);
  const uint64_t applied_before = appliedSeq(*store_);
  const auto last_before = log->lastSeq().value();
  const size_t calls_before = calls_.calls.size();
  auto refused = decide(task, Decision::Kind::kApprove, "bob");
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->message.find("this node no longer serves the partition (handed over to "
                                  "node-b)"),
            std::string::npos)
      << refused->message;
  auto later =
      engine_->start("Purchase", {order(*program, "O10", "10.00"), vm::Value::string("ana")});
  ASSERT_TRUE(std::holds_alternative<EngineError>(later));
  EXPECT_EQ(calls_.calls.size(), calls_before);
  EXPECT_EQ(appliedSeq(*store_), applied_before);
  EXPECT_TRUE(recordsOf(*store_) == before);
  EXPECT_EQ(log->lastSeq().value(), last_before);
}

TEST(EngineOnLocalLog, RunsAsTodayAndAppliedSeqFollowsTheLog) {
  ManualClock clock{kEpoch};
  ScriptedCalls calls;
  calls.handler = [](const std::string& op, const std::vector<vm::Value>&, uint32_t) {
    return op == "erp.reserve" ? ok(vm::Value::string("R-1")) : ok(vm::Value::boolean(true));
  };
  auto s = memoryStore("/local");
  ASSERT_TRUE(s);
  cluster::LocalPartitionLog log(0, std::max<uint64_t>(1, appliedSeq(*s)));
  cluster::LogWriter writer(log, log.lastSeq().value(), 0);
  ASSERT_TRUE(writer.claim("single").appended());
  EngineOptions options;
  options.log = &writer;
  Engine engine(*s, clock, calls, options);
  ASSERT_TRUE(std::holds_alternative<std::string>(engine.deploy(compile(kPurchase))));
  const auto program = engine.currentProgram();
  auto started =
      engine.start("Purchase", {order(*program, "L1", "1.00"), vm::Value::string("ana")});
  ASSERT_TRUE(std::holds_alternative<InstanceView>(started));
  const std::string id = std::get<InstanceView>(started).id;
  engine.runUntilIdle();
  TaskFilter filter;
  filter.instance = id;
  auto tasks = engine.tasks(filter);
  ASSERT_TRUE(tasks.ok() && tasks->size() == 1u);
  Decision d;
  d.task = (*tasks)[0].record.id;
  d.kind = Decision::Kind::kApprove;
  d.user = "bob";
  ASSERT_FALSE(engine.decide(d));
  engine.runUntilIdle();
  EXPECT_EQ(engine.instance(id)->status, Status::kCompleted);
  EXPECT_EQ(calls.calls.size(), 2u);  // reserve and post, once each
  EXPECT_EQ(appliedSeq(*s), writer.tail());
  EXPECT_GT(writer.tail(), 3u);
}

// A local log whose appends answer as a test says first: Unknown (nothing appended: the
// acknowledgement was lost before the server had it) or Regressed.
class ScriptedLog final : public cluster::PartitionLog {
 public:
  explicit ScriptedLog(uint32_t partition) : log_(partition) {}
  std::vector<cluster::AppendResult> next;  // answered, in order, before the real appends
  size_t appends = 0;                       // append() calls, answered or not

  uint32_t partition() const override { return log_.partition(); }
  cluster::AppendResult append(std::span<const std::string_view> records, cluster::Seq expected,
                               cluster::Epoch epoch) override {
    ++appends;
    if (!next.empty()) {
      cluster::AppendResult r = next.front();
      next.erase(next.begin());
      return r;
    }
    return log_.append(records, expected, epoch);
  }
  cluster::AppendResult claim(const cluster::Claim& c, cluster::Seq expected) override {
    return log_.claim(c, expected);
  }
  cluster::Result<std::vector<cluster::LogEntry>> read(cluster::Seq from, size_t max) override {
    return log_.read(from, max);
  }
  cluster::Status trim(cluster::Seq up_to) override { return log_.trim(up_to); }
  cluster::Result<cluster::LogBounds> bounds() override { return log_.bounds(); }

 private:
  cluster::LocalPartitionLog log_;
};

TEST(EngineOnScriptedLog, AnUnknownAppendIsRepeatedAndARegressedLogFreezesThePartition) {
  ManualClock clock{kEpoch};
  ScriptedCalls calls;
  calls.handler = [](const std::string&, const std::vector<vm::Value>&, uint32_t) {
    return ok(vm::Value::string("R-1"));
  };
  auto s = memoryStore("/scripted");
  ASSERT_TRUE(s);
  ScriptedLog log(3);
  cluster::LogWriter writer(log, 1, 0);
  ASSERT_TRUE(writer.claim("single").appended());
  EngineOptions options;
  options.log = &writer;
  // The partition's host learns of the stop once, with the reason (to stop its workers).
  std::vector<std::string> stops;
  options.on_log_stopped = [&stops](const std::string& why) { stops.push_back(why); };
  Engine engine(*s, clock, calls, options);
  ASSERT_TRUE(std::holds_alternative<std::string>(engine.deploy(compile(kPurchase))));
  const auto program = engine.currentProgram();

  // Two lost acknowledgements: the start's group is appended on the third try, once.
  log.next = {cluster::Unknown{"no answer"}, cluster::Unknown{"no answer"}};
  auto started =
      engine.start("Purchase", {order(*program, "S1", "1.00"), vm::Value::string("ana")});
  ASSERT_TRUE(std::holds_alternative<InstanceView>(started))
      << std::get<EngineError>(started).message;
  EXPECT_EQ(log.appends, 4u);    // the deployment's, then three tries of the start's
  EXPECT_EQ(writer.tail(), 4u);  // genesis, claim, the deployment, the start's group: once
  engine.runUntilIdle();
  EXPECT_EQ(appliedSeq(*s), writer.tail());
  EXPECT_EQ(calls.calls.size(), 1u);  // erp.reserve, sent once
  EXPECT_TRUE(stops.empty());         // Unknown is not a stop

  // The log lost entries: the next step fails saying so, and so does every later one.
  log.next = {cluster::Regressed{2, writer.tail(), "stream last_seq 2"}};
  const uint64_t applied = appliedSeq(*s);
  auto refused =
      engine.start("Purchase", {order(*program, "S2", "1.00"), vm::Value::string("ana")});
  ASSERT_TRUE(std::holds_alternative<EngineError>(refused));
  EXPECT_NE(std::get<EngineError>(refused).message.find("lost acknowledged entries"),
            std::string::npos)
      << std::get<EngineError>(refused).message;
  const size_t appends = log.appends;
  auto again = engine.start("Purchase", {order(*program, "S3", "1.00"), vm::Value::string("ana")});
  ASSERT_TRUE(std::holds_alternative<EngineError>(again));
  EXPECT_NE(std::get<EngineError>(again).message.find("lost acknowledged entries"),
            std::string::npos);
  EXPECT_EQ(log.appends, appends);  // a frozen partition does not even try the log
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_NE(stops[0].find("lost acknowledged entries"), std::string::npos) << stops[0];
  EXPECT_EQ(appliedSeq(*s), applied);
  EXPECT_EQ(calls.calls.size(), 1u);
}

}  // namespace
}  // namespace rflow::engine::testing

namespace rflow::engine::testing {
namespace {

// The engine's writes that are no instance's step go through the pipeline too, so a
// follower replaying the log has them: an unreadable timer dropped, a schedule's first
// start noted, a slot spent with nothing started. Each is one entry on the local log.
TEST(EngineOnLocalLog, WritesOutsideStepsAreInTheLog) {
  ManualClock clock{kEpoch};
  ScriptedCalls calls;
  auto s = memoryStore("/outside-steps");
  ASSERT_TRUE(s);
  cluster::LocalPartitionLog log(0, 1);
  cluster::LogWriter writer(log, log.lastSeq().value(), 0);
  ASSERT_TRUE(writer.claim("single").appended());
  EngineOptions options;
  options.log = &writer;
  Engine engine(*s, clock, calls, options);
  ASSERT_TRUE(std::holds_alternative<std::string>(engine.deploy(compile(R"(module ops
workflow Tick(n: int) {
  owner "ops"
  note "tick"
}
on schedule "0 * * * *" start Tick(1)
)"))));

  // An unreadable timer, as a damaged disk might leave one.
  store::Batch damaged;
  damaged.put(store::Column::kTimers, keys::timer(kEpoch, 1, "in-0000000001"), "not a timer");
  ASSERT_TRUE(s->commit(damaged).ok());
  uint64_t tail = writer.tail();
  EXPECT_EQ(engine.fireTimers(kEpoch + kHour), 0u);
  EXPECT_EQ(writer.tail(), tail + 1);
  EXPECT_EQ(appliedSeq(*s), writer.tail());
  auto left = s->get(store::Column::kTimers, keys::timer(kEpoch, 1, "in-0000000001"));
  ASSERT_TRUE(left.ok());
  EXPECT_FALSE(left.value().has_value());

  tail = writer.tail();
  engine.noteScheduleStart(0, kEpoch);
  EXPECT_EQ(writer.tail(), tail + 1);
  EXPECT_EQ(engine.lastScheduleSlot(0), kEpoch);
  EXPECT_EQ(appliedSeq(*s), writer.tail());
}

}  // namespace
}  // namespace rflow::engine::testing
