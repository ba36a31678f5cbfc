// The snapshot store against a real nats-server: a directory stored as chunks and restored
// byte for byte, the newest two kept, and corrupted chunks found before anything is
// restored.
#include "cluster/snapshot_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "../common/files.h"
#include "cluster/snapshot_archive.h"
#include "nats_harness.h"
#include "test_client.h"

namespace rflow::cluster {
namespace {
using testing::NatsServers;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

using rflow::test_support::readFile;
using rflow::test_support::writeFile;

class SnapshotStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_NATS_SERVER();
    std::string error;
    nats_ = NatsServers::start(1, &error);
    ASSERT_TRUE(nats_) << error;
    std::string t = (fs::temp_directory_path() / "rflow-snap-XXXXXX").string();
    dir_ = mkdtemp(t.data());
    client_ = testing::connectClient(*nats_, "snapshot-test");
    ASSERT_TRUE(client_);
    SnapshotStoreOptions so;
    so.replicas = 1;
    auto s = SnapshotStore::open(client_, so);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(s).value();
    // A checkpoint-like directory: two large files (several chunks) and small ones.
    src_ = dir_ / "checkpoint";
    std::mt19937 rng(5);
    std::string big(700 * 1024, '\0');
    for (auto& c2 : big)
      c2 = static_cast<char>(rng());
    writeFile(src_ / "000012.sst", big);
    writeFile(src_ / "000013.sst", big.substr(0, 100000));
    writeFile(src_ / "CURRENT", "MANIFEST-000011\n");
    writeFile(src_ / "OPTIONS-000009", "[Version]\n");
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  // Replaces chunk `index` of snapshot `m` (and republishes the ones after it, to keep
  // their order) with `data`, its Rflow-Chunk-Sha256 header set to `sha` (or kept).
  void replaceChunk(const SnapshotManifest& m, size_t index, const std::string& data,
                    std::optional<std::string> sha) {
    const std::string subject = SnapshotStore::chunkSubject(m.partition, m.id);
    auto chunks = client_->readRange(SnapshotStore::kStream, subject, 1, UINT64_MAX, 100, 5s);
    ASSERT_TRUE(chunks.ok()) << chunks.status().message();
    ASSERT_EQ(chunks.value().size(), m.chunks);
    for (size_t i = index; i < chunks.value().size(); ++i) {
      ASSERT_TRUE(client_->deleteMsg(SnapshotStore::kStream, chunks.value()[i].seq).ok());
    }
    for (size_t i = index; i < chunks.value().size(); ++i) {
      StoredMsg c = chunks.value()[i];
      if (i == index) {
        c.data = data;
        for (auto& h : c.headers) {
          if (h.name == "Rflow-Chunk-Sha256" && sha) h.value = *sha;
        }
      }
      std::vector<Header> headers;
      for (const auto& h : c.headers) {
        if (h.name.rfind("Rflow-", 0) == 0) headers.push_back(h);
      }
      ASSERT_TRUE(client_->publish(subject, headers, c.data, PublishOptions{}).ok());
    }
  }

  std::unique_ptr<NatsServers> nats_;
  fs::path dir_;
  fs::path src_;
  std::shared_ptr<NatsClient> client_;
  std::unique_ptr<SnapshotStore> store_;
};

TEST_F(SnapshotStoreTest, StoreAndRestoreByteEqual) {
  auto m = store_->store(5, 120, 3, src_);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m.value().chunks, (m.value().bytes + 256 * 1024 - 1) / (256 * 1024));
  EXPECT_GE(m.value().chunks, 4u);
  auto latest = store_->latest(5);
  ASSERT_TRUE(latest.ok() && latest.value().has_value());
  EXPECT_EQ(latest.value()->seq, 120u);
  EXPECT_EQ(latest.value()->epoch, 3u);
  EXPECT_EQ(latest.value()->sha256, m.value().sha256);

  const fs::path out = dir_ / "restored";
  Status s = store_->restore(*latest.value(), out);
  ASSERT_TRUE(s.ok()) << s.message();
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(src_)) {
    const fs::path rel = fs::relative(e.path(), src_);
    EXPECT_EQ(readFile(e.path()), readFile(out / rel)) << rel;
    ++files;
  }
  EXPECT_EQ(files, 4u);
  EXPECT_FALSE(store_->restore(*latest.value(), out).ok());  // never over an existing one
  // Another partition has none.
  EXPECT_FALSE(store_->latest(6).value().has_value());
}

TEST_F(SnapshotStoreTest, KeepsTheNewestTwo) {
  for (Seq seq : {10, 20, 30}) {
    writeFile(src_ / "CURRENT", "MANIFEST-" + std::to_string(seq) + "\n");
    ASSERT_TRUE(store_->store(1, seq, 1, src_).ok());
  }
  auto all = store_->list(1);
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_EQ(all.value().size(), 2u);
  EXPECT_EQ(all.value()[0].seq, 20u);
  EXPECT_EQ(all.value()[1].seq, 30u);
  auto gone = client_->readRange(SnapshotStore::kStream, SnapshotStore::chunkSubject(1, "10-1"), 1,
                                 UINT64_MAX, 100, 2s);
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone.value().empty());
  const fs::path out = dir_ / "r20";
  ASSERT_TRUE(store_->restore(all.value()[0], out).ok());
  EXPECT_EQ(readFile(out / "CURRENT"), "MANIFEST-20\n");
}

TEST_F(SnapshotStoreTest, ACorruptedChunkIsDetectedAndNothingIsRestored) {
  auto m = store_->store(2, 50, 1, src_);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const std::string subject = SnapshotStore::chunkSubject(2, m.value().id);
  auto chunks = client_->readRange(SnapshotStore::kStream, subject, 1, UINT64_MAX, 100, 5s);
  ASSERT_TRUE(chunks.ok());
  std::string flipped = chunks.value()[1].data;
  flipped[1000] ^= 0x40;

  // The chunk no longer matches its own hash.
  replaceChunk(m.value(), 1, flipped, std::nullopt);
  const fs::path out = dir_ / "bad";
  Status s = store_->restore(m.value(), out);
  EXPECT_EQ(s.kind(), ErrorKind::kCorrupt);
  EXPECT_NE(s.message().find("chunk 1"), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(dir_ / "bad.partial"));

  // Its hash rewritten to match: the manifest's hash of the whole still catches it.
  replaceChunk(m.value(), 1, flipped, Sha256::of(flipped));
  s = store_->restore(m.value(), out);
  EXPECT_EQ(s.kind(), ErrorKind::kCorrupt);
  EXPECT_NE(s.message().find("manifest"), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(out));

  // A missing chunk.
  auto now = client_->readRange(SnapshotStore::kStream, subject, 1, UINT64_MAX, 100, 5s);
  ASSERT_TRUE(client_->deleteMsg(SnapshotStore::kStream, now.value().back().seq).ok());
  s = store_->restore(m.value(), out);
  EXPECT_EQ(s.kind(), ErrorKind::kCorrupt);
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace rflow::cluster
