// Backups of the store (runtime/store/backup.h): a backup made while other threads commit
// holds every batch committed before it began, whole; restores refuse a non-empty target
// and name a damaged file; listing, labels, keep, and the mistakes a person makes with
// directories.
#include "store/backup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../common/temp_dir.h"
#include "store/store.h"
#include "store_test_util.h"

namespace rflow::store {
namespace {

namespace fs = std::filesystem;

using rflow::test_support::TempDir;

std::string keyOf(uint64_t n) {
  std::string key;
  appendU64(key, n);
  return key;
}

// Batch n: an instance record and its audit entry, which only exist together.
Status commitPair(Store& store, uint64_t n) {
  Batch batch;
  batch.put(Column::kInstances, keyOf(n), std::string(200, 'i'));
  batch.put(Column::kAudit, keyOf(n), "entry " + std::to_string(n));
  return store.commit(batch);
}

size_t countKeys(const Store& store, Column column) {
  size_t n = 0;
  EXPECT_TRUE(store
                  .scan(column, "",
                        [&](std::string_view, std::string_view) {
                          ++n;
                          return true;
                        })
                  .ok());
  return n;
}

template <typename T>
T valueOrFail(Result<T> result) {
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? std::move(result).value() : T{};
}

TEST(Backup, ABackupMadeWhileCommittingHoldsEveryBatchCommittedBeforeIt) {
  TempDir tmp;
  // Async commits: the test wants many of them; a backup reads the log file either way.
  auto store = openOrFail(tmp.sub("data"), Durability::kAsync);
  ASSERT_TRUE(store);
  // Enough to be in table files and in the log both.
  for (uint64_t n = 0; n < 2000; ++n)
    ASSERT_TRUE(commitPair(*store, n).ok());

  std::atomic<uint64_t> committed{2000};
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  std::atomic<uint64_t> next{2000};
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&] {
      while (!stop.load()) {
        const uint64_t n = next.fetch_add(1);
        if (!commitPair(*store, n).ok()) return;
        // `committed` counts batches that returned; ids below it may still be in flight
        // in other threads, so the test checks the ones it knows returned.
        committed.fetch_add(1);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // The batches whose commits returned before the backup began.
  const uint64_t issued = next.load();
  const uint64_t returned = committed.load();
  const BackupInfo made = valueOrFail(createBackup(*store, tmp.sub("backups"), {"under load", 0}));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stop = true;
  for (auto& t : writers)
    t.join();
  EXPECT_EQ(made.id, 1u);
  EXPECT_EQ(made.label, "under load");
  EXPECT_GT(made.bytes, 0u);
  EXPECT_GT(made.files, 0u);
  EXPECT_GT(next.load(), issued + 10) << "the writers kept committing during the backup";

  const BackupInfo restored =
      valueOrFail(restoreBackup(tmp.sub("backups"), std::nullopt, tmp.sub("restored")));
  EXPECT_EQ(restored.id, 1u);
  auto copy = openOrFail(tmp.sub("restored"));
  ASSERT_TRUE(copy);
  // Every batch is whole: as many audit entries as instances, each with its partner.
  const size_t instances = countKeys(*copy, Column::kInstances);
  EXPECT_EQ(instances, countKeys(*copy, Column::kAudit));
  EXPECT_GE(instances, returned) << "at least the batches that had returned";
  EXPECT_LT(instances, next.load()) << "not the batches committed after the backup";
  // The first `returned - 3` ids were all returned (3 writers: at most 3 in flight).
  for (uint64_t n = 0; n + 3 < returned; ++n) {
    auto got = copy->get(Column::kAudit, keyOf(n));
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE(got.value().has_value()) << "batch " << n << " was committed before the backup";
  }
}

TEST(Backup, BackupsAreListedIncrementalAndKeptToTheNewest) {
  TempDir tmp;
  auto store = openOrFail(tmp.sub("data"));
  ASSERT_TRUE(store);
  const std::string dir = tmp.sub("backups");
  for (uint64_t n = 0; n < 500; ++n)
    ASSERT_TRUE(commitPair(*store, n).ok());
  const auto sharedFiles = [&] {
    size_t n = 0;
    for (const auto& entry : fs::directory_iterator(fs::path(dir) / "shared_checksum"))
      n += entry.path().extension() == ".sst" ? 1 : 0;
    return n;
  };
  valueOrFail(createBackup(*store, dir));
  const size_t after_first = sharedFiles();
  EXPECT_GE(after_first, 2u) << "the instances' and the audit's table files";
  ASSERT_TRUE(commitPair(*store, 1000).ok());
  valueOrFail(createBackup(*store, dir, {"before upgrade", 0}));
  // Incremental: the second backup copies only the table files flushed since the first
  // (one per column the new batch wrote), not the first's again.
  EXPECT_LE(sharedFiles() - after_first, 2u);
  EXPECT_GT(sharedFiles(), after_first);

  auto listed = valueOrFail(listBackups(dir));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, 1u);
  EXPECT_EQ(listed[1].id, 2u);
  EXPECT_EQ(listed[1].label, "before upgrade");
  EXPECT_GT(listed[1].time_ms, 1'600'000'000'000);
  EXPECT_TRUE(verifyBackup(dir, 1).ok());
  EXPECT_TRUE(verifyBackup(dir, 2).ok());

  const BackupInfo third = valueOrFail(createBackup(*store, dir, {"", 2}));
  listed = valueOrFail(listBackups(dir));
  ASSERT_EQ(listed.size(), 2u) << "keep = 2 deleted the oldest";
  EXPECT_EQ(listed[0].id, 2u);
  EXPECT_EQ(listed[1].id, third.id);
  // An older backup restores what was committed when it was made.
  ASSERT_TRUE(valueOrFail(restoreBackup(dir, 2, tmp.sub("r2"))).id == 2u);
  auto copy = openOrFail(tmp.sub("r2"));
  ASSERT_TRUE(copy);
  EXPECT_EQ(countKeys(*copy, Column::kInstances), 501u);
  auto missing = restoreBackup(dir, 1, tmp.sub("r1"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("there is no backup 1"), std::string::npos)
      << missing.status().message();
  EXPECT_NE(missing.status().message().find("backups: 2, 3"), std::string::npos);
  EXPECT_FALSE(fs::exists(tmp.sub("r1")));
}

TEST(Backup, RestoreRefusesANonEmptyTargetAndLeavesItAlone) {
  TempDir tmp;
  auto store = openOrFail(tmp.sub("data"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(commitPair(*store, 1).ok());
  const std::string dir = tmp.sub("backups");
  valueOrFail(createBackup(*store, dir));
  fs::create_directories(tmp.sub("busy"));
  { std::ofstream(tmp.sub("busy") + "/notes.txt") << "keep me"; }
  auto refused = restoreBackup(dir, std::nullopt, tmp.sub("busy"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("is not empty (it holds `notes.txt`)"),
            std::string::npos)
      << refused.status().message();
  std::ifstream kept(tmp.sub("busy") + "/notes.txt");
  std::string text;
  std::getline(kept, text);
  EXPECT_EQ(text, "keep me");
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp.sub("busy")), fs::directory_iterator()), 1);
  // The live data directory is not empty either.
  EXPECT_FALSE(restoreBackup(dir, std::nullopt, tmp.sub("data")).ok());
  // An empty directory is fine.
  fs::create_directories(tmp.sub("empty"));
  EXPECT_TRUE(restoreBackup(dir, std::nullopt, tmp.sub("empty")).ok());
}

TEST(Backup, ADamagedFileIsNamedAndNothingIsRestored) {
  TempDir tmp;
  auto store = openOrFail(tmp.sub("data"));
  ASSERT_TRUE(store);
  for (uint64_t n = 0; n < 300; ++n)
    ASSERT_TRUE(commitPair(*store, n).ok());
  const std::string dir = tmp.sub("backups");
  const BackupInfo made = valueOrFail(createBackup(*store, dir));
  // One byte of a table file flipped, its size unchanged (bit rot, not truncation).
  fs::path victim;
  for (const auto& entry : fs::directory_iterator(fs::path(dir) / "shared_checksum"))
    if (entry.path().extension() == ".sst" && fs::file_size(entry.path()) > 200)
      victim = entry.path();
  ASSERT_FALSE(victim.empty());
  {
    std::fstream file(victim, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(100);
    const char c = static_cast<char>(file.get());
    file.seekp(100);
    file.put(static_cast<char>(c ^ 0x5A));
  }
  const Status verified = verifyBackup(dir, made.id);
  ASSERT_FALSE(verified.ok());
  EXPECT_NE(verified.message().find(victim.string()), std::string::npos) << verified.message();

  auto restored = restoreBackup(dir, made.id, tmp.sub("restored"));
  ASSERT_FALSE(restored.ok());
  const std::string why = restored.status().message();
  EXPECT_NE(why.find(victim.string()), std::string::npos) << why;
  EXPECT_NE(why.find("is damaged"), std::string::npos) << why;
  EXPECT_NE(why.find("nothing was restored"), std::string::npos) << why;
  EXPECT_FALSE(fs::exists(tmp.sub("restored"))) << "the directory it made is gone again";
  // A file that is missing altogether is named too.
  fs::remove(victim);
  for (std::optional<uint32_t> which :
       {std::optional<uint32_t>(made.id), std::optional<uint32_t>()}) {
    auto gone = restoreBackup(dir, which, tmp.sub("restored"));
    ASSERT_FALSE(gone.ok());
    EXPECT_NE(gone.status().message().find(victim.string()), std::string::npos)
        << gone.status().message();
    EXPECT_NE(gone.status().message().find("backup 1 in"), std::string::npos)
        << "without --id the newest backup, damaged, is not passed over for an older one";
    EXPECT_FALSE(fs::exists(tmp.sub("restored")));
  }
}

TEST(Backup, DirectoryMistakesAreRefusedClearly) {
  TempDir tmp;
  auto store = openOrFail(tmp.sub("data"));
  ASSERT_TRUE(store);
  auto into_itself = createBackup(*store, tmp.sub("data"));
  ASSERT_FALSE(into_itself.ok());
  EXPECT_NE(into_itself.status().message().find("is the data directory itself"), std::string::npos);
  auto other = openOrFail(tmp.sub("other"));
  ASSERT_TRUE(other);
  auto into_data = createBackup(*store, tmp.sub("other"));
  ASSERT_FALSE(into_data.ok());
  EXPECT_NE(into_data.status().message().find("is a data directory"), std::string::npos);
  auto long_label = createBackup(*store, tmp.sub("b"), {std::string(201, 'x'), 0});
  ASSERT_FALSE(long_label.ok());
  EXPECT_NE(long_label.status().message().find("at most 200"), std::string::npos);

  auto none = listBackups(tmp.sub("nowhere"));
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("there is no backup directory at"), std::string::npos);
  auto not_backups = listBackups(tmp.sub("data"));
  ASSERT_FALSE(not_backups.ok());
  EXPECT_NE(not_backups.status().message().find("holds no rflow backups"), std::string::npos);
  EXPECT_FALSE(restoreBackup(tmp.sub("data"), std::nullopt, tmp.sub("r")).ok());
  EXPECT_FALSE(fs::exists(tmp.sub("r")));

  auto in_memory =
      Store::open("/mem", {.durability = Durability::kAsync, .in_memory = true, .env = {}});
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Store>>(in_memory));
  auto refused = createBackup(*std::get<std::unique_ptr<Store>>(in_memory), tmp.sub("m"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("in-memory"), std::string::npos);
}

}  // namespace
}  // namespace rflow::store
