// The outbox across partitions (outbox.h, docs/cluster.md "Outbox"): two engines, each
// running one partition of two on its own store, and a relay in the test that moves
// each engine's pending messages to the other, as a node's relay does.
#include "engine/outbox.h"

#include <gtest/gtest.h>

#include <array>
#include <fstream>

#include "engine/keys.h"
#include "engine/partition.h"
#include "engine_fixture.h"

namespace rflow::engine::testing {
namespace {

constexpr const char* kOutboxKeyed = R"(module k
signal Paid { reference: string }
workflow Settle(order: string) -> string {
  owner "finance"
  key order
  let paid = await Paid timeout 1h
  return paid?.reference ?? "-"
}
workflow Buy(order: string) -> string {
  owner "ops"
  let r = start Settle(order)
  return "settled {r}"
}
workflow Fan(order: string) -> string {
  owner "ops"
  let id = spawn Settle(order)
  return id
}
on event Batch(a: string, b: string) start Settle(a)
on event Batch(a: string, b: string) start Settle(b)
)";

constexpr uint32_t kTwoPartitions = 2;

// A key of k.Settle that the placement puts on `partition`.
std::string keyOn(uint32_t partition, std::string_view prefix = "o") {
  for (int i = 0;; ++i) {
    std::string key = fmt::format("{}{}", prefix, i);
    if (partitionFor("k.Settle", key, kTwoPartitions) == partition) return key;
  }
}

class OutboxTest : public Test {
 protected:
  void SetUp() override {
    for (uint32_t p = 0; p < kTwoPartitions; ++p) {
      auto opened = store::Store::open(
          "/mem", {.durability = store::Durability::kAsync, .in_memory = true, .env = {}});
      ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
      stores_[p] = std::move(std::get<std::unique_ptr<store::Store>>(opened));
      openEngine(p);
      auto deployed = engines_[p]->deploy(compile(kOutboxKeyed));
      ASSERT_TRUE(std::holds_alternative<std::string>(deployed));
    }
  }
  // The engine of partition `p` on its store (again: as after a restart).
  void openEngine(uint32_t p) {
    engines_[p].reset();
    EngineOptions options;
    options.partition = p;
    options.partition_of = [](std::string_view workflow, std::string_view key) {
      return partitionFor(workflow, key, kTwoPartitions);
    };
    engines_[p] = std::make_unique<Engine>(*stores_[p], clock_, calls_, std::move(options));
  }
  std::vector<PendingMessage> pending(uint32_t p) {
    auto found = engines_[p]->pendingOutbox();
    EXPECT_TRUE(found.ok());
    return found.ok() ? found.value() : std::vector<PendingMessage>{};
  }
  // Applies `m` on its target: true when it was applied, false when it was a repeat.
  bool deliver(const PendingMessage& m) {
    auto applied = engines_[m.target]->applyInbound(m.bytes);
    EXPECT_TRUE(applied.ok()) << (applied.ok() ? "" : applied.error().message);
    return applied.ok() && *applied;
  }
  // One relay pass over every partition: deliver, then forget what was acknowledged.
  size_t relay() {
    size_t moved = 0;
    for (uint32_t p = 0; p < kTwoPartitions; ++p) {
      std::vector<uint64_t> acked;
      for (const PendingMessage& m : pending(p)) {
        deliver(m);
        acked.push_back(m.seq);
      }
      EXPECT_TRUE(engines_[p]->forgetOutbox(acked).ok());
      moved += acked.size();
    }
    return moved;
  }
  // Runs both engines and the relay until nothing moves.
  void settle() {
    for (int round = 0; round < 20; ++round) {
      for (auto& engine : engines_)
        engine->runUntilIdle();
      if (relay() == 0 && engines_[0]->queuedWork() == 0 && engines_[1]->queuedWork() == 0) return;
    }
    ADD_FAILURE() << "the partitions did not settle";
  }
  std::string startOn(uint32_t p, std::string_view workflow, std::string order) {
    auto started = engines_[p]->start(workflow, {vm::Value::string(std::move(order))});
    if (auto* error = std::get_if<EngineError>(&started)) {
      ADD_FAILURE() << error->message;
      return {};
    }
    return std::get<InstanceView>(started).id;
  }
  std::optional<InstanceView> find(uint32_t p, const std::string& id) {
    auto found = engines_[p]->instance(id);
    if (!found) return std::nullopt;
    return *found;
  }
  size_t instancesOf(uint32_t p, const std::string& workflow) {
    InstanceFilter filter;
    filter.workflow = workflow;
    auto list = engines_[p]->instances(filter);
    EXPECT_TRUE(list.ok());
    return list.ok() ? list->size() : 0;
  }
  vm::Value paid(const char* reference) {
    const auto record = *engines_[1]->currentProgram()->recordIndex("k.Paid");
    return vm::Value::record(record, {vm::Value::string(reference)});
  }
  std::string resultOf(const InstanceView& v) {
    return v.result ? vm::printed(*v.result, v.program->module()) : "(none)";
  }

