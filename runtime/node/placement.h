// Placement: which node should own a partition and which should follow it as its warm
// standby, by rendezvous (highest-random-weight) hashing over the live members
// (../shared/design/scaleout.md §3 "Rebalancing"). Pure functions: the same members give
// the same answer on every node, so nodes that see the same membership agree without
// talking to each other.
//
// Invariants: place() keeps a live current owner (sticky: a partition never moves while
// its owner is alive; a node that joins later becomes a standby, not an owner); the
// standby is never the owner; with one live member there is no standby; with none, no
// owner. Placement is a hint for who should CLAIM: who owns a partition is decided only by
// the claims in its log (H1), and two nodes that disagree (stale membership) both claim,
// and the log fences one of them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rflow::node {

// The node's weight for the partition: stable across processes, versions and machines
// (FNV-1a of the name, mixed with the partition by splitmix64). Persisted in effect (a
// change would move partitions on upgrade), so never change it.
uint64_t placementScore(uint32_t partition, std::string_view node);

// `nodes`, highest weight for `partition` first (ties, which need equal 64-bit scores, by
// name).
std::vector<std::string> rankFor(uint32_t partition, std::span<const std::string> nodes);

struct Placement {
  std::string owner;    // empty: no live member
  std::string standby;  // empty: fewer than two live members
};

// `current_owner`: the node whose claim is the latest this node knows of (empty: none).
Placement place(uint32_t partition, std::span<const std::string> live,
                std::string_view current_owner);

}  // namespace rflow::node
