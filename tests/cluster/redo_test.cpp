// H3: a partition log that loses acknowledged entries is given them again from a node's
// redo copy (replay/redo.h), through real partition hosts (runtime/node/partition_host.h)
// on memory stores and an in-memory log that can be made to lose its tail, as NATS 2.9.10
// can when a majority of its servers lose power after acknowledging an append.
#include "replay/redo.h"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <vector>

#include "cluster/entry_codec.h"
#include "cluster/redo_codec.h"
#include "engine_fixture.h"
#include "node/partition_host.h"
#include "store/group_codec.h"

namespace rflow::node::testing {
namespace {

using cluster::AppendResult;
using cluster::LogEntry;
using engine::testing::compile;
using engine::testing::kSignals;

// One partition log's entries, shared by the hosts' log objects (as a stream is by its
// clients). Entry i is sequence i + 1; entry 0 is the genesis.
struct LogState {
  std::mutex mutex;
  std::vector<LogEntry> entries;
};

// The protocol of partition_log.h over LogState: the expected last sequence fences, an
// entry found where it was expected with the same id and bytes is a duplicate, a log
// shorter than expected is Regressed.
class MemoryLog final : public cluster::PartitionLog {
 public:
  MemoryLog(std::shared_ptr<LogState> state, uint32_t partition)
      : state_(std::move(state)), partition_(partition) {}
  uint32_t partition() const override { return partition_; }
  AppendResult append(std::span<const std::string_view> records, cluster::Seq expected,
                      cluster::Epoch epoch) override {
    LogEntry e;
    e.kind = cluster::EntryKind::kRecords;
    e.epoch = epoch;
    e.records.assign(records.begin(), records.end());
    return put(std::move(e), expected);
  }
  AppendResult claim(const cluster::Claim& c, cluster::Seq expected) override {
    LogEntry e;
    e.kind = cluster::EntryKind::kClaim;
    e.epoch = c.epoch;
    e.node = c.node;
    return put(std::move(e), expected);
  }
  cluster::Result<std::vector<LogEntry>> read(cluster::Seq from, size_t max) override {
    std::lock_guard lock(state_->mutex);
    std::vector<LogEntry> out;
    for (cluster::Seq s = std::max<cluster::Seq>(from, 1);
         s <= state_->entries.size() && out.size() < max; ++s)
      out.push_back(state_->entries[s - 1]);
    return out;
  }
  cluster::Status trim(cluster::Seq) override { return {}; }
  cluster::Result<cluster::LogBounds> bounds() override {
    std::lock_guard lock(state_->mutex);
    return cluster::LogBounds{1, state_->entries.size()};
  }

 private:
  AppendResult put(LogEntry e, cluster::Seq expected) {
    std::lock_guard lock(state_->mutex);
    const cluster::Seq last = state_->entries.size();
    e.seq = expected + 1;
    e.msg_id = cluster::msgId(partition_, e.epoch, e.seq);
    if (expected > last) return cluster::Regressed{last, expected, "the memory log is shorter"};
    if (expected < last) {
      const LogEntry& there = state_->entries[expected];
      if (there.msg_id == e.msg_id && there.records == e.records && there.node == e.node)
        return cluster::Appended{e.seq, true};
      return cluster::Fenced{e.seq, there.epoch, there.node, "another entry is there"};
    }
    state_->entries.push_back(std::move(e));
    return cluster::Appended{last + 1, false};
  }

  std::shared_ptr<LogState> state_;
  uint32_t partition_;
};

class RedoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LogEntry genesis;
    genesis.seq = 1;
    genesis.kind = cluster::EntryKind::kGenesis;
    genesis.msg_id = cluster::msgId(0, 0, 1);
    log_->entries.push_back(genesis);
  }

