// The log layer without NATS: the entry format (committed samples keep decoding, bad
// bodies are refused), the local log's fence, the owner's protocol (LogWriter) and the
// snapshot archive.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "../common/files.h"
#include "../common/temp_dir.h"
#include "cluster/deployment_log.h"
#include "cluster/entry_codec.h"
#include "cluster/local_partition_log.h"
#include "cluster/log_writer.h"
#include "cluster/redo_codec.h"
#include "cluster/snapshot_archive.h"

namespace rflow::cluster {
namespace {
namespace fs = std::filesystem;

using rflow::test_support::readFile;
using rflow::test_support::writeFile;

const fs::path kSamples = fs::path(RFLOW_CLUSTER_SAMPLES) / "entry_format_1";

TEST(RedoCodec, Format1SampleDecodesAndEncodesTheSame) {
  const std::string kept =
      readFile(fs::path(RFLOW_CLUSTER_SAMPLES) / "redo_format_1" / "claim.bin");
  ASSERT_FALSE(kept.empty());
  auto redo = decodeRedo(kept, 7, 42);
  ASSERT_TRUE(redo.ok()) << redo.status().message();
  EXPECT_EQ(redo.value().kept_at_ms, 1'800'000'000'000);
  EXPECT_EQ(redo.value().entry.kind, EntryKind::kClaim);
  EXPECT_EQ(redo.value().entry.epoch, 4u);
  EXPECT_EQ(redo.value().entry.node, "node-b");
  EXPECT_EQ(redo.value().entry.seq, 42u);
  EXPECT_EQ(redo.value().entry.msg_id, msgId(7, 4, 42));
  EXPECT_EQ(encodeRedo(1'800'000'000'000, encodeClaim({4, "node-b"})), kept);
  // A newer format is refused by name, and so is a short value.
  std::string newer = kept;
  newer[0] = 2;
  auto refused = decodeRedo(newer, 7, 42);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("format 2"), std::string::npos);
  EXPECT_FALSE(decodeRedo(kept.substr(0, 5), 7, 42).ok());
}

TEST(EntryCodec, Format1SamplesDecodeAndEncodeTheSame) {
  const std::string records = readFile(kSamples / "records.bin");
  ASSERT_FALSE(records.empty());
  LogEntry e;
  ASSERT_TRUE(decodeEntry(records, e).ok());
  EXPECT_EQ(e.kind, EntryKind::kRecords);
  EXPECT_EQ(e.epoch, 3u);
  EXPECT_EQ(e.records, (std::vector<std::string>{"step-a", "", std::string("batch\0bytes", 11)}));
  std::vector<std::string_view> views(e.records.begin(), e.records.end());
  EXPECT_EQ(encodeRecords(3, views), records);

  const std::string claim = readFile(kSamples / "claim.bin");
  ASSERT_TRUE(decodeEntry(claim, e).ok());
  EXPECT_EQ(e.kind, EntryKind::kClaim);
  EXPECT_EQ(e.epoch, 4u);
  EXPECT_EQ(e.node, "node-2");
  EXPECT_EQ(encodeClaim(Claim{4, "node-2"}), claim);

  const std::string genesis = readFile(kSamples / "genesis.bin");
  ASSERT_TRUE(decodeEntry(genesis, e).ok());
  EXPECT_EQ(e.kind, EntryKind::kGenesis);
  EXPECT_EQ(encodeGenesis(), genesis);
}

TEST(EntryCodec, RefusesEveryTruncationAndTrailingBytes) {
  const std::string records = readFile(kSamples / "records.bin");
  for (size_t n = 0; n < records.size(); ++n) {
    LogEntry e;
    Status s = decodeEntry(std::string_view(records).substr(0, n), e);
    EXPECT_EQ(s.kind(), ErrorKind::kCorrupt) << "prefix of " << n << " bytes";
  }
  LogEntry e;
  EXPECT_EQ(decodeEntry(records + "x", e).kind(), ErrorKind::kCorrupt);
  std::string future = records;
  future[0] = 2;
  Status s = decodeEntry(future, e);
  EXPECT_EQ(s.kind(), ErrorKind::kCorrupt);
  EXPECT_NE(s.message().find("format 2"), std::string::npos) << s.message();
  std::string kind = records;
  kind[1] = 9;
  EXPECT_EQ(decodeEntry(kind, e).kind(), ErrorKind::kCorrupt);
}

// Every prefix of a deployment sample, and the sample with a byte after it, is refused.
void expectOnlyTheWholeDecodes(const std::string& sample) {
  for (size_t n = 0; n < sample.size(); ++n) {
    DeploymentEntry cut;
    EXPECT_EQ(decodeDeployment(std::string_view(sample).substr(0, n), cut).kind(),
              ErrorKind::kCorrupt)
        << "prefix of " << n << " bytes";
  }
  DeploymentEntry longer;
  EXPECT_EQ(decodeDeployment(sample + "x", longer).kind(), ErrorKind::kCorrupt);
}

// Format 1 (before the doc comments) still decodes, as a deployment with none; it is
// written as format 2 now.
TEST(DeploymentCodec, Format1SampleDecodesAsADeploymentWithoutDocComments) {
  const std::string sample =
      readFile(fs::path(RFLOW_CLUSTER_SAMPLES) / "deployment_format_1" / "deployment.bin");
  ASSERT_FALSE(sample.empty());
  DeploymentEntry e;
  e.docs["stale"] = "from an earlier decode";
  ASSERT_TRUE(decodeDeployment(sample, e).ok());
  EXPECT_EQ(e.version, "5f0c2a");
  EXPECT_EQ(e.by, "ana");
  EXPECT_EQ(e.at_ms, 1796000000123);
  EXPECT_EQ(e.module, std::string("RFC\0module bytes", 16));
  EXPECT_TRUE(e.docs.empty());
  const std::string rewritten = encodeDeployment(e);
  EXPECT_EQ(rewritten[0], 2);
  EXPECT_EQ(rewritten.substr(1), sample.substr(1) + std::string(1, '\0'));  // no doc comments
  expectOnlyTheWholeDecodes(sample);
}

TEST(DeploymentCodec, Format2SampleDecodesWithItsDocCommentsAndEncodesTheSame) {
  const std::string sample =
      readFile(fs::path(RFLOW_CLUSTER_SAMPLES) / "deployment_format_2" / "deployment.bin");
  ASSERT_FALSE(sample.empty());
  DeploymentEntry e;
  ASSERT_TRUE(decodeDeployment(sample, e).ok());
  EXPECT_EQ(e.version, "5f0c2a");
  EXPECT_EQ(e.by, "ana");
  EXPECT_EQ(e.at_ms, 1796000000123);
  EXPECT_EQ(e.module, std::string("RFC\0module bytes", 16));
  EXPECT_EQ(e.docs, (DocComments{{"shop.Order", "An order a store places."},
                                 {"shop.Order.total", "Including tax, in the store's currency."}}));
  EXPECT_EQ(encodeDeployment(e), sample);
  expectOnlyTheWholeDecodes(sample);
  std::string future = sample;
  future[0] = 3;
  const Status s = decodeDeployment(future, e);
  EXPECT_EQ(s.kind(), ErrorKind::kCorrupt);
  EXPECT_NE(s.message().find("format 3"), std::string::npos) << s.message();
  // Names out of order (the second before the first) are no list this writer made.
  DeploymentEntry swapped = e;
  std::string bytes = encodeDeployment(swapped);
  const size_t second = bytes.find("shop.Order.total");
  ASSERT_NE(second, std::string::npos);
  bytes.replace(second, 16, "shop.Order.aaaaa");
  bytes.replace(bytes.find("shop.Order"), 10, "shop.Zzzzz");
  const Status unordered = decodeDeployment(bytes, e);
  EXPECT_EQ(unordered.kind(), ErrorKind::kCorrupt);
  EXPECT_NE(unordered.message().find("out of order"), std::string::npos) << unordered.message();
}

TEST(EntryCodec, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string body(rng() % 40, '\0');
    for (auto& c : body)
      c = static_cast<char>(rng());
    if (!body.empty()) body[0] = 1;
    LogEntry e;
    (void)decodeEntry(body, e);
  }
}

