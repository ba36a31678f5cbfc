// The records of recently stepped instances as their last commit left them, so that an
// instance's next step (a call answered, a decision) need not read and decode it again.
//
// Invariants: an entry is exactly what a successful commit wrote (a step puts its record
// back only from Step::committed with an ok status); a step takes its instance's entry
// out while it holds the instance's lease, so no two steps share one, and a step that
// fails or is dropped leaves no entry (the next one reads the store). Queries never read
// it: they see the store, which holds the same. At most `capacity` entries, the least
// recently used dropped first. Beside a record, what its step decoded and decided about
// it (its figures, the labels its tracked values are counted under), which never differ
// from what the next step would compute again from the record.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/figures.h"
#include "engine/records.h"

namespace rflow::engine {

struct CachedInstance {
  InstanceRecord rec;
  // rec.figures decoded, and the (dimension, label) pairs its instance is counted under
  // (Metrics::dimensionLabel): set together, for an instance whose workflow tracks values.
  std::optional<InstanceFigures> figures;
  std::vector<std::pair<std::string, std::string>> labels;
};

class InstanceCache {
 public:
  explicit InstanceCache(size_t capacity) : capacity_(capacity) {}

  // The entry of `id`, removed from the cache; nullopt when there is none.
  std::optional<CachedInstance> take(std::string_view id);
  // A copy of the entry of `id`, left in place (queries: it is what the store holds).
  std::optional<InstanceRecord> peek(std::string_view id);
  void put(CachedInstance entry);
  void clear();

 private:
  const size_t capacity_;
  std::mutex mutex_;
  std::list<CachedInstance> lru_;  // most recently put first
  std::unordered_map<std::string_view, std::list<CachedInstance>::iterator> by_id_;
};

}  // namespace rflow::engine