  std::unique_ptr<PartitionHost> host(const std::string& node) {
    HostOptions o;
    o.partition = 0;
    o.node = node;
    o.dir = "/redo-" + node;
    o.in_memory = true;
    o.clock = &clock_;
    o.calls = &calls_;
    o.claim_deadline = std::chrono::milliseconds(2000);
    o.log = [this](const std::string& line) {
      std::lock_guard lock(said_mutex_);
      said_.push_back(line);
    };
    auto opened = PartitionHost::open(std::move(o), std::make_unique<MemoryLog>(log_, 0));
    if (auto* problem = std::get_if<std::string>(&opened)) {
      ADD_FAILURE() << *problem;
      return nullptr;
    }
    return std::move(std::get<std::unique_ptr<PartitionHost>>(opened));
  }
  vm::Value paid(engine::Engine& e, const char* reference) {
    const auto program = e.currentProgram();
    return vm::Value::record(*program->recordIndex("s.Paid"), {vm::Value::string(reference)});
  }
  std::vector<LogEntry> entries() {
    std::lock_guard lock(log_->mutex);
    return log_->entries;
  }
  void loseTailAfter(cluster::Seq seq) {
    std::lock_guard lock(log_->mutex);
    log_->entries.resize(seq);
  }
  // An owner on node-a with one Wait instance that had its first signal; its id.
  std::string ownerWithOneSignal(PartitionHost& a) {
    EXPECT_EQ(a.becomeOwner(), std::nullopt);
    auto engine = a.engine();
    if (!engine) return {};
    // Deployed through the partition's log (no deployment log here), so a standby and a
    // later claim have it.
    auto deployed = engine->deploy(module_);
    if (auto* error = std::get_if<engine::EngineError>(&deployed)) {
      ADD_FAILURE() << error->message;
      return {};
    }
    auto started = engine->start("Wait", {});
    if (!std::holds_alternative<engine::InstanceView>(started)) {
      ADD_FAILURE() << std::get<engine::EngineError>(started).message;
      return {};
    }
    const std::string id = std::get<engine::InstanceView>(started).id;
    EXPECT_EQ(engine->signal(id, "Paid", paid(*engine, "R1")), std::nullopt);
    return id;
  }

  std::shared_ptr<LogState> log_ = std::make_shared<LogState>();
  engine::SystemClock clock_;
  engine::testing::ScriptedCalls calls_;
  std::vector<uint8_t> module_ = compile(kSignals);
  std::mutex said_mutex_;
  std::vector<std::string> said_;
};

bool sameEntries(const std::vector<LogEntry>& a, const std::vector<LogEntry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].msg_id != b[i].msg_id || a[i].records != b[i].records || a[i].node != b[i].node ||
        a[i].kind != b[i].kind)
      return false;
  }
  return true;
}

TEST_F(RedoTest, AnOwnersLostTailIsAppendedAgainAsItWasAndItsInstanceGoesOn) {
  auto a = host("node-a");
  ASSERT_TRUE(a);
  const std::string id = ownerWithOneSignal(*a);
  ASSERT_FALSE(id.empty());
  const std::vector<LogEntry> before = entries();
  ASSERT_GE(before.size(), 4u);  // genesis, claim, deployment, start, signal
  // NATS acknowledged the last two entries, then lost them.
  loseTailAfter(before.size() - 2);
  auto engine = a->engine();
  auto refused = engine->signal(id, "Paid", paid(*engine, "R2"));
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->message.find("lost acknowledged entries"), std::string::npos)
      << refused->message;
  EXPECT_TRUE(a->stoppedByLog());
  engine.reset();
  // The node's control pass: release and follow, which repairs the log from a's copy.
  EXPECT_EQ(a->follow(), std::nullopt);
  EXPECT_TRUE(sameEntries(entries(), before));  // the same ids, epochs and bytes
  bool told = false;
  for (const std::string& line : said_)
    told = told || line.find("appended 2 of them again") != std::string::npos;
  EXPECT_TRUE(told);
  // Claimed again above them: the instance is where it was, and goes on.
  ASSERT_EQ(a->becomeOwner(), std::nullopt);
  engine = a->engine();
  EXPECT_EQ(engine->signal(id, "Paid", paid(*engine, "R2")), std::nullopt);
  engine->runUntilIdle();
  auto view = engine->instance(id);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->status, engine::Status::kCompleted);
}

TEST_F(RedoTest, AStandbyRepairsTheLogWhenTheOwnerIsGone) {
  auto a = host("node-a");
  auto b = host("node-b");
  ASSERT_TRUE(a && b);
  const std::string id = ownerWithOneSignal(*a);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(b->follow(), std::nullopt);
  const std::vector<LogEntry> before = entries();
  a.reset();  // the owner's machine is gone
  loseTailAfter(before.size() - 3);
  EXPECT_EQ(b->follow(), std::nullopt);
  EXPECT_TRUE(sameEntries(entries(), before));
  ASSERT_EQ(b->becomeOwner(), std::nullopt);
  auto engine = b->engine();
  auto view = engine->instance(id);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->status, engine::Status::kWaiting);  // for its second signal
  EXPECT_EQ(engine->signal(id, "Paid", paid(*engine, "R2")), std::nullopt);
  engine->runUntilIdle();
  EXPECT_EQ(engine->instance(id)->status, engine::Status::kCompleted);
}

