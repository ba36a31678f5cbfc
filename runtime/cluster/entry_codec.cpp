// The entry body's encoder and its strict decoder (format in entry_codec.h).
#include "cluster/entry_codec.h"

#include <fmt/format.h>

#include "base/varint.h"

namespace rflow::cluster {
namespace {

std::string header(EntryKind kind, Epoch epoch) {
  std::string out;
  out.push_back(static_cast<char>(kEntryFormat));
  out.push_back(static_cast<char>(kind));
  base::appendVarint(out, epoch);
  return out;
}

Status corruptBody(std::string_view what) {
  return Status::failure(ErrorKind::kCorrupt, fmt::format("log entry body: {}", what));
}

}  // namespace

std::string encodeRecords(Epoch epoch, std::span<const std::string_view> records) {
  std::string out = header(EntryKind::kRecords, epoch);
  size_t total = out.size() + 10;
  for (auto r : records)
    total += r.size() + 10;
  out.reserve(total);
  base::appendVarint(out, records.size());
  for (auto r : records) {
    base::appendVarint(out, r.size());
    out.append(r);
  }
  return out;
}

std::string encodeClaim(const Claim& claim) {
  std::string out = header(EntryKind::kClaim, claim.epoch);
  base::appendVarint(out, claim.node.size());
  out.append(claim.node);
  return out;
}

std::string encodeGenesis() {
  return header(EntryKind::kGenesis, 0);
}

Status decodeEntry(std::string_view body, LogEntry& entry) {
  if (body.size() < 2) return corruptBody("shorter than its 2-byte header");
  const auto format = static_cast<uint8_t>(body[0]);
  if (format != kEntryFormat) {
    return corruptBody(fmt::format(
        "format {} is not one this rflow reads (it reads format {}): was the stream written "
        "by a newer rflow? Upgrade this node before it joins the cluster",
        format, kEntryFormat));
  }
  const auto kind = static_cast<uint8_t>(body[1]);
  body.remove_prefix(2);
  if (!base::takeVarint(body, entry.epoch)) return corruptBody("the epoch is cut off");
  entry.records.clear();
  entry.node.clear();
  switch (kind) {
    case static_cast<uint8_t>(EntryKind::kGenesis):
      entry.kind = EntryKind::kGenesis;
      if (entry.epoch != 0) return corruptBody("a genesis entry with an epoch other than 0");
      break;
    case static_cast<uint8_t>(EntryKind::kRecords): {
      entry.kind = EntryKind::kRecords;
      uint64_t count = 0;
      if (!base::takeVarint(body, count)) return corruptBody("the record count is cut off");
      // Each record takes at least one byte (its length), which bounds a lying count.
      if (count > body.size()) return corruptBody("more records than bytes");
      entry.records.resize(count);
      for (auto& r : entry.records) {
        if (!base::takeBytes(body, r)) return corruptBody("a record is cut off");
      }
      break;
    }
    case static_cast<uint8_t>(EntryKind::kClaim):
      entry.kind = EntryKind::kClaim;
      if (!base::takeBytes(body, entry.node))
        return corruptBody("the claiming node's name is cut off");
      if (entry.epoch == 0) return corruptBody("a claim at epoch 0");
      break;
    default:
      return corruptBody(fmt::format("unknown entry kind {}", kind));
  }
  if (!body.empty()) return corruptBody(fmt::format("{} bytes after the entry", body.size()));
  return {};
}

}  // namespace rflow::cluster
