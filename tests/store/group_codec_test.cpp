// Commit groups as partition-log payloads (store/group_codec.h) and Store::applyGroup: the
// committed format-1 sample decodes, encoding round-trips, a malformed payload is refused
// whole with nothing written, and applied_seq lands with the writes.
#include "store/group_codec.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "store/counters.h"

namespace rflow::store {
namespace {

std::string readSample(const std::string& name) {
  std::ifstream in(std::string(RFLOW_STORE_SAMPLES) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing sample " << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::string kCounters("\x02\x00\x05steps\x02", 9);  // {steps: 1}, counters format 2

// The two batches the committed sample holds.
std::pair<Batch, Batch> sampleBatches() {
  Batch a, b;
  a.put(Column::kInstances, "inst-1", std::string("cont\0inuation", 13));
  a.remove(Column::kTimers, std::string("due\0t-1", 7));
  b.addCounters("m/steps", kCounters);
  b.put(Column::kInbox, std::string("inst-1\0r", 8), "");
  return {std::move(a), std::move(b)};
}

std::unique_ptr<Store> memoryStore() {
  StoreOptions options;
  options.in_memory = true;
  auto opened = Store::open("/group-codec-test", options);
  if (auto* error = std::get_if<std::string>(&opened)) {
    ADD_FAILURE() << *error;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<Store>>(opened));
}

TEST(GroupCodec, CommittedFormat1SampleDecodes) {
  const std::string bytes = readSample("group_format_1/group.bin");
  auto decoded = decodeGroup(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  const auto& w = decoded.value();
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0].kind, Batch::Kind::kPut);
  EXPECT_EQ(w[0].column, Column::kInstances);
  EXPECT_EQ(w[0].key, "inst-1");
  EXPECT_EQ(w[0].value, std::string_view("cont\0inuation", 13));
  EXPECT_EQ(w[1].kind, Batch::Kind::kRemove);
  EXPECT_EQ(w[1].column, Column::kTimers);
  EXPECT_EQ(w[1].key, std::string_view("due\0t-1", 7));
  EXPECT_EQ(w[2].kind, Batch::Kind::kMerge);
  EXPECT_EQ(w[2].column, Column::kMetrics);
  EXPECT_EQ(w[2].value, kCounters);
  EXPECT_EQ(w[3].kind, Batch::Kind::kPut);
  EXPECT_EQ(w[3].column, Column::kInbox);
  EXPECT_EQ(w[3].value, "");
  // This rflow writes exactly the committed bytes for the same batches.
  auto [a, b] = sampleBatches();
  const Batch* group[] = {&a, &b};
  EXPECT_EQ(encodeGroup(group), bytes);
}

TEST(GroupCodec, EveryTruncationAndBadByteIsRefused) {
  const std::string bytes = readSample("group_format_1/group.bin");
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto decoded = decodeGroup(std::string_view(bytes).substr(0, n));
    EXPECT_FALSE(decoded.ok()) << "a payload cut at " << n << " bytes decoded";
  }
  auto expectRefused = [](std::string payload, std::string_view says) {
    auto decoded = decodeGroup(payload);
    ASSERT_FALSE(decoded.ok());
    EXPECT_NE(decoded.status().message().find(says), std::string::npos)
        << decoded.status().message();
  };
  std::string wrong_format = bytes;
  wrong_format[0] = 2;
  expectRefused(wrong_format, "format is 2");
  std::string bad_kind = bytes;
  bad_kind[2] = 9;
  expectRefused(bad_kind, "unknown kind 9");
  std::string bad_column = bytes;
  bad_column[3] = 13;
  expectRefused(bad_column, "unknown column 13");
  // The redo column is each node's own: a group naming it is refused too.
  bad_column[3] = 12;
  expectRefused(bad_column, "names column 12 (redo)");
  expectRefused(bytes + "x", "follow the last write");
  std::string huge_count = bytes;
  huge_count[1] = 0x7F;
  expectRefused(huge_count, "claims 127 writes");
  // A merge whose value is not counters would fail every later read of its key.
  Batch merge;
  merge.addCounters("m", "not counters");
  const Batch* group[] = {&merge};
  expectRefused(encodeGroup(group), "not counters");
}

TEST(GroupCodec, ApplyWritesTheGroupAndAppliedSeqAtOnce) {
  auto store = memoryStore();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->appliedSeq().value(), 0u);
  Batch before;
  before.put(Column::kTimers, std::string("due\0t-1", 7), "timer");
  ASSERT_TRUE(store->commit(before).ok());

  auto [a, b] = sampleBatches();
  const Batch* group[] = {&a, &b};
  ASSERT_TRUE(store->applyGroup(encodeGroup(group), 42).ok());
  EXPECT_EQ(store->appliedSeq().value(), 42u);
  EXPECT_EQ(store->get(Column::kInstances, "inst-1").value(), std::string("cont\0inuation", 13));
  EXPECT_FALSE(store->get(Column::kTimers, std::string("due\0t-1", 7)).value().has_value());
  auto metrics = store->get(Column::kMetrics, "m/steps");
  ASSERT_TRUE(metrics.ok() && metrics.value());
  Counters sum;
  ASSERT_TRUE(addEncodedCounters(*metrics.value(), sum));
  EXPECT_EQ(sum["steps"], 1);

  // A malformed payload: refused, and neither its writes nor its sequence land.
  std::string bad = encodeGroup(group);
  bad.resize(bad.size() - 1);
  Batch other;
  other.put(Column::kInstances, "inst-2", "x");
  const Batch* other_group[] = {&other};
  std::string mixed = encodeGroup(other_group);
  mixed.push_back('!');
  for (const std::string& payload : {bad, mixed}) {
    const Status refused = store->applyGroup(payload, 43);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.message().find("nothing of it was applied"), std::string::npos);
  }
  EXPECT_EQ(store->appliedSeq().value(), 42u);
  EXPECT_FALSE(store->get(Column::kInstances, "inst-2").value().has_value());
}

}  // namespace
}  // namespace rflow::store
