// The RocksDB store: atomic batches, reads and ordered scans, persistence across
// reopening, and the clear errors for a directory in use or of a newer schema.
#include "store/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace rflow::store {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<Store> openOrFail(const std::string& dir, StoreOptions options = {}) {
  auto opened = Store::open(dir, options);
  if (auto* error = std::get_if<std::string>(&opened)) {
    ADD_FAILURE() << *error;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<Store>>(opened));
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("rflow-store-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(Store, BatchesAreAtomicAndReadable) {
  auto store = openOrFail("/mem", {.durability = Durability::kAsync, .in_memory = true, .env = {}});
  ASSERT_TRUE(store);
  Batch batch;
  batch.put(Column::kInstances, "i1", "one");
  batch.put(Column::kInstances, "i2", "two");
  batch.put(Column::kTasks, "t1", "task");
  EXPECT_EQ(batch.count(), 3u);
  EXPECT_EQ(store->commit(batch), "");
  EXPECT_EQ(store->get(Column::kInstances, "i1").value_or(""), "one");
  EXPECT_EQ(store->get(Column::kTasks, "t1").value_or(""), "task");
  EXPECT_FALSE(store->get(Column::kTasks, "i1").has_value()) << "columns are separate";

  Batch second;
  second.remove(Column::kInstances, "i1");
  second.put(Column::kInstances, "i3", "three");
  EXPECT_EQ(store->commit(second), "");
  EXPECT_FALSE(store->get(Column::kInstances, "i1").has_value());
  EXPECT_EQ(store->get(Column::kInstances, "i3").value_or(""), "three");
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
  ASSERT_EQ(store->commit(batch), "");

  std::vector<std::string> timers;
  EXPECT_EQ(store->scanFrom(Column::kTimers, "",
                            [&](std::string_view, std::string_view v) {
                              timers.emplace_back(v);
                              return true;
                            }),
            "");
  EXPECT_EQ(timers, (std::vector<std::string>{"10", "20", "30"}));

  std::vector<std::string> audit;
  EXPECT_EQ(store->scan(Column::kAudit, joinKey("a", ""),
                        [&](std::string_view, std::string_view v) {
                          audit.emplace_back(v);
                          return true;
                        }),
            "");
  EXPECT_EQ(audit, (std::vector<std::string>{"a1", "a2"}));

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
    auto store = openOrFail(dir.path());
    ASSERT_TRUE(store);
    Batch batch;
    batch.put(Column::kModules, "v1", "bytes");
    ASSERT_EQ(store->commit(batch), "");
  }
  auto store = openOrFail(dir.path());
  ASSERT_TRUE(store);
  EXPECT_EQ(store->get(Column::kModules, "v1").value_or(""), "bytes");
}

TEST(Store, ADirectoryInUseIsRefusedClearly) {
  TempDir dir;
  auto first = openOrFail(dir.path());
  ASSERT_TRUE(first);
  auto second = Store::open(dir.path());
  ASSERT_TRUE(std::holds_alternative<std::string>(second));
  EXPECT_NE(std::get<std::string>(second).find("in use by another rflow process"),
            std::string::npos)
      << std::get<std::string>(second);
}

TEST(Store, ANewerSchemaIsRefused) {
  TempDir dir;
  {
    auto store = openOrFail(dir.path());
    ASSERT_TRUE(store);
    Batch batch;
    batch.put(Column::kMeta, "schema", "99");
    ASSERT_EQ(store->commit(batch), "");
  }
  auto reopened = Store::open(dir.path());
  ASSERT_TRUE(std::holds_alternative<std::string>(reopened));
  EXPECT_NE(std::get<std::string>(reopened).find("written by another version of rflow"),
            std::string::npos);
}

TEST(Store, AnUnusableDirectoryIsRefused) {
  TempDir dir;
  fs::create_directories(fs::path(dir.path()).parent_path());
  // A file where the directory should be.
  { std::ofstream(dir.path()) << "x"; }
  auto opened = Store::open(dir.path() + "/sub");
  ASSERT_TRUE(std::holds_alternative<std::string>(opened));
  EXPECT_NE(std::get<std::string>(opened).find(dir.path()), std::string::npos);
  fs::remove(dir.path());
}

}  // namespace
}  // namespace rflow::store
