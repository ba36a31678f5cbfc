#include "engine/ids.h"

#include <algorithm>

#include "engine/keys.h"

namespace rflow::engine {

store::Status IdSource::ready() {
  if (loaded_.load()) return {};
  std::lock_guard lock(mutex_);
  if (loaded_.load()) return {};
  auto instance = store_.lastKey(store::Column::kInstances);
  if (!instance.ok()) return instance.status();
  auto task = store_.lastKey(store::Column::kTasks);
  if (!task.ok()) return task.status();
  uint64_t timer = 0;
  store::Status scanned =
      store_.scanFrom(store::Column::kTimers, "", [&](std::string_view key, std::string_view) {
        timer = std::max(timer, keys::timerSeq(key).value_or(0));
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (instance.value()) next_instance_ = keys::idNumber(*instance.value()).value_or(0) + 1;
  if (task.value()) next_task_ = keys::idNumber(*task.value()).value_or(0) + 1;
  next_timer_ = timer + 1;
  loaded_.store(true);
  return {};
}

}  // namespace rflow::engine