std::vector<std::string_view> recs(std::initializer_list<std::string_view> r) {
  return r;
}

TEST(LocalPartitionLog, AppendsAtTheTailOnlyAndClaimsFenceTheOldOwner) {
  LocalPartitionLog log(3);  // a new store: the genesis entry at 1
  ASSERT_EQ(log.lastSeq().value(), 1u);
  auto claim = log.claim(Claim{1, "a"}, 1);
  ASSERT_TRUE(claim.appended()) << claim.describe();
  EXPECT_EQ(claim.appended()->seq, 2u);
  auto a = log.append(recs({"x"}), 2, 1);
  ASSERT_TRUE(a.appended()) << a.describe();
  EXPECT_EQ(a.appended()->seq, 3u);

  // b claims after what it read (3); a's next append, still expecting 3, is fenced.
  ASSERT_TRUE(log.claim(Claim{2, "b"}, 3).appended());
  auto stale = log.append(recs({"y"}), 3, 1);
  ASSERT_TRUE(stale.fenced()) << stale.describe();
  EXPECT_EQ(stale.fenced()->by_epoch, 2u);
  EXPECT_EQ(stale.fenced()->by_node, "b");
  // An epoch that does not rise is no claim; a write at an unclaimed epoch is refused.
  EXPECT_TRUE(log.claim(Claim{2, "c"}, 4).rejected());
  EXPECT_TRUE(log.append(recs({"z"}), 4, 3).rejected());
  EXPECT_TRUE(log.append(recs({"z"}), 0, 2).rejected());
  // Expecting a tail beyond the log: the log lost entries (H3).
  EXPECT_TRUE(log.append(recs({"z"}), 9, 2).regressed());
  // Nothing is kept: the store holds the state, reads of old entries say so.
  EXPECT_EQ(log.bounds().value().first, 5u);
  EXPECT_EQ(log.read(2, 10).status().kind(), ErrorKind::kNotFound);
  EXPECT_TRUE(log.read(5, 10).ok());
  EXPECT_FALSE(log.trim(5).ok());
  EXPECT_TRUE(log.trim(4).ok());
}