  ManualClock clock_{kEpoch};
  ScriptedCalls calls_;
  std::array<std::unique_ptr<store::Store>, kTwoPartitions> stores_;
  std::array<std::unique_ptr<Engine>, kTwoPartitions> engines_;
};

TEST(OutboxMessage, EncodesAndDecodesEveryField) {
  OutboxMessage m;
  m.kind = OutboxMessage::Kind::kStart;
  m.producer = 3;
  m.seq = 42;
  m.target = 7;
  m.instance = remoteInstanceId(42, 7, 3);
  m.version = "abc";
  m.workflow = "k.Settle";
  m.args = "\x01\x02";
  m.spawn = true;
  m.parent = "in-0000000001-p03";
  m.parent_request = 9;
  m.spawned_by = "in-0000000002-p03";
  m.inbox = "x";
  auto back = OutboxMessage::decode(m.encode());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->encode(), m.encode());
  EXPECT_EQ(back->instance, "in-0000000042-p07-s03");
  EXPECT_EQ(partitionOfId(back->instance), 7u);
  EXPECT_EQ(keys::idNumber(back->instance), 42u);
  // A truncated message, another format and trailing bytes are refused.
  const std::string bytes = m.encode();
  EXPECT_FALSE(OutboxMessage::decode(bytes.substr(0, bytes.size() - 1)));
  EXPECT_FALSE(OutboxMessage::decode(bytes + "!"));
  EXPECT_FALSE(OutboxMessage::decode(std::string("\x02") + bytes.substr(1)));
}

std::string readSample(const std::string& name) {
  std::ifstream in(std::string(RFLOW_SOURCE_DIR) + "/tests/engine/samples/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in) << "missing sample " << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(OutboxMessage, CommittedFormat1SamplesDecode) {
  auto start = OutboxMessage::decode(readSample("outbox_format_1/start.bin"));
  ASSERT_TRUE(start);
  EXPECT_EQ(start->kind, OutboxMessage::Kind::kStart);
  EXPECT_EQ(start->producer, 3u);
  EXPECT_EQ(start->seq, 300u);
  EXPECT_EQ(start->target, 7u);
  EXPECT_EQ(start->instance, "in-0000000300-p07-s03");
  EXPECT_EQ(start->version, "49952c9a82aa");
  EXPECT_EQ(start->workflow, "k.Settle");
  EXPECT_EQ(start->args, std::string("\x09\x00", 2));
  EXPECT_FALSE(start->spawn);
  EXPECT_EQ(start->parent, "in-0000000012-p03");
  EXPECT_EQ(start->parent_request, 5u);
  EXPECT_EQ(start->spawned_by, std::nullopt);
  auto result = OutboxMessage::decode(readSample("outbox_format_1/result.bin"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->kind, OutboxMessage::Kind::kResult);
  EXPECT_EQ(result->producer, 7u);
  EXPECT_EQ(result->seq, 41u);
  EXPECT_EQ(result->target, 3u);
  EXPECT_EQ(result->instance, "in-0000000012-p03");
  EXPECT_EQ(result->parent_request, 5u);
  EXPECT_EQ(result->inbox, std::string("\x01\x05\x01\x00\x00\x00", 6));
}

TEST(OutboxMessage, RemoteIdsNameTheirPartitionInOneSpellingOnly) {
  EXPECT_EQ(partitionOfId("in-0000000042-p07-s03"), 7u);
  EXPECT_EQ(partitionOfId("in-0000000042-p07-s1234"), 7u);
  EXPECT_EQ(partitionOfId("in-0000000042-p07-s4096"), std::nullopt);
  EXPECT_EQ(partitionOfId("in-0000000042-p07-s3"), std::nullopt);
  EXPECT_EQ(partitionOfId("in-0000000042-p07-s003"), std::nullopt);
  EXPECT_EQ(partitionOfId("in-0000000042-p07-x03"), std::nullopt);
  EXPECT_EQ(partitionOfId("in-0000000042-p07-s"), std::nullopt);
  EXPECT_EQ(partitionOfId("in-0000000042-p07-s03-s04"), std::nullopt);
  EXPECT_EQ(partitionOfId("tk-0000000042-p07-s03"), std::nullopt);  // tasks are never remote
}

TEST_F(OutboxTest, AKeyedChildLandsOnItsKeysPartitionAndItsResultReachesTheParent) {
  const std::string order = keyOn(1);
  const std::string parent = startOn(0, "Buy", order);
  engines_[0]->runUntilIdle();
  // The child is a message in the parent's partition, not an instance there.
  const auto messages = pending(0);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].target, 1u);
  const auto wait = find(0, parent)->waits;
  ASSERT_EQ(wait.size(), 1u);
  const std::string child = wait[0].detail;
  EXPECT_EQ(partitionOfId(child), 1u) << child;
  EXPECT_FALSE(find(0, child));
  settle();
  // On its key's partition, where a signal by key reaches it.
  auto there = find(1, child);
  ASSERT_TRUE(there);
  EXPECT_EQ(there->parent, parent);
  EXPECT_EQ(there->status, Status::kWaiting);
  auto by_key = engines_[1]->instanceForKey("k.Settle", order);
  ASSERT_TRUE(by_key.ok());
  EXPECT_EQ(*by_key, child);
  EXPECT_FALSE(engines_[0]->instanceForKey("k.Settle", order).ok());
  EXPECT_EQ(engines_[1]->signalByKey("k.Settle", order, "Paid", paid("R-9")), std::nullopt);
  settle();
  EXPECT_EQ(find(1, child)->status, Status::kCompleted);
  auto done = find(0, parent);
  EXPECT_EQ(done->status, Status::kCompleted) << done->error.value_or("");
  EXPECT_EQ(resultOf(*done), "settled R-9");
  EXPECT_TRUE(pending(0).empty());
  EXPECT_TRUE(pending(1).empty());
}

