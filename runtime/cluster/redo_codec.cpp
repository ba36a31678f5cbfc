#include "cluster/redo_codec.h"

#include <fmt/format.h>

#include <chrono>

#include "cluster/entry_codec.h"

namespace rflow::cluster {

int64_t redoClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string encodeRedo(int64_t kept_at_ms, std::string_view entry_body) {
  std::string out;
  out.reserve(9 + entry_body.size());
  out.push_back(static_cast<char>(kRedoFormat));
  const auto at = static_cast<uint64_t>(kept_at_ms);
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((at >> shift) & 0xFF));
  out.append(entry_body);
  return out;
}

std::optional<int64_t> redoKeptAt(std::string_view value) {
  if (value.size() < 9) return std::nullopt;
  uint64_t at = 0;
  for (size_t i = 1; i < 9; ++i)
    at = (at << 8) | static_cast<uint8_t>(value[i]);
  return static_cast<int64_t>(at);
}

Result<RedoEntry> decodeRedo(std::string_view value, uint32_t partition, Seq seq) {
  if (value.size() < 9)
    return Status::failure(
        ErrorKind::kCorrupt,
        fmt::format("redo entry {} of partition {} is {} bytes, shorter than its header", seq,
                    partition, value.size()));
  if (static_cast<uint8_t>(value[0]) != kRedoFormat)
    return Status::failure(
        ErrorKind::kCorrupt,
        fmt::format("redo entry {} of partition {} has format {}; this rflow reads "
                    "format {}: run the rflow that wrote it, or a newer one",
                    seq, partition, static_cast<unsigned>(static_cast<uint8_t>(value[0])),
                    kRedoFormat));
  RedoEntry redo;
  redo.kept_at_ms = *redoKeptAt(value);
  if (Status decoded = decodeEntry(value.substr(9), redo.entry); !decoded.ok())
    return Status::failure(decoded.kind(), fmt::format("redo entry {} of partition {}: {}", seq,
                                                       partition, decoded.message()));
  redo.entry.seq = seq;
  redo.entry.msg_id = msgId(partition, redo.entry.epoch, seq);
  return redo;
}

}  // namespace rflow::cluster
