// A snapshot's directory (a RocksDB checkpoint) as one stream of bytes and back, and the
// SHA-256 that verifies it. The byte stream is what SnapshotStore cuts into chunks; it is
// stored in NATS and read back by later versions, so its format is versioned.
//
// Format 1:
//   "RFSNAP1\n"
//   then entries, each: byte type (1 directory, 2 file), u32 path length (little endian),
//   the path (relative, '/'-separated, no "." or ".." part, no leading '/'); a file then
//   has u64 size (little endian) and its bytes
//   then byte 0: the end. Nothing may follow.
// Only directories and regular files are archived (a symbolic link is refused). Entries
// are in a fixed order (sorted paths, parents first), so one directory gives one stream.
//
// Invariants: ArchiveReader writes only under its target's ".partial" sibling, refuses any
// path that would leave it, and only finish() — after the end marker, with nothing after
// it — renames it to the target; a failed or abandoned read removes the partial directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "cluster/status.h"

namespace rflow::cluster {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  std::string hex();  // the digest in lower-case hex; ends the computation
  static std::string of(std::string_view bytes);

 private:
  void* ctx_;  // EVP_MD_CTX
};

// Streams `dir` as format 1 into `sink`, in pieces of at most 64 KiB; stops at the first
// piece the sink refuses.
Status writeArchive(const std::filesystem::path& dir,
                    const std::function<Status(std::string_view)>& sink);

class ArchiveReader {
 public:
  // `target` must not exist yet.
  explicit ArchiveReader(std::filesystem::path target);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  Status feed(std::string_view bytes);
  // The stream is complete: the partial directory becomes the target.
  Status finish();
  // Drops what was written (also done by the destructor unless finish() succeeded).
  void abandon();

 private:
  enum class State { kMagic, kType, kPathLength, kPath, kSize, kData, kEnd, kFailed };
  Status fail(std::string what);
  Status startEntry();

  std::filesystem::path target_;
  std::filesystem::path partial_;
  State state_ = State::kMagic;
  std::string buf_;  // header bytes gathered so far
  uint8_t type_ = 0;
  uint32_t path_length_ = 0;
  std::string path_;
  uint64_t left_ = 0;  // file bytes still to come
  std::ofstream file_;
  bool started_ = false;
  bool done_ = false;
};

}  // namespace rflow::cluster