TEST(LocalPartitionLog, ReopensAtTheStoredSequence) {
  LocalPartitionLog log(0, 41, 6, "n2");
  EXPECT_EQ(log.lastSeq().value(), 41u);
  auto a = log.append(recs({"x"}), 41, 6);
  ASSERT_TRUE(a.appended());
  EXPECT_EQ(a.appended()->seq, 42u);
}

// A log whose next answers are scripted, to drive LogWriter through every outcome.
class ScriptedLog final : public PartitionLog {
 public:
  std::vector<AppendResult> answers;
  std::vector<std::pair<Seq, Epoch>> calls;
  std::vector<std::vector<std::string>> payloads;
  uint32_t partition() const override { return 0; }
  AppendResult append(std::span<const std::string_view> r, Seq expected, Epoch epoch) override {
    calls.emplace_back(expected, epoch);
    payloads.emplace_back(r.begin(), r.end());
    return next();
  }
  AppendResult claim(const Claim& c, Seq expected) override {
    calls.emplace_back(expected, c.epoch);
    payloads.push_back({"claim:" + c.node});
    return next();
  }
  Result<std::vector<LogEntry>> read(Seq, size_t) override { return std::vector<LogEntry>{}; }
  Status trim(Seq) override { return {}; }
  Result<LogBounds> bounds() override { return LogBounds{}; }

 private:
  AppendResult next() {
    AppendResult r = answers.front();
    answers.erase(answers.begin());
    return r;
  }
};

TEST(LogWriter, RepeatsAnUnknownAppendUnchangedBeforeAnyOther) {
  ScriptedLog log;
  log.answers = {Appended{5, false}, Unknown{"timeout"}, Appended{6, true}, Appended{7, false}};
  LogWriter w(log, 4, 1);
  ASSERT_TRUE(w.claim("n1").appended());
  EXPECT_EQ(w.epoch(), 2u);
  EXPECT_EQ(w.tail(), 5u);
  {
    std::string first = "batch-1";  // the caller's buffer may go away after the call
    std::vector<std::string_view> v{first};
    ASSERT_TRUE(w.append(v).unknown());
    first = "clobbered";
  }
  EXPECT_TRUE(w.pending());
  std::vector<std::string_view> other{"batch-2"};
  EXPECT_TRUE(w.append(other).rejected());  // no I/O: the pending one comes first
  EXPECT_EQ(log.calls.size(), 2u);
  auto again = w.retryPending();
  ASSERT_TRUE(again.appended());
  EXPECT_EQ(log.payloads[2], std::vector<std::string>{"batch-1"});
  EXPECT_EQ(log.calls[2], (std::pair<Seq, Epoch>{5, 2}));
  EXPECT_EQ(w.tail(), 6u);
  ASSERT_TRUE(w.append(other).appended());
  EXPECT_EQ(log.calls[3], (std::pair<Seq, Epoch>{6, 2}));
  EXPECT_EQ(w.tail(), 7u);
}

