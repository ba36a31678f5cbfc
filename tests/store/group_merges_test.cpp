// A commit group's counters merges are combined per key (store/group_merges.h): fewer
// operands, joined rather than added, the same sums, and a put in the group still wins over
// the merges before it.
#include "store/group_merges.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "store/counters.h"
#include "store/store.h"

namespace rflow::store {
namespace {

using Written = std::vector<std::pair<std::string, std::string>>;

GroupMerges::Write recorder(Written& out) {
  return [&out](std::string_view key, std::string_view operand) {
    out.emplace_back(key, operand);
    return true;
  };
}

// What a reader sees: the counters added up, those at zero left out (as the merge
// operator's folded value leaves them out).
Counters decoded(std::string_view bytes) {
  Counters c;
  EXPECT_TRUE(addEncodedCounters(bytes, c));
  std::erase_if(c, [](const auto& counter) { return counter.second == 0; });
  return c;
}

TEST(GroupMerges, OperandsToOneKeyBecomeOneSum) {
  const std::string a = encodeCounters({{"steps", 1}, {"open", 1}});
  const std::string b = encodeCounters({{"steps", 1}, {"open", -1}});
  const std::string c = encodeCounters({{"steps", 2}});
  const std::string other = encodeCounters({{"steps", 7}});
  Written out;
  GroupMerges merges;
  const auto write = recorder(out);
  ASSERT_TRUE(merges.add("h/10", a, write));
  ASSERT_TRUE(merges.add("gauges", other, write));
  ASSERT_TRUE(merges.add("h/10", b, write));
  ASSERT_TRUE(merges.add("h/10", c, write));
  EXPECT_TRUE(out.empty());  // held until the group is written
  ASSERT_TRUE(merges.flushAll(write));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].first, "h/10");  // in the order the keys were first merged
  EXPECT_EQ(decoded(out[0].second), (Counters{{"steps", 4}}));  // "open" added up to 0
  EXPECT_EQ(out[1].first, "gauges");
  EXPECT_EQ(out[1].second, other);  // one operand passes as it came
  EXPECT_EQ(merges.received(), 4u);
  EXPECT_EQ(merges.written(), 2u);
  // Joined, not decoded: the three operands' bytes, one format byte.
  EXPECT_EQ(out[0].second, a + b.substr(1) + c.substr(1));
}

// Operands written before format 2 (whole names) are not joined but added up, with what
// was joined before them.
TEST(GroupMerges, Format1OperandsAreAddedUp) {
  const std::string two = encodeCounters({{"n", 1}});
  const std::string one = std::string("\x01\x01n\x04", 4);  // format 1: n += 2
  ASSERT_EQ(decoded(one), (Counters{{"n", 2}}));
  Written out;
  GroupMerges merges;
  const auto write = recorder(out);
  ASSERT_TRUE(merges.add("k", two, write));
  ASSERT_TRUE(merges.add("k", two, write));
  ASSERT_TRUE(merges.add("k", one, write));
  ASSERT_TRUE(merges.add("k", two, write));
  ASSERT_TRUE(merges.flushAll(write));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(decoded(out[0].second), (Counters{{"n", 5}}));
}

TEST(GroupMerges, WhatWasHeldIsWrittenBeforeAPutOfTheKey) {
  const std::string one = encodeCounters({{"n", 1}});
  Written out;
  GroupMerges merges;
  const auto write = recorder(out);
  ASSERT_TRUE(merges.add("k", one, write));
  ASSERT_TRUE(merges.add("k", one, write));
  ASSERT_TRUE(merges.flush("k", write));  // the caller puts "k" next
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(decoded(out[0].second), (Counters{{"n", 2}}));
  ASSERT_TRUE(merges.add("k", one, write));  // after the put: held anew
  ASSERT_TRUE(merges.flushAll(write));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].second, one);
  ASSERT_TRUE(merges.flush("never merged", write));
  EXPECT_EQ(out.size(), 2u);
}

TEST(GroupMerges, AnOperandThatIsNotCountersPassesAsItCame) {
  const std::string one = encodeCounters({{"n", 1}});
  Written out;
  GroupMerges merges;
  const auto write = recorder(out);
  ASSERT_TRUE(merges.add("k", one, write));
  ASSERT_TRUE(merges.add("k", one, write));
  ASSERT_TRUE(merges.add("k", "not counters", write));
  ASSERT_TRUE(merges.flushAll(write));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(decoded(out[0].second), (Counters{{"n", 2}}));  // first, in order
  EXPECT_EQ(out[1].second, "not counters");
}

TEST(GroupMerges, AFailedWriteIsReported) {
  GroupMerges merges;
  const GroupMerges::Write refuse = [](std::string_view, std::string_view) { return false; };
  const std::string one = encodeCounters({{"n", 1}});
  ASSERT_TRUE(merges.add("k", one, refuse));
  EXPECT_FALSE(merges.flushAll(refuse));
}

// Through the store: a group's merges to one key read back as their sum, and a put of a
// key in the group wins over the merges before it and not over those after it.
TEST(GroupMerges, AGroupCommittedReadsBackTheSameSums) {
  StoreOptions options;
  options.in_memory = true;
  auto opened = Store::open("/mem-group-merges", options);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Store>>(opened));
  Store& store = *std::get<std::unique_ptr<Store>>(opened);
  Batch first, second, third;
  first.addCounters("sum", encodeCounters({{"a", 2}, {"b", 1}}));
  first.addCounters("reset", encodeCounters({{"a", 100}}));
  second.addCounters("sum", encodeCounters({{"a", 3}}));
  second.put(Column::kMetrics, "reset", encodeCounters({{"a", 5}}));
  third.addCounters("sum", encodeCounters({{"b", -1}, {"c", 9}}));
  third.addCounters("reset", encodeCounters({{"a", 1}}));
  const Batch* group[] = {&first, &second, &third};
  ASSERT_TRUE(store.commitGroup(group).ok());
  auto sum = store.get(Column::kMetrics, "sum");
  ASSERT_TRUE(sum.ok() && sum.value().has_value());
  EXPECT_EQ(decoded(*sum.value()), (Counters{{"a", 5}, {"c", 9}}));
  auto reset = store.get(Column::kMetrics, "reset");
  ASSERT_TRUE(reset.ok() && reset.value().has_value());
  EXPECT_EQ(decoded(*reset.value()), (Counters{{"a", 6}}));
}

}  // namespace
}  // namespace rflow::store
