// Partitions (engine/partition.h): the placement hash with golden values that must never
// change, the ids of an engine that runs a partition, and the parser any node routes by.
#include "engine/partition.h"

#include "engine/keys.h"
#include "engine_fixture.h"

namespace rflow::engine::testing {
namespace {

// The published FNV-1a 64 test vectors: the function is FNV-1a, not something like it.
TEST(Partition, Fnv1a64IsTheStandardFunction) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

// Golden placements. If one of these changes, every keyed instance of every cluster is on
// the wrong partition: never update them, add a new placement function instead.
TEST(Partition, PlacementIsFnv1aOfWorkflowZeroKeyModN) {
  EXPECT_EQ(partitionFor("shop.Restock", "S1/sku-1", 64), 54u);  // hash 0x0144d2969b3557b6
  EXPECT_EQ(partitionFor("shop.Restock", "S2/sku-9", 64), 51u);  // hash 0xa4c732fe3a7ea7f3
  EXPECT_EQ(partitionFor("orders.Order", "", 64), 26u);          // hash 0x1928903959bc769a
  EXPECT_EQ(partitionFor("shop.Restock", "S1/sku-1", 4), 2u);
  EXPECT_EQ(partitionFor("a", "b", 4), 2u);  // hash 0xe5d29919042666b2
  EXPECT_EQ(partitionFor("approvals.Expense", "emp-7", 1), 0u);
  // The 0 byte keeps the workflow and the key apart: "ab"+"c" is not "a"+"bc".
  EXPECT_NE(fnv1a64(std::string("ab\0c", 4)), fnv1a64(std::string("a\0bc", 4)));
}

TEST(Partition, IdsCarryThePartitionOnlyWhenTheEngineRunsOne) {
  EXPECT_EQ(keys::instanceId(42), "in-0000000042");
  EXPECT_EQ(keys::instanceId(42, std::nullopt), "in-0000000042");
  EXPECT_EQ(keys::instanceId(42, 7), "in-0000000042-p07");
  EXPECT_EQ(keys::taskId(42, 63), "tk-0000000042-p63");
  EXPECT_EQ(keys::instanceId(1, 4095), "in-0000000001-p4095");
  EXPECT_EQ(keys::idNumber("in-0000000042-p07"), 42u);
  EXPECT_EQ(keys::idNumber("tk-0000000042"), 42u);
  EXPECT_EQ(partitionOfId("in-0000000042-p07"), 7u);
  EXPECT_EQ(partitionOfId("tk-0000000042-p00"), 0u);
  EXPECT_EQ(partitionOfId("tk-0000000042-p4095"), 4095u);
  EXPECT_EQ(partitionOfId("in-12345678901-p12"), 12u);  // past ten digits
}

TEST(Partition, MalformedIdsNameNoPartition) {
  for (const char* id : {"",
                         "in-",
                         "in-0000000042",
                         "tk-0000000042",
                         "in-0000000042-p",
                         "in-0000000042-p7",
                         "in-0000000042-p007",
                         "in-0000000042-p4096",
                         "in-0000000042-p12345",
                         "in-0000000042-q07",
                         "in-0000000042p07",
                         "in-000000042-p07",
                         "in-00000x0042-p07",
                         "in-0000000042-p0x",
                         "in-0000000042-p07-p08",
                         "xx-0000000042-p07",
                         "IN-0000000042-p07",
                         "in-0000000042-p-1",
                         "in-0000000042-p 7",
                         "in-0000000042-p07\n"}) {
    EXPECT_EQ(partitionOfId(id), std::nullopt) << '"' << id << '"';
  }
}

constexpr const char* kKeyed = R"(module k
signal Paid { reference: string }
record Req { store: string, sku: string }
workflow Restock(r: Req) -> string {
  owner "ops"
  key r.store + "/" + r.sku
  let paid = await Paid timeout 1h
  return paid?.reference ?? "-"
}
workflow Plain(n: int) -> int {
  owner "ops"
  return n
}
)";

TEST_F(EngineTest, AnEngineRunningAPartitionNumbersItsIdsInIt) {
  EngineOptions options;
  options.partition = 3;
  open(kKeyed, "/mem", options);
  const auto req = *engine_->currentProgram()->recordIndex("k.Req");
  const InstanceView a =
      start("Restock", {vm::Value::record(req, {vm::Value::string("S1"), vm::Value::string("x")})});
  const InstanceView b = start("Plain", {vm::Value::integer(5)});
  EXPECT_EQ(a.id, "in-0000000001-p03");
  EXPECT_EQ(b.id, "in-0000000002-p03");
  EXPECT_EQ(partitionOfId(a.id), 3u);
  EXPECT_EQ(get(a.id).key, "S1/x");
}

// A store's ids are numbered on after a restart in the partition form too (IdSource reads
// the last id back).
TEST_F(EngineTest, APartitionsIdsCountOnAfterARestart) {
  const std::string dir = fs::temp_directory_path() / fmt::format("rflow-part-{}", getpid());
  fs::remove_all(dir);
  EngineOptions options;
  options.partition = 12;
  open(kKeyed, dir, options);
  EXPECT_EQ(start("Plain", {vm::Value::integer(1)}).id, "in-0000000001-p12");
  close();
  open("", dir, options);
  EXPECT_EQ(start("Plain", {vm::Value::integer(2)}).id, "in-0000000002-p12");
  close();
  fs::remove_all(dir);
}

TEST_F(EngineTest, TheBusinessKeyOfAStartIsKnownBeforeTheInstanceExists) {
  open(kKeyed);
  const auto req = *engine_->currentProgram()->recordIndex("k.Req");
  const std::vector<vm::Value> args{
      vm::Value::record(req, {vm::Value::string("S1"), vm::Value::string("sku-1")})};
  auto placed = engine_->businessKey("Restock", args);
  ASSERT_TRUE(std::holds_alternative<Engine::Placement>(placed));
  EXPECT_EQ(std::get<Engine::Placement>(placed).workflow, "k.Restock");
  EXPECT_EQ(std::get<Engine::Placement>(placed).key, "S1/sku-1");
  // Nothing was started or stored.
  auto listed = engine_->instances({});
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
  // No key: placed by the caller (partition_router.h).
  auto plain = engine_->businessKey("k.Plain", {vm::Value::integer(1)});
  ASSERT_TRUE(std::holds_alternative<Engine::Placement>(plain));
  EXPECT_EQ(std::get<Engine::Placement>(plain).key, std::nullopt);
  // As a start would fail.
  auto unknown = engine_->businessKey("Nope", args);
  ASSERT_TRUE(std::holds_alternative<EngineError>(unknown));
  EXPECT_EQ(std::get<EngineError>(unknown).code, EngineError::Code::kNotFound);
  auto wrong = engine_->businessKey("Restock", {});
  ASSERT_TRUE(std::holds_alternative<EngineError>(wrong));
  EXPECT_EQ(std::get<EngineError>(wrong).code, EngineError::Code::kBadInput);
}

}  // namespace
}  // namespace rflow::engine::testing
