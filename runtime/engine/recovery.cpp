// Recovery after a restart (or after writes resumed, when a refused commit may have
// landed after all): begin every instance created but not begun, send every pending call
// again with its Idempotency-Key, and hand over every result waiting in an inbox.
#include "engine/keys.h"
#include "engine/parts.h"

namespace rflow::engine {

Found<size_t> Engine::recover() {
  EngineParts& p = *parts_;
  std::vector<Work> found;
  store::Status scanned = p.store.scan(
      store::Column::kMeta, keys::kBeginMarkerPrefix, [&](std::string_view key, std::string_view) {
        found.push_back(Work{Work::Kind::kBegin,
                             std::string(key.substr(keys::kBeginMarkerPrefix.size())),
                             {},
                             0,
                             {},
                             {}});
        return true;
      });
  if (scanned.ok()) {
    scanned =
        p.store.scanFrom(store::Column::kCalls, "", [&](std::string_view, std::string_view bytes) {
          auto call = CallRecord::decode(bytes);
          if (call && !call->retry_scheduled)
            found.push_back(Work{Work::Kind::kResend, call->instance, {}, call->request, {}, {}});
          return true;
        });
  }
  if (scanned.ok()) {
    std::string last;
    scanned =
        p.store.scanFrom(store::Column::kInbox, "", [&](std::string_view key, std::string_view) {
          const std::string_view instance = keys::instanceOf(key);
          if (instance != last) {
            last = std::string(instance);
            found.push_back(Work{Work::Kind::kInbox, last, {}, 0, {}, {}});
          }
          return true;
        });
  }
  // Nothing is queued from a scan that failed half-way: recovery runs again, whole.
  if (!scanned.ok()) return storageError(scanned);
  for (Work& work : found)
    p.queue.push(std::move(work));
  return found.size();
}

}  // namespace rflow::engine