TEST_F(RedoTest, ALogWrittenAfterTheLossIsAnotherHistoryAndNothingIsAppended) {
  auto a = host("node-a");
  ASSERT_TRUE(a);
  ASSERT_FALSE(ownerWithOneSignal(*a).empty());
  const std::vector<LogEntry> before = entries();
  const cluster::Seq kept = before.size() - 2;
  loseTailAfter(kept);
  // Another node claimed the shortened log before anyone repaired it.
  MemoryLog intruder(log_, 0);
  ASSERT_TRUE(intruder.claim({before.back().epoch + 5, "node-c"}, kept).appended());
  auto problem = a->follow();
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("another history"), std::string::npos) << *problem;
  EXPECT_EQ(entries().size(), kept + 1);  // nothing appended
  EXPECT_TRUE(a->becomeOwner());          // and the partition is not served from here
  EXPECT_EQ(a->engine(), nullptr);
}

TEST_F(RedoTest, ACopyThatDoesNotReachBackToTheLossSaysSoAndAppendsNothing) {
  // A store that applied groups 2 to 5 but keeps copies of 4 and 5 only (the rest aged
  // out), against a log that lost everything after 2.
  auto opened = store::Store::open(
      "/redo-short", {.durability = store::Durability::kAsync, .in_memory = true, .env = {}});
  auto& s = *std::get<std::unique_ptr<store::Store>>(opened);
  MemoryLog log(log_, 0);
  const store::Batch empty;
  const store::Batch* group[] = {&empty};
  const std::string payload = store::encodeGroup(group);
  const std::string_view records[] = {payload};
  for (cluster::Seq seq = 2; seq <= 5; ++seq) {
    ASSERT_TRUE(log.append(records, seq - 1, 1).appended());
    const std::string redo =
        seq >= 4 ? cluster::encodeRedo(0, cluster::encodeRecords(1, records)) : std::string();
    ASSERT_TRUE(s.applyGroup(payload, seq, redo).ok());
  }
  loseTailAfter(2);
  auto repaired = replay::repairFromRedo(log, s, std::chrono::milliseconds(1000));
  ASSERT_TRUE(std::holds_alternative<std::string>(repaired));
  EXPECT_NE(std::get<std::string>(repaired).find("starts at 4"), std::string::npos)
      << std::get<std::string>(repaired);
  EXPECT_NE(std::get<std::string>(repaired).find("entries 3 to 5 cannot be appended again"),
            std::string::npos)
      << std::get<std::string>(repaired);
  EXPECT_EQ(entries().size(), 2u);
  // Nothing lost: nothing to do.
  MemoryLog whole(log_, 0);
  for (cluster::Seq seq = 3; seq <= 5; ++seq)
    ASSERT_TRUE(whole.append(records, seq - 1, 1).appended());
  auto clean = replay::repairFromRedo(whole, s, std::chrono::milliseconds(1000));
  ASSERT_TRUE(std::holds_alternative<replay::RepairReport>(clean));
  EXPECT_EQ(std::get<replay::RepairReport>(clean).reappended, 0u);
}

TEST(Redo, EntriesAreTrimmedByAgeButTheLastOnesAreKept) {
  auto opened = store::Store::open(
      "/redo-trim", {.durability = store::Durability::kAsync, .in_memory = true, .env = {}});
  auto& s = *std::get<std::unique_ptr<store::Store>>(opened);
  store::Batch batch;
  for (cluster::Seq seq = 1; seq <= 1500; ++seq) {
    std::string key;
    store::appendU64(key, seq);
    // The first 1200 kept at time 100, the rest at 5000.
    batch.put(store::Column::kRedo, key,
              cluster::encodeRedo(seq <= 1200 ? 100 : 5000, cluster::encodeClaim({seq, "n"})));
  }
  ASSERT_TRUE(s.commit(batch).ok());
  // Older than 1000 ms: the first 1200; but the last 1000 behind position 1500 stay.
  auto trimmed = replay::trimRedo(s, 1000, 1500);
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed.value(), 499u);  // 1..499
  auto left = replay::readRedo(s, 0, 1);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left.value().size(), 1001u);
  EXPECT_EQ(left.value().front().entry.seq, 500u);
  EXPECT_EQ(left.value().front().entry.node, "n");
}

TEST(Redo, AGroupInTheLogCannotWriteANodesRedoCopy) {
  store::Batch batch;
  batch.put(store::Column::kRedo, "k", "v");
  const store::Batch* group[] = {&batch};
  auto decoded = store::decodeGroup(store::encodeGroup(group));
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("redo"), std::string::npos);
}

}  // namespace
}  // namespace rflow::node::testing