TEST_F(OutboxTest, AKeyedChildOfThisPartitionIsCreatedHereAsOnOneNode) {
  const std::string order = keyOn(0);
  const std::string parent = startOn(0, "Buy", order);
  engines_[0]->runUntilIdle();
  EXPECT_TRUE(pending(0).empty());
  const std::string child = find(0, parent)->waits.at(0).detail;
  EXPECT_EQ(child.find("-s"), std::string::npos) << child;
  EXPECT_TRUE(find(0, child));
}

TEST_F(OutboxTest, AMessageDeliveredTwiceIsAppliedOnce) {
  const std::string spawner = startOn(0, "Fan", keyOn(1));
  engines_[0]->runUntilIdle();
  const std::string child = resultOf(*find(0, spawner));
  auto messages = pending(0);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_TRUE(deliver(messages[0]));
  EXPECT_FALSE(deliver(messages[0]));  // a relay that sends it again
  engines_[1]->runUntilIdle();
  EXPECT_EQ(instancesOf(1, "Settle"), 1u);
  EXPECT_EQ(partitionOfId(child), 1u) << child;
  EXPECT_TRUE(find(1, child)) << child;
  // The relay stopped after delivering, before the producer forgot the message: the next
  // relay (a new owner) finds it pending and delivers it again; nothing doubles.
  EXPECT_EQ(pending(0).size(), 1u);
  openEngine(0);
  ASSERT_EQ(relay(), 1u);
  engines_[1]->runUntilIdle();
  EXPECT_EQ(instancesOf(1, "Settle"), 1u);
  EXPECT_TRUE(pending(0).empty());
  EXPECT_EQ(relay(), 0u);
}

TEST_F(OutboxTest, AChildsResultDeliveredTwiceResumesItsParentOnce) {
  const std::string order = keyOn(1);
  const std::string parent = startOn(0, "Buy", order);
  settle();
  ASSERT_EQ(engines_[1]->signalByKey("k.Settle", order, "Paid", paid("R-1")), std::nullopt);
  engines_[1]->runUntilIdle();
  auto result = pending(1);
  ASSERT_EQ(result.size(), 1u);
  EXPECT_TRUE(deliver(result[0]));
  EXPECT_FALSE(deliver(result[0]));
  engines_[0]->runUntilIdle();
  // Nothing left in the parent's inbox for a second resume.
  size_t inbox = 0;
  ASSERT_TRUE(stores_[0]
                  ->scanFrom(store::Column::kInbox, "",
                             [&](std::string_view, std::string_view) {
                               ++inbox;
                               return true;
                             })
                  .ok());
  EXPECT_EQ(inbox, 0u);
  EXPECT_EQ(find(0, parent)->status, Status::kCompleted);
  EXPECT_EQ(resultOf(*find(0, parent)), "settled R-1");
}

