// Partitions (issue 19, docs/cluster.md "Routing"): which partition an instance belongs to,
// computed the same way by every node of every build.
//
//   partitionFor(workflow, key, n) = FNV-1a 64 (workflow bytes, one 0 byte, key bytes) mod n
//
// The workflow is its QUALIFIED name (`shop.Restock`), the key the business key as the
// engine stores it. FNV-1a 64: offset basis 0xcbf29ce484222325, prime 0x100000001b3, one
// byte at a time. Never std::hash: it is not the same across builds or platforms, and a
// changed placement would strand every keyed instance on the wrong partition.
//
// Ids of an engine that runs a partition carry it (keys.h): `in-0000000042-p07`,
// `tk-0000000042-p07`, the partition in decimal with at least two digits. Single-node ids
// (`in-0000000042`) are unchanged and carry none. Ids sort by number first, so a merged
// list across partitions is roughly in creation order, and within one partition's store
// they sort exactly like the numbers (the suffix is the same for all of them).
//
// Invariants: partitionFor is a pure function of its bytes and n (golden values in
// tests/engine/partition_test.cpp must never change); partitionOfId accepts exactly the
// ids partitionedId produces (one canonical spelling, so an id names one partition), and
// the ids of instances begun through another partition's outbox, `in-0000000042-p07-s03`
// (numbered by source partition 3's outbox sequence, living on 7: outbox.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rflow::engine {

// At most this many partitions: a cluster's count is fixed when it is created (default 64
// in the design); four digits in an id are plenty.
inline constexpr uint32_t kMaxPartitions = 4096;

uint64_t fnv1a64(std::string_view bytes, uint64_t hash = 0xcbf29ce484222325ULL);
// `count` must be 1..kMaxPartitions.
uint32_t partitionFor(std::string_view workflow, std::string_view key, uint32_t count);

// "-p07": the suffix an id of partition `partition` carries.
std::string partitionSuffix(uint32_t partition);
// The partition an instance or task id names: nullopt for a single-node id, anything
// malformed, a partition at or above kMaxPartitions, or a non-canonical spelling (`p7`,
// `p007`).
std::optional<uint32_t> partitionOfId(std::string_view id);

}  // namespace rflow::engine
