// The snapshot archive's writer and its incremental, path-checking reader (format in
// snapshot_archive.h), and SHA-256 over OpenSSL's EVP interface.
#include "cluster/snapshot_archive.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <vector>

namespace rflow::cluster {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kMagic = "RFSNAP1\n";
constexpr uint8_t kEndType = 0;
constexpr uint8_t kDirType = 1;
constexpr uint8_t kFileType = 2;
constexpr size_t kPiece = 64 * 1024;
constexpr uint32_t kMaxPath = 4096;

void putLe(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t getLe(std::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < in.size(); ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  return v;
}

// A relative path with no "." or ".." part and no empty part: it stays under its root.
bool safeRelative(std::string_view p) {
  if (p.empty() || p.front() == '/' || p.back() == '/') return false;
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    const std::string_view part = p.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (part.find('\0') != std::string_view::npos) return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
}

void Sha256::update(std::string_view bytes) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size());
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest, &n);
  std::string out;
  for (unsigned int i = 0; i < n; ++i)
    out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string Sha256::of(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.hex();
}

Status writeArchive(const fs::path& dir, const std::function<Status(std::string_view)>& sink) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::failure(ErrorKind::kNotFound,
                           fmt::format("snapshot directory {} does not exist", dir.string()));
  }
  std::vector<fs::path> entries;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    entries.push_back(it->path());
  }
  if (ec) {
    return Status::failure(ErrorKind::kRefused, fmt::format("cannot list snapshot directory {}: {}",
                                                            dir.string(), ec.message()));
  }
  // Sorted generic paths: a parent sorts before what it holds, and the order is fixed.
  std::vector<std::pair<std::string, fs::path>> sorted;
  for (const auto& p : entries)
    sorted.emplace_back(p.lexically_relative(dir).generic_string(), p);
  std::sort(sorted.begin(), sorted.end());

  if (Status s = sink(kMagic); !s.ok()) return s;
  std::string header;
  std::vector<char> block(kPiece);
  for (const auto& [rel, path] : sorted) {
    const fs::file_status st = fs::symlink_status(path, ec);
    header.clear();
    if (fs::is_symlink(st) || !(fs::is_directory(st) || fs::is_regular_file(st))) {
      return Status::failure(ErrorKind::kRefused,
                             fmt::format("snapshot directory {} holds {}, which is neither a "
                                         "directory nor a regular file",
                                         dir.string(), rel));
    }
    const bool is_dir = fs::is_directory(st);
    header.push_back(static_cast<char>(is_dir ? kDirType : kFileType));
    putLe(header, rel.size(), 4);
    header += rel;
    if (is_dir) {
      if (Status s = sink(header); !s.ok()) return s;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    const uint64_t size = fs::file_size(path, ec);
    if (!in || ec) {
      return Status::failure(ErrorKind::kRefused, fmt::format("cannot read {}: {}", path.string(),
                                                              ec ? ec.message() : "open failed"));
    }
    putLe(header, size, 8);
    if (Status s = sink(header); !s.ok()) return s;
    uint64_t left = size;
    while (left > 0) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(left, kPiece));
      if (!in.read(block.data(), static_cast<std::streamsize>(n))) {
        return Status::failure(ErrorKind::kRefused,
                               fmt::format("{} changed while it was archived (it ended early): "
                                           "snapshot a checkpoint, not a live database",
                                           path.string()));
      }
      if (Status s = sink(std::string_view(block.data(), n)); !s.ok()) return s;
      left -= n;
    }
  }
  return sink(std::string_view("\0", 1));
}

ArchiveReader::ArchiveReader(fs::path target)
    : target_(std::move(target)), partial_(target_.string() + ".partial") {}

ArchiveReader::~ArchiveReader() {
  if (!done_) abandon();
}

void ArchiveReader::abandon() {
  file_.close();
  std::error_code ec;
  fs::remove_all(partial_, ec);
  state_ = State::kFailed;
}

Status ArchiveReader::fail(std::string what) {
  abandon();
  return Status::failure(
      ErrorKind::kCorrupt,
      fmt::format("snapshot archive for {}: {}; nothing was restored", target_.string(), what));
}