TEST(LogWriter, StopsForGoodOnceFenced) {
  ScriptedLog log;
  log.answers = {Fenced{3, 4, "n9", "claimed"}};
  LogWriter w(log, 2, 3);
  std::vector<std::string_view> v{"x"};
  ASSERT_TRUE(w.append(v).fenced());
  EXPECT_TRUE(w.stopped());
  EXPECT_TRUE(w.append(v).fenced());  // answered without asking the log
  EXPECT_TRUE(w.claim("n1").fenced());
  EXPECT_EQ(log.calls.size(), 1u);
}

using rflow::test_support::TempDir;

// Every file under `a` is in `b` with the same bytes, and the other way round.
void expectSameTree(const fs::path& a, const fs::path& b) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(a)) {
    const fs::path rel = fs::relative(e.path(), a);
    ASSERT_TRUE(fs::exists(b / rel)) << rel;
    if (e.is_regular_file()) {
      EXPECT_EQ(readFile(e.path()), readFile(b / rel)) << rel;
    }
    ++n;
  }
  size_t m = 0;
  for ([[maybe_unused]] const auto& e : fs::recursive_directory_iterator(b))
    ++m;
  EXPECT_EQ(n, m);
}

TEST(SnapshotArchive, RoundTripInAnyPieceSize) {
  TempDir tmp;
  const fs::path src = tmp.path() / "src";
  std::string big(300000, '\0');
  std::mt19937 rng(1);
  for (auto& c : big)
    c = static_cast<char>(rng());
  writeFile(src / "CURRENT", "MANIFEST-000005\n");
  writeFile(src / "000007.sst", big);
  writeFile(src / "sub/empty", "");
  fs::create_directories(src / "emptydir");
  std::string archive;
  ASSERT_TRUE(writeArchive(src, [&](std::string_view p) {
                archive.append(p);
                return Status();
              }).ok());
  for (size_t piece : {size_t{1}, size_t{7}, size_t{65536}, archive.size()}) {
    const fs::path dst = tmp.path() / ("dst" + std::to_string(piece));
    ArchiveReader reader(dst);
    for (size_t off = 0; off < archive.size(); off += piece) {
      ASSERT_TRUE(reader.feed(std::string_view(archive).substr(off, piece)).ok());
    }
    ASSERT_TRUE(reader.finish().ok());
    expectSameTree(src, dst);
  }
}

TEST(SnapshotArchive, ACutOrHostileArchiveRestoresNothing) {
  TempDir tmp;
  const fs::path src = tmp.path() / "src";
  writeFile(src / "a", "hello");
  std::string archive;
  ASSERT_TRUE(writeArchive(src, [&](std::string_view p) {
                archive.append(p);
                return Status();
              }).ok());
  {
    ArchiveReader cut(tmp.path() / "cut");
    ASSERT_TRUE(cut.feed(std::string_view(archive).substr(0, archive.size() - 1)).ok());
    EXPECT_EQ(cut.finish().kind(), ErrorKind::kCorrupt);
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "cut"));
  EXPECT_FALSE(fs::exists(tmp.path() / "cut.partial"));
  // A path that climbs out of the target.
  std::string hostile = "RFSNAP1\n";
  hostile += '\2';
  const std::string path = "../escape";
  hostile += std::string{static_cast<char>(path.size()), 0, 0, 0} + path;
  hostile += std::string(8, '\0');
  ArchiveReader reader(tmp.path() / "h");
  EXPECT_EQ(reader.feed(hostile).kind(), ErrorKind::kCorrupt);
  EXPECT_FALSE(fs::exists(tmp.path() / "escape"));
  EXPECT_FALSE(fs::exists(tmp.path() / "h"));
}

TEST(Sha256, KnownDigest) {
  EXPECT_EQ(Sha256::of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace rflow::cluster
