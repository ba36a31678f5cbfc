// Storing, listing, pruning and restoring partition snapshots in RF_SNAP
// (snapshot_store.h).
#include "cluster/snapshot_store.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "cluster/snapshot_archive.h"

namespace rflow::cluster {
namespace {

constexpr int kManifestFormat = 1;
constexpr std::string_view kChunkHeader = "Rflow-Chunk";
constexpr std::string_view kChunkShaHeader = "Rflow-Chunk-Sha256";

using Clock = std::chrono::steady_clock;

Result<SnapshotManifest> parseManifest(const StoredMsg& msg) {
  auto bad = [&](std::string_view what) {
    return Status::failure(ErrorKind::kCorrupt, fmt::format("snapshot manifest at {} in {}: {}",
                                                            msg.seq, SnapshotStore::kStream, what));
  };
  nlohmann::json j = nlohmann::json::parse(msg.data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  if (j.value("format", 0) != kManifestFormat) {
    return bad(fmt::format("format {} is not one this rflow reads ({}); upgrade this node",
                           j.value("format", 0), kManifestFormat));
  }
  SnapshotManifest m;
  try {
    m.partition = j.at("partition").get<uint32_t>();
    m.seq = j.at("seq").get<uint64_t>();
    m.epoch = j.at("epoch").get<uint64_t>();
    m.id = j.at("id").get<std::string>();
    m.sha256 = j.at("sha256").get<std::string>();
    m.chunks = j.at("chunks").get<uint64_t>();
    m.bytes = j.at("bytes").get<uint64_t>();
    m.chunk_size = j.at("chunk_size").get<uint64_t>();
  } catch (const nlohmann::json::exception& e) {
    return bad(fmt::format("a field is missing or has the wrong type ({})", e.what()));
  }
  m.stream_seq = msg.seq;
  return m;
}

}  // namespace

std::string SnapshotStore::chunkSubject(uint32_t partition, const std::string& id) {
  return fmt::format("rf.snap.{:02}.{}.c", partition, id);
}

std::string SnapshotStore::manifestSubject(uint32_t partition) {
  return fmt::format("rf.snap.{:02}.m", partition);
}

Result<std::unique_ptr<SnapshotStore>> SnapshotStore::open(std::shared_ptr<NatsClient> client,
                                                           SnapshotStoreOptions options) {
  StreamSpec spec;
  spec.name = kStream;
  spec.subjects = {"rf.snap.>"};
  spec.replicas = options.replicas;
  if (Status s = client->ensureStream(spec); !s.ok()) return s;
  return std::unique_ptr<SnapshotStore>(new SnapshotStore(std::move(client), options));
}

Result<PubAck> SnapshotStore::publishRetrying(const std::string& subject,
                                              std::span<const Header> headers,
                                              std::string_view data, const std::string& msg_id) {
  PublishOptions po;
  po.msg_id = msg_id;
  const auto deadline = Clock::now() + options_.publish_deadline;
  for (int attempt = 0;; ++attempt) {
    auto ack = client_->publish(subject, headers, data, po);
    if (ack.ok() || ack.status().kind() != ErrorKind::kUnavailable || Clock::now() > deadline) {
      return ack;
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::min(25 << std::min(attempt, 4), 400)));
  }
}

Result<SnapshotManifest> SnapshotStore::store(uint32_t partition, Seq seq, Epoch epoch,
                                              const std::filesystem::path& dir) {
  SnapshotManifest m;
  m.partition = partition;
  m.seq = seq;
  m.epoch = epoch;
  m.id = fmt::format("{}-{}", seq, epoch);
  m.chunk_size = options_.chunk_size;
  const std::string subject = chunkSubject(partition, m.id);
  // Chunks an interrupted store of this same snapshot left behind.
  if (Status s = client_->purge(kStream, subject, 0); !s.ok()) return s;

  Sha256 whole;
  std::string chunk;
  chunk.reserve(options_.chunk_size);
  // A unique run id keeps a re-store's chunks apart from the first try's in the
  // deduplication window.
  const auto run = std::chrono::steady_clock::now().time_since_epoch().count();
  auto flush = [&]() -> Status {
    const std::string index = std::to_string(m.chunks);
    const Header headers[] = {{std::string(kChunkHeader), index},
                              {std::string(kChunkShaHeader), Sha256::of(chunk)}};
    auto ack = publishRetrying(subject, headers, chunk,
                               fmt::format("snap/{}/{}/{}/{}", partition, m.id, run, index));
    if (!ack.ok()) return ack.status();
    ++m.chunks;
    chunk.clear();
    return {};
  };
  Status written = writeArchive(dir, [&](std::string_view piece) -> Status {
    whole.update(piece);
    m.bytes += piece.size();
    while (!piece.empty()) {
      const size_t take = std::min(options_.chunk_size - chunk.size(), piece.size());
      chunk.append(piece.substr(0, take));
      piece.remove_prefix(take);
      if (chunk.size() == options_.chunk_size) {
        if (Status s = flush(); !s.ok()) return s;
      }
    }
    return {};
  });
  if (written.ok() && !chunk.empty()) written = flush();
  if (!written.ok()) {
    // Leave no orphan chunks: without a manifest they would never be read.
    (void)client_->purge(kStream, subject, 0);
    return written;
  }
  m.sha256 = whole.hex();
  const nlohmann::json j = {{"format", kManifestFormat},
                            {"partition", m.partition},
                            {"seq", m.seq},
                            {"epoch", m.epoch},
                            {"id", m.id},
                            {"sha256", m.sha256},
                            {"chunks", m.chunks},
                            {"bytes", m.bytes},
                            {"chunk_size", m.chunk_size}};
  auto ack = publishRetrying(manifestSubject(partition), {}, j.dump(),
                             fmt::format("snap/{}/{}/{}/m", partition, m.id, run));
  if (!ack.ok()) return ack.status();
  m.stream_seq = ack.value().seq;
  if (Status s = prune(partition); !s.ok()) return s;
  return m;
}

Result<std::vector<SnapshotManifest>> SnapshotStore::list(uint32_t partition) {
  auto msgs = client_->readRange(kStream, manifestSubject(partition), 1, UINT64_MAX, SIZE_MAX,
                                 options_.read_timeout);
  if (!msgs.ok()) return msgs.status();
  std::vector<SnapshotManifest> out;
  for (const StoredMsg& msg : msgs.value()) {
    auto m = parseManifest(msg);
    if (!m.ok()) return m.status();
    out.push_back(std::move(m).value());
  }
  return out;
}

Result<std::optional<SnapshotManifest>> SnapshotStore::latest(uint32_t partition) {
  auto msg = client_->getLastMsg(kStream, manifestSubject(partition));
  if (!msg.ok()) {
    if (msg.status().kind() == ErrorKind::kNotFound) return std::optional<SnapshotManifest>();
    return msg.status();
  }
  auto m = parseManifest(msg.value());
  if (!m.ok()) return m.status();
  return std::optional<SnapshotManifest>(std::move(m).value());
}

Status SnapshotStore::prune(uint32_t partition) {
  auto all = list(partition);
  if (!all.ok()) return all.status();
  const auto& ms = all.value();
  if (ms.size() <= options_.keep) return {};
  // The ids the kept manifests name: a re-stored snapshot shares its id with an old one.
  std::vector<std::string> kept;
  for (size_t i = ms.size() - options_.keep; i < ms.size(); ++i)
    kept.push_back(ms[i].id);
  for (size_t i = 0; i + options_.keep < ms.size(); ++i) {
    if (std::find(kept.begin(), kept.end(), ms[i].id) == kept.end()) {
      if (Status s = client_->purge(kStream, chunkSubject(partition, ms[i].id), 0); !s.ok()) {
        return s;
      }
    }
    if (Status s = client_->deleteMsg(kStream, ms[i].stream_seq); !s.ok()) return s;
  }
  return {};
}

Status SnapshotStore::restore(const SnapshotManifest& m, const std::filesystem::path& target) {
  const std::string where = fmt::format("{}: snapshot {} of partition {} (stream {})",
                                        client_->where(), m.id, m.partition, kStream);
  auto bad = [&](std::string what) {
    return Status::failure(ErrorKind::kCorrupt,
                           fmt::format("{}: {}; nothing was restored: restore an older snapshot "
                                       "(`list`) or take a new one from a healthy replica",
                                       where, what));
  };
  std::error_code ec;
  if (std::filesystem::exists(target, ec)) {
    return Status::failure(
        ErrorKind::kRefused,
        fmt::format("{}: {} already exists; restore into a new directory", where, target.string()));
  }
  auto msgs = client_->readRange(kStream, chunkSubject(m.partition, m.id), 1, UINT64_MAX,
                                 m.chunks + 1, options_.read_timeout);
  if (!msgs.ok()) return msgs.status();
  const auto& chunks = msgs.value();
  if (chunks.size() != m.chunks) {
    return bad(
        fmt::format("{} chunks are stored, the manifest counts {}", chunks.size(), m.chunks));
  }
  ArchiveReader reader(target);
  Sha256 whole;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const StoredMsg& c = chunks[i];
    if (c.header(kChunkHeader) != std::to_string(i)) {
      return bad(fmt::format("chunk {} is labelled '{}' (out of order or replaced)", i,
                             c.header(kChunkHeader)));
    }
    if (Sha256::of(c.data) != c.header(kChunkShaHeader)) {
      return bad(fmt::format("chunk {} (stream sequence {}) does not match its SHA-256", i, c.seq));
    }
    whole.update(c.data);
    if (Status s = reader.feed(c.data); !s.ok()) return s;
  }
  if (whole.hex() != m.sha256) return bad("the archive's SHA-256 differs from the manifest's");
  return reader.finish();
}

}  // namespace rflow::cluster
