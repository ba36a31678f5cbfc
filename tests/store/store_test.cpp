// The RocksDB store: atomic batches, reads and ordered scans, persistence across
// reopening, and the clear errors for a directory in use or of a newer schema.
#include "store/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../common/temp_dir.h"
#include "store/counters.h"
#include "store/fault_injection.h"
#include "store_test_util.h"

namespace rflow::store {
namespace {

namespace fs = std::filesystem;

// A read that must work: its value, or an empty optional for an absent key.
std::optional<std::string> read(const Store& store, Column column, std::string_view key) {
  auto got = store.get(column, key);
  EXPECT_TRUE(got.ok()) << got.status().message();
  return got.ok() ? got.value() : std::nullopt;
}

using rflow::test_support::TempDir;

// Counters values are PERSISTED: both formats, as stored, still decode and add up.
TEST(Counters, BothStoredFormatsDecode) {
  using namespace std::string_literals;
  // Format 1: whole names. "a\0b" = 5, "a\0c" = -2 (zigzag 10 and 3).
  const std::string whole =
      "\x01\x03"
      "a\0b"s +
      "\x0a\x03" + "a\0c"s + "\x03";
  // Format 2: the same, "a\0c" as 2 bytes shared with "a\0b" and "c".
  const std::string shared =
      "\x02\x00\x03"
      "a\0b"s +
      "\x0a\x02\x01"
      "c\x03"s;
  Counters sum;
  ASSERT_TRUE(addEncodedCounters(whole, sum));
  ASSERT_TRUE(addEncodedCounters(shared, sum));
  EXPECT_EQ(sum, (Counters{{"a\0b"s, 10}, {"a\0c"s, -4}}));
  // What is written now is format 2, and reads back.
  EXPECT_EQ(encodeCounters(Counters{{"a\0b"s, 5}, {"a\0c"s, -2}}), shared);
}

TEST(Counters, DamagedValuesAreRefused) {
  using namespace std::string_literals;
  Counters sum;
  EXPECT_FALSE(addEncodedCounters("", sum));
  EXPECT_FALSE(addEncodedCounters("\x03\x00"s, sum));  // unknown format
  EXPECT_FALSE(
      addEncodedCounters("\x02\x05\x01"
                         "a\x02"s,
                         sum));  // shares more than there is
  EXPECT_FALSE(
      addEncodedCounters("\x02\x00\x09"
                         "ab"s,
                         sum));  // a name past the end
  EXPECT_FALSE(
      addEncodedCounters("\x01\x01"
                         "a\x80"s,
                         sum));  // a value cut short
}

TEST(Store, BatchesAreAtomicAndReadable) {
  auto store = openOrFail("/mem", {.durability = Durability::kAsync, .in_memory = true, .env = {}});
  ASSERT_TRUE(store);
  Batch batch;
  batch.put(Column::kInstances, "i1", "one");
  batch.put(Column::kInstances, "i2", "two");
  batch.put(Column::kTasks, "t1", "task");
  EXPECT_EQ(batch.count(), 3u);
  EXPECT_TRUE(store->commit(batch).ok());
  EXPECT_EQ(read(*store, Column::kInstances, "i1").value_or(""), "one");
  EXPECT_EQ(read(*store, Column::kTasks, "t1").value_or(""), "task");
  EXPECT_FALSE(read(*store, Column::kTasks, "i1").has_value()) << "columns are separate";

  Batch second;
  second.remove(Column::kInstances, "i1");
  second.put(Column::kInstances, "i3", "three");
  EXPECT_TRUE(store->commit(second).ok());
  EXPECT_FALSE(read(*store, Column::kInstances, "i1").has_value());
  EXPECT_EQ(read(*store, Column::kInstances, "i3").value_or(""), "three");
}

TEST(Store, ScansInKeyOrderWithinAPrefix) {
  auto store = openOrFail("/mem", {.durability = Durability::kAsync, .in_memory = true, .env = {}});
  ASSERT_TRUE(store);
  Batch batch;
  for (uint64_t t : {30u, 10u, 20u}) {
    std::string key;
    appendU64(key, t);
    batch.put(Column::kTimers, key, std::to_string(t));
  }
  batch.put(Column::kAudit, joinKey("a", "1"), "a1");
  batch.put(Column::kAudit, joinKey("a", "2"), "a2");
  batch.put(Column::kAudit, joinKey("b", "1"), "b1");
  ASSERT_TRUE(store->commit(batch).ok());

  std::vector<std::string> timers;
  EXPECT_TRUE(store
                  ->scanFrom(Column::kTimers, "",
                             [&](std::string_view, std::string_view v) {
                               timers.emplace_back(v);
                               return true;
                             })
                  .ok());
  EXPECT_EQ(timers, (std::vector<std::string>{"10", "20", "30"}));

  std::vector<std::string> audit;
  EXPECT_TRUE(store
                  ->scan(Column::kAudit, joinKey("a", ""),
                         [&](std::string_view, std::string_view v) {
                           audit.emplace_back(v);
                           return true;
                         })
                  .ok());
  EXPECT_EQ(audit, (std::vector<std::string>{"a1", "a2"}));

  // The scan's bound is the key after the prefix's last: prefixes that end in 0xff bytes,
  // and one of 0xff bytes only (no bound), still see every key they hold and no other.
  using namespace std::string_literals;
  Batch high;
  for (const std::string& key :
       {"k\xff"s, "k\xff\xff\x01"s, "k\xff\x00"s, "l"s, "\xff\xff"s, "\xff\xff\xff"s, "k\xfe\xff"s})
    high.put(Column::kMeta, key, key);
  ASSERT_TRUE(store->commit(high).ok());
  const auto scanned = [&](const std::string& prefix) {
    std::vector<std::string> keys;
    EXPECT_TRUE(store
                    ->scan(Column::kMeta, prefix,
                           [&](std::string_view k, std::string_view) {
                             keys.emplace_back(k);
                             return true;
                           })
                    .ok());
    return keys;
  };
  EXPECT_EQ(scanned("k\xff"s),
            (std::vector<std::string>{"k\xff"s, "k\xff\x00"s, "k\xff\xff\x01"s}));
  EXPECT_EQ(scanned("k\xff\xff"s), (std::vector<std::string>{"k\xff\xff\x01"s}));
  EXPECT_EQ(scanned("k"s).size(), 4u);
  EXPECT_EQ(scanned("\xff\xff"s), (std::vector<std::string>{"\xff\xff"s, "\xff\xff\xff"s}));

  // Stopping early.
  size_t seen = 0;
  (void)store->scanFrom(Column::kTimers, "",
                        [&](std::string_view, std::string_view) { return ++seen < 2; });
  EXPECT_EQ(seen, 2u);
}

TEST(Store, KeysSortLikeTheirNumbers) {
  std::string a, b;
  appendU64(a, 255);
  appendU64(b, 256);
  EXPECT_LT(a, b);
  EXPECT_EQ(readU64(b), 256u);
  EXPECT_FALSE(readU64("short").has_value());
}

TEST(Store, WhatIsCommittedSurvivesReopening) {
  TempDir dir;
  {
    auto store = openOrFail(dir.sub("db"));
    ASSERT_TRUE(store);
    Batch batch;
    batch.put(Column::kModules, "v1", "bytes");
    ASSERT_TRUE(store->commit(batch).ok());
  }
  auto store = openOrFail(dir.sub("db"));
  ASSERT_TRUE(store);
  EXPECT_EQ(read(*store, Column::kModules, "v1").value_or(""), "bytes");
}

TEST(Store, ADirectoryInUseIsRefusedClearly) {
  TempDir dir;
  auto first = openOrFail(dir.sub("db"));
  ASSERT_TRUE(first);
  auto second = Store::open(dir.sub("db"));
  ASSERT_TRUE(std::holds_alternative<std::string>(second));
  EXPECT_NE(std::get<std::string>(second).find("in use by another rflow process"),
            std::string::npos)
      << std::get<std::string>(second);
}

TEST(Store, ANewerSchemaIsRefused) {
  TempDir dir;
  {
    auto store = openOrFail(dir.sub("db"));
    ASSERT_TRUE(store);
    Batch batch;
    batch.put(Column::kMeta, "schema", "99");
    ASSERT_TRUE(store->commit(batch).ok());
  }
  auto reopened = Store::open(dir.sub("db"));
  ASSERT_TRUE(std::holds_alternative<std::string>(reopened));
  EXPECT_NE(std::get<std::string>(reopened).find("written by another version of rflow"),
            std::string::npos);
}

TEST(Store, AnUnusableDirectoryIsRefused) {
  TempDir dir;
  fs::create_directories(fs::path(dir.sub("db")).parent_path());
  // A file where the directory should be.
  { std::ofstream(dir.sub("db")) << "x"; }
  auto opened = Store::open(dir.sub("db") + "/sub");
  ASSERT_TRUE(std::holds_alternative<std::string>(opened));
  EXPECT_NE(std::get<std::string>(opened).find(dir.sub("db")), std::string::npos);
  fs::remove(dir.sub("db"));
}

// Storage faults (issue 8): a failing or full disk refuses commits with a clear message,
// nothing of a refused commit is stored, and commits carry on when the disk is back.
class StoreFaults : public testing::TestWithParam<std::tuple<Fault, Durability>> {};

TEST_P(StoreFaults, ARefusedCommitStoresNothingAndWritesCarryOnAfterwards) {
  const auto [fault, durability] = GetParam();
  TempDir dir;
  auto faults = std::make_shared<FaultSwitch>();
  {
    auto opened = Store::open(
        dir.sub("db"),
        {.durability = durability, .in_memory = false, .env = faultInjectingEnv(faults)});
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Store>>(opened))
        << std::get<std::string>(opened);
    auto& store = *std::get<std::unique_ptr<Store>>(opened);
    store.retryWritesAfter(0);
    Batch before;
    before.put(Column::kInstances, "in-1", "one");
    ASSERT_TRUE(store.commit(before).ok());

    faults->set(fault);
    Batch refused;
    refused.put(Column::kInstances, "in-2", "two");
    refused.put(Column::kAudit, "in-2/1", "started");
    const Status refusal = store.commit(refused);
    const std::string& problem = refusal.message();
    if (durability == Durability::kAsync && fault == Fault::kSyncError) {
      // Nothing is synced per commit with async durability: the write is accepted.
      EXPECT_TRUE(refusal.ok());
      faults->set(Fault::kNone);
      return;
    }
    ASSERT_FALSE(refusal.ok()) << "a commit the disk refused must not report success";
    EXPECT_NE(problem.find(dir.sub("db")), std::string::npos) << problem;
    if (fault == Fault::kDiskFull) {
      EXPECT_NE(problem.find("is full"), std::string::npos) << problem;
    }
    EXPECT_TRUE(store.writeFailing());
    EXPECT_GT(faults->injected(), 0u);
    // Still failing while the fault lasts.
    Batch again;
    again.put(Column::kInstances, "in-3", "three");
    EXPECT_FALSE(store.commit(again).ok());

    faults->set(Fault::kNone);
    Batch after;
    after.put(Column::kInstances, "in-4", "four");
    EXPECT_TRUE(store.commit(after).ok()) << "writes carry on when the disk is back";
    EXPECT_FALSE(store.writeFailing());
    EXPECT_EQ(read(store, Column::kInstances, "in-1"), "one");
    EXPECT_EQ(read(store, Column::kInstances, "in-4"), "four");
  }
  // After a restart: every commit that reported success is there.
  auto reopened = Store::open(dir.sub("db"));
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Store>>(reopened))
      << std::get<std::string>(reopened);
  auto& store = *std::get<std::unique_ptr<Store>>(reopened);
  EXPECT_EQ(read(store, Column::kInstances, "in-1"), "one");
  EXPECT_EQ(read(store, Column::kInstances, "in-4"), "four");
  if (fault != Fault::kSyncError) {
    // A write that never reached the log is not there. (A failed sync may still leave the
    // batch in the log, so it can reappear: a refused commit's outcome is unknown, as
    // with any database, and the engine's steps are safe to repeat.)
    EXPECT_EQ(read(store, Column::kInstances, "in-2"), std::nullopt);
    EXPECT_EQ(read(store, Column::kAudit, "in-2/1"), std::nullopt);
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, StoreFaults,
                         testing::Combine(testing::Values(Fault::kWriteError, Fault::kSyncError,
                                                          Fault::kDiskFull),
                                          testing::Values(Durability::kSync, Durability::kAsync)));

}  // namespace
}  // namespace rflow::store
