#include "engine/partition.h"

#include <fmt/format.h>

#include <algorithm>

namespace rflow::engine {

uint64_t fnv1a64(std::string_view bytes, uint64_t hash) {
  for (const char c : bytes) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

uint32_t partitionFor(std::string_view workflow, std::string_view key, uint32_t count) {
  uint64_t hash = fnv1a64(workflow);
  hash = fnv1a64(std::string_view("\0", 1), hash);
  hash = fnv1a64(key, hash);
  return static_cast<uint32_t>(hash % (count == 0 ? 1 : count));
}

std::string partitionSuffix(uint32_t partition) {
  return fmt::format("-p{:02}", partition);
}

std::optional<uint32_t> partitionOfId(std::string_view id) {
  // "in-" or "tk-", at least ten digits (keys.h pads to ten), "-p", the partition.
  if (id.size() < 3 || (id.substr(0, 3) != "in-" && id.substr(0, 3) != "tk-")) return std::nullopt;
  const size_t dash = id.find('-', 3);
  if (dash == std::string_view::npos || dash - 3 < 10) return std::nullopt;
  for (size_t i = 3; i < dash; ++i) {
    if (id[i] < '0' || id[i] > '9') return std::nullopt;
  }
  if (id.substr(dash, 2) != "-p") return std::nullopt;
  std::string_view digits = id.substr(dash + 2);
  // An instance begun by another partition's outbox message: "-p07-s03" (outbox.h). The
  // instance lives on 7; the source partition must be canonical too.
  if (const size_t source = digits.find('-'); source != std::string_view::npos) {
    const std::string_view from = digits.substr(source);
    digits = digits.substr(0, source);
    if (from.size() < 2 || from[1] != 's' || id.substr(0, 3) != "in-") return std::nullopt;
    const std::string_view n = from.substr(2);
    if (n.empty() || n.size() > 4 ||
        !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    const auto value = static_cast<uint32_t>(std::stoul(std::string(n)));
    if (value >= kMaxPartitions || fmt::format("{:02}", value) != n) return std::nullopt;
  }
  if (digits.empty() || digits.size() > 4) return std::nullopt;
  uint32_t partition = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    partition = partition * 10 + static_cast<uint32_t>(c - '0');
  }
  if (partition >= kMaxPartitions || partitionSuffix(partition).substr(2) != digits)
    return std::nullopt;
  return partition;
}

}  // namespace rflow::engine