TEST_F(OutboxTest, SequencesAreNeverReusedAfterTheProducerForgotThem) {
  // Forgotten messages leave only "outbox-acked" behind: a restarted producer numbers
  // after it, so the target's high-water mark does not swallow the next message.
  startOn(0, "Fan", keyOn(1, "a"));
  settle();
  EXPECT_TRUE(pending(0).empty());
  openEngine(0);
  startOn(0, "Fan", keyOn(1, "b"));
  engines_[0]->runUntilIdle();
  auto next = pending(0);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_GE(next[0].seq, 2u);
  EXPECT_TRUE(deliver(next[0]));
  EXPECT_EQ(instancesOf(1, "Settle"), 2u);
}

TEST_F(OutboxTest, AnEventStartsEachKeyedWorkflowOnItsKeysPartition) {
  const std::string here = keyOn(0);
  const std::string there = keyOn(1);
  auto started = engines_[0]->event("Batch", {vm::Value::string(here), vm::Value::string(there)});
  ASSERT_TRUE(std::holds_alternative<std::vector<std::string>>(started))
      << std::get<EngineError>(started).message;
  const auto ids = std::get<std::vector<std::string>>(started);
  ASSERT_EQ(ids.size(), 2u);
  settle();
  for (const auto& [key, partition] : {std::pair{here, 0u}, std::pair{there, 1u}}) {
    auto id = engines_[partition]->instanceForKey("k.Settle", key);
    ASSERT_TRUE(id.ok()) << key;
    EXPECT_NE(std::find(ids.begin(), ids.end(), *id), ids.end()) << *id;
    EXPECT_EQ(partitionOfId(*id), partition);
    EXPECT_EQ(find(partition, *id)->status, Status::kWaiting);
  }
  EXPECT_EQ(instancesOf(0, "Settle") + instancesOf(1, "Settle"), 2u);
}

// An event's keyed start refused on its key's partition (the key is live there) has
// nobody waiting: the id the event answered says why it was never begun, on its
// partition, after a restart too. (A `spawn` is never refused for its key: it takes it.)
TEST_F(OutboxTest, ARefusedEventStartsIdSaysWhyItWasNeverBegun) {
  const std::string here = keyOn(0), there = keyOn(1);
  const auto post = [&](const std::string& a) {
    auto started = engines_[0]->event("Batch", {vm::Value::string(a), vm::Value::string(there)});
    EXPECT_TRUE(std::holds_alternative<std::vector<std::string>>(started));
    settle();
    return std::holds_alternative<std::vector<std::string>>(started)
               ? std::get<std::vector<std::string>>(started)
               : std::vector<std::string>{};
  };
  post(here);
  auto live = engines_[1]->instanceForKey("k.Settle", there);
  ASSERT_TRUE(live.ok());
  const std::vector<std::string> again = post(keyOn(0, "again"));
  std::string refused_id;
  for (const std::string& id : again)
    if (partitionOfId(id) == 1u) refused_id = id;
  ASSERT_FALSE(refused_id.empty()) << "the event answered no id on partition 1";
  EXPECT_EQ(instancesOf(1, "Settle"), 1u);
  EXPECT_EQ(*engines_[1]->instanceForKey("k.Settle", there), *live);

  const auto lookup = [&] {
    auto found = engines_[1]->instance(refused_id);
    EXPECT_FALSE(found.ok());
    return found.ok() ? std::string() : found.error().message;
  };
  const std::string why = lookup();
  EXPECT_NE(why.find(fmt::format("instance {} was never begun: its start of `k.Settle` reached "
                                 "its key's partition",
                                 refused_id)),
            std::string::npos)
      << why;
  EXPECT_NE(why.find(fmt::format("with key \"{}\" is already running as {}", there, *live)),
            std::string::npos)
      << why;
  // A signal to it says the same; so does the lookup after a restart.
  auto signalled = engines_[1]->signal(refused_id, "Paid", paid("x"));
  ASSERT_TRUE(signalled);
  EXPECT_EQ(signalled->message, why);
  openEngine(1);
  EXPECT_EQ(lookup(), why);
  // An id nobody minted is still plainly absent.
  auto none = engines_[1]->instance("in-0000000999-p01-s00");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message, "there is no instance in-0000000999-p01-s00");
}

TEST_F(OutboxTest, AMessageForAnotherPartitionIsRefused) {
  startOn(0, "Fan", keyOn(1));
  engines_[0]->runUntilIdle();
  auto messages = pending(0);
  ASSERT_EQ(messages.size(), 1u);
  auto wrong = engines_[0]->applyInbound(messages[0].bytes);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, EngineError::Code::kBadInput);
  EXPECT_FALSE(engines_[1]->applyInbound("not a message").ok());
}

}  // namespace
}  // namespace rflow::engine::testing
