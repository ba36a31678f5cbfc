// Rendezvous hashing for partition placement.
#include "node/placement.h"

#include <algorithm>

namespace rflow::node {
namespace {

uint64_t fnv1a(std::string_view text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t placementScore(uint32_t partition, std::string_view node) {
  return splitmix64(fnv1a(node) ^ splitmix64(partition));
}

std::vector<std::string> rankFor(uint32_t partition, std::span<const std::string> nodes) {
  std::vector<std::string> out(nodes.begin(), nodes.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  std::stable_sort(out.begin(), out.end(), [partition](const std::string& a, const std::string& b) {
    return placementScore(partition, a) > placementScore(partition, b);
  });
  return out;
}

Placement place(uint32_t partition, std::span<const std::string> live,
                std::string_view current_owner) {
  const std::vector<std::string> ranked = rankFor(partition, live);
  Placement p;
  if (ranked.empty()) return p;
  const bool owner_live = !current_owner.empty() &&
                          std::find(ranked.begin(), ranked.end(), current_owner) != ranked.end();
  p.owner = owner_live ? std::string(current_owner) : ranked.front();
  for (const std::string& n : ranked) {
    if (n != p.owner) {
      p.standby = n;
      break;
    }
  }
  return p;
}

}  // namespace rflow::node
