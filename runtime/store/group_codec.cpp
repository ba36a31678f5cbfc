// The commit-group payload (group_codec.h).
#include "store/group_codec.h"

#include <fmt/format.h>

#include "base/varint.h"
#include "store/counters.h"

namespace rflow::store {

namespace {

// The persisted kind codes: explicit, never Batch::Kind's in-memory values.
constexpr uint8_t kPutCode = 1;
constexpr uint8_t kRemoveCode = 2;
constexpr uint8_t kMergeCode = 3;

uint8_t kindCode(Batch::Kind kind) {
  switch (kind) {
    case Batch::Kind::kPut:
      return kPutCode;
    case Batch::Kind::kRemove:
      return kRemoveCode;
    case Batch::Kind::kMerge:
      return kMergeCode;
  }
  return 0;
}

// Reads the payload front to back; the first problem ends the reading and is kept.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool failed() const { return !problem_.empty(); }
  const std::string& problem() const { return problem_; }
  size_t at() const { return at_; }
  bool done() const { return at_ == bytes_.size(); }

  uint8_t byte(std::string_view what) {
    if (failed()) return 0;
    if (at_ >= bytes_.size()) return fail(fmt::format("it ends where its {} should be", what)), 0;
    return static_cast<uint8_t>(bytes_[at_++]);
  }
  uint64_t varint(std::string_view what) {
    uint64_t n = 0;
    for (int shift = 0; !failed(); shift += 7) {
      if (shift > 63) return fail(fmt::format("its {} is longer than 10 bytes", what)), 0;
      const uint8_t b = byte(what);
      n |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return n;
    }
    return 0;
  }
  std::string_view bytes(uint64_t size, std::string_view what) {
    if (failed()) return {};
    if (size > bytes_.size() - at_) {
      fail(fmt::format("its {} of {} bytes goes past the end ({} bytes left)", what, size,
                       bytes_.size() - at_));
      return {};
    }
    const std::string_view out = bytes_.substr(at_, size);
    at_ += size;
    return out;
  }
  void fail(std::string problem) {
    if (!failed()) problem_ = fmt::format("{} (at byte {})", std::move(problem), at_);
  }

 private:
  std::string_view bytes_;
  size_t at_ = 0;
  std::string problem_;
};

}  // namespace

std::string encodeGroup(std::span<const Batch* const> group) {
  size_t count = 0, bytes = 0;
  for (const Batch* batch : group) {
    count += batch->count();
    bytes += batch->bytes();
  }
  std::string out;
  out.reserve(1 + 10 + bytes + count * 8);
  out.push_back(static_cast<char>(kGroupFormat));
  base::appendVarint(out, count);
  for (const Batch* batch : group) {
    batch->visit(
        [&](Batch::Kind kind, Column column, std::string_view key, std::string_view value) {
          out.push_back(static_cast<char>(kindCode(kind)));
          out.push_back(static_cast<char>(column));
          base::appendVarint(out, key.size());
          out.append(key);
          base::appendVarint(out, value.size());
          out.append(value);
        });
  }
  return out;
}

Result<std::vector<GroupWrite>> decodeGroup(std::string_view bytes) {
  Reader in(bytes);
  const uint8_t format = in.byte("format byte");
  if (!in.failed() && format != kGroupFormat)
    in.fail(fmt::format("its format is {}, and this rflow reads format {}", format, kGroupFormat));
  const uint64_t count = in.varint("write count");
  // Each write takes at least 4 bytes: a count above that cannot be right, and is not
  // allowed to reserve memory.
  if (!in.failed() && count > bytes.size() / 4)
    in.fail(fmt::format("it claims {} writes in {} bytes", count, bytes.size()));
  std::vector<GroupWrite> writes;
  if (!in.failed()) writes.reserve(count);
  for (uint64_t i = 0; i < count && !in.failed(); ++i) {
    GroupWrite w;
    const uint8_t kind = in.byte("write kind");
    const uint8_t column = in.byte("column");
    w.key = in.bytes(in.varint("key size"), "key");
    w.value = in.bytes(in.varint("value size"), "value");
    if (in.failed()) break;
    if (kind == kPutCode) {
      w.kind = Batch::Kind::kPut;
    } else if (kind == kRemoveCode) {
      w.kind = Batch::Kind::kRemove;
    } else if (kind == kMergeCode) {
      w.kind = Batch::Kind::kMerge;
    } else {
      in.fail(fmt::format("write {} has the unknown kind {}", i, kind));
      break;
    }
    if (column >= kColumnCount) {
      in.fail(fmt::format("write {} names the unknown column {}", i, column));
    } else if (static_cast<Column>(column) == Column::kRedo) {
      in.fail(fmt::format("write {} names column {} (redo), which is each node's own", i, column));
    } else if (w.kind == Batch::Kind::kRemove && !w.value.empty()) {
      in.fail(fmt::format("write {} is a remove with a value", i));
    } else if (w.kind == Batch::Kind::kMerge && static_cast<Column>(column) != Column::kMetrics) {
      in.fail(fmt::format("write {} merges into column {}, not metrics", i, column));
    } else if (Counters check;
               w.kind == Batch::Kind::kMerge && !addEncodedCounters(w.value, check)) {
      // RocksDB would take it and fail every later read of the key: refused here.
      in.fail(fmt::format("write {} merges a value that is not counters", i));
    }
    w.column = static_cast<Column>(column);
    writes.push_back(w);
  }
  if (!in.failed() && !in.done())
    in.fail(fmt::format("{} bytes follow the last write", bytes.size() - in.at()));
  if (in.failed())
    return Status::failure(fmt::format(
        "the log entry is not a commit group of format {}: {}; nothing of it was applied. The "
        "log holds an entry this rflow cannot read: check that every node runs the same rflow",
        kGroupFormat, in.problem()));
  return writes;
}

}  // namespace rflow::store
