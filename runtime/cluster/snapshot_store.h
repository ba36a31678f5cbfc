// Partition snapshots in JetStream (scaleout.md §4): a snapshot's directory (a RocksDB
// checkpoint) as an archive (snapshot_archive.h) cut into chunks of 256 KiB in stream
// RF_SNAP, then a manifest. libnats 3.4.1 has no object store, hence the chunking here.
//
// Subjects: chunks of snapshot <id> of partition <p> on rf.snap.<pp>.<id>.c (headers
// Rflow-Chunk: index, Rflow-Chunk-Sha256: the chunk's hash), manifests on rf.snap.<pp>.m.
// The id is "<seq>-<epoch>": storing the same snapshot again first drops the chunks an
// interrupted store left.
//
// Manifest (JSON, format 1): {"format":1, "partition", "seq", "epoch", "id", "sha256" (of
// the whole archive), "chunks", "bytes", "chunk_size"}.
//
// Invariants: a manifest is published only after every chunk it counts was acknowledged,
// so a manifest names a complete snapshot; the newest `keep` (2) manifests per partition
// and their chunks are kept, older ones deleted after a new manifest is stored; restore()
// checks every chunk's index and hash, the count, and the whole archive's SHA-256, and
// creates the target directory only when all of them verify.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "cluster/nats_client.h"
#include "cluster/partition_log.h"

namespace rflow::cluster {

struct SnapshotManifest {
  uint32_t partition = 0;
  Seq seq = 0;      // the log sequence the snapshot's state includes (its applied_seq)
  Epoch epoch = 0;  // the owner's epoch when it was taken
  std::string id;
  std::string sha256;
  uint64_t chunks = 0;
  uint64_t bytes = 0;
  uint64_t chunk_size = 0;
  uint64_t stream_seq = 0;  // where the manifest is in RF_SNAP (not stored in it)
};

struct SnapshotStoreOptions {
  int replicas = 3;
  size_t chunk_size = 256 * 1024;
  size_t keep = 2;
  // A chunk or manifest publish without an answer is repeated (same Msg-Id) this long.
  std::chrono::milliseconds publish_deadline{10000};
  std::chrono::milliseconds read_timeout{30000};  // fetching one snapshot's chunks
};

class SnapshotStore {
 public:
  static constexpr const char* kStream = "RF_SNAP";
  // Creates stream RF_SNAP if it is not there, or checks it.
  static Result<std::unique_ptr<SnapshotStore>> open(std::shared_ptr<NatsClient> client,
                                                     SnapshotStoreOptions options);

  // Stores directory `dir` as partition's snapshot at (seq, epoch), then keeps the newest
  // options.keep snapshots of that partition.
  Result<SnapshotManifest> store(uint32_t partition, Seq seq, Epoch epoch,
                                 const std::filesystem::path& dir);
  // The partition's snapshots, oldest first.
  Result<std::vector<SnapshotManifest>> list(uint32_t partition);
  Result<std::optional<SnapshotManifest>> latest(uint32_t partition);
  // Fetches, verifies and unpacks a snapshot into `target`, which must not exist; on any
  // failure `target` is not created.
  Status restore(const SnapshotManifest& manifest, const std::filesystem::path& target);

  static std::string chunkSubject(uint32_t partition, const std::string& id);
  static std::string manifestSubject(uint32_t partition);

 private:
  SnapshotStore(std::shared_ptr<NatsClient> client, SnapshotStoreOptions options)
      : client_(std::move(client)), options_(options) {}
  Result<PubAck> publishRetrying(const std::string& subject, std::span<const Header> headers,
                                 std::string_view data, const std::string& msg_id);
  Status prune(uint32_t partition);

  std::shared_ptr<NatsClient> client_;
  SnapshotStoreOptions options_;
};

}  // namespace rflow::cluster