Status ArchiveReader::startEntry() {
  if (!safeRelative(path_)) return fail(fmt::format("unsafe path '{}'", path_));
  const fs::path dest = partial_ / fs::path(path_);
  std::error_code ec;
  if (type_ == kDirType) {
    fs::create_directories(dest, ec);
    if (ec) return fail(fmt::format("cannot create {}: {}", dest.string(), ec.message()));
    state_ = State::kType;
    return {};
  }
  fs::create_directories(dest.parent_path(), ec);
  file_ = std::ofstream(dest, std::ios::binary | std::ios::trunc);
  if (!file_) return fail(fmt::format("cannot create {}", dest.string()));
  state_ = State::kData;
  if (left_ == 0) {
    file_.close();
    state_ = State::kType;
  }
  return {};
}

Status ArchiveReader::feed(std::string_view bytes) {
  if (!started_) {
    started_ = true;
    std::error_code ec;
    if (fs::exists(target_, ec)) {
      return fail(fmt::format("{} already exists; restore into a new directory", target_.string()));
    }
    fs::remove_all(partial_, ec);  // what a restore that crashed left behind
    fs::create_directories(partial_, ec);
    if (ec) return fail(fmt::format("cannot create {}: {}", partial_.string(), ec.message()));
  }
  // Gathers `n` header bytes into buf_; true once it has them.
  auto gather = [&](size_t n) {
    const size_t take = std::min(n - buf_.size(), bytes.size());
    buf_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    return buf_.size() == n;
  };
  while (!bytes.empty()) {
    switch (state_) {
      case State::kFailed:
        return Status::failure(ErrorKind::kCorrupt, "snapshot archive: read after a failure");
      case State::kEnd:
        return fail(fmt::format("{} bytes after the end marker", bytes.size()));
      case State::kMagic:
        if (!gather(kMagic.size())) break;
        if (buf_ != kMagic) return fail("it does not begin with RFSNAP1 (not a format 1 archive)");
        buf_.clear();
        state_ = State::kType;
        break;
      case State::kType:
        type_ = static_cast<uint8_t>(bytes.front());
        bytes.remove_prefix(1);
        if (type_ == kEndType) {
          state_ = State::kEnd;
        } else if (type_ == kDirType || type_ == kFileType) {
          state_ = State::kPathLength;
        } else {
          return fail(fmt::format("unknown entry type {}", type_));
        }
        break;
      case State::kPathLength:
        if (!gather(4)) break;
        path_length_ = static_cast<uint32_t>(getLe(buf_));
        buf_.clear();
        if (path_length_ == 0 || path_length_ > kMaxPath) {
          return fail(fmt::format("a path of {} bytes", path_length_));
        }
        state_ = State::kPath;
        break;
      case State::kPath:
        if (!gather(path_length_)) break;
        path_ = std::move(buf_);
        buf_.clear();
        if (type_ == kDirType) {
          if (Status s = startEntry(); !s.ok()) return s;
        } else {
          state_ = State::kSize;
        }
        break;
      case State::kSize:
        if (!gather(8)) break;
        left_ = getLe(buf_);
        buf_.clear();
        if (Status s = startEntry(); !s.ok()) return s;
        break;
      case State::kData: {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(left_, bytes.size()));
        file_.write(bytes.data(), static_cast<std::streamsize>(n));
        if (!file_) return fail(fmt::format("cannot write {}", path_));
        bytes.remove_prefix(n);
        left_ -= n;
        if (left_ == 0) {
          file_.close();
          if (!file_) return fail(fmt::format("cannot write {}", path_));
          state_ = State::kType;
        }
        break;
      }
    }
  }
  return {};
}

Status ArchiveReader::finish() {
  if (state_ != State::kEnd) {
    return fail("it ends before its end marker (a chunk is missing or the archive was cut)");
  }
  std::error_code ec;
  fs::rename(partial_, target_, ec);
  if (ec)
    return fail(fmt::format("cannot rename {} to {}: {}", partial_.string(), target_.string(),
                            ec.message()));
  done_ = true;
  return {};
}

}  // namespace rflow::cluster
