// Recorded history read back for replays (recorded.h).
#include "engine/recorded.h"

#include <algorithm>
#include <set>

#include "bytecode/read.h"

namespace rflow::engine {

store::Result<RecordedHistory> readRecorded(const store::Store& store, const RecordedQuery& query) {
  RecordedHistory out;
  const std::set<std::string> wanted(query.workflows.begin(), query.workflows.end());
  store::Status scanned =
      store.scan(store::Column::kInstances, "", [&](std::string_view, std::string_view bytes) {
        auto rec = InstanceRecord::decode(bytes);
        if (!rec) {
          ++out.unreadable;
          return true;
        }
        out.recorded_until = std::max(
            {out.recorded_until, rec->created_at, rec->updated_at, rec->ended_at.value_or(0)});
        if (!wanted.empty() && !wanted.count(rec->workflow_name)) return true;
        if (query.since && rec->created_at < *query.since) return true;
        RecordedInstance r;
        r.record = std::move(*rec);
        out.instances.push_back(std::move(r));
        return true;
      });
  if (!scanned.ok()) return scanned;
  std::sort(out.instances.begin(), out.instances.end(),
            [](const RecordedInstance& a, const RecordedInstance& b) {
              return a.record.created_at != b.record.created_at
                         ? a.record.created_at < b.record.created_at
                         : a.record.id < b.record.id;
            });
  if (out.instances.size() > query.limit) out.instances.resize(query.limit);

  std::map<std::string, RecordedInstance*> by_id;
  for (RecordedInstance& r : out.instances)
    by_id[r.record.id] = &r;
  // Task ids grow with creation, so key order is the order they were made.
  scanned = store.scan(store::Column::kTasks, "", [&](std::string_view, std::string_view bytes) {
    auto task = TaskRecord::decode(bytes);
    if (!task) return true;
    out.recorded_until =
        std::max({out.recorded_until, task->created_at, task->decided_at.value_or(0)});
    if (auto it = by_id.find(task->instance); it != by_id.end())
      it->second->tasks.push_back(std::move(*task));
    return true;
  });
  if (!scanned.ok()) return scanned;
  for (RecordedInstance& r : out.instances) {
    auto effects = effectResults(store, r.record.id);
    if (!effects.ok()) return effects.status();
    r.effects = std::move(effects.value());
    auto figures = loadFigures(store, r.record);
    if (!figures) return store::Status::failure(figures.error().message);
    r.figures = std::move(*figures);
  }
  return out;
}

store::Result<std::map<std::string, std::shared_ptr<const bytecode::Module>>> recordedModules(
    const store::Store& store, const std::vector<RecordedInstance>& instances) {
  std::map<std::string, std::shared_ptr<const bytecode::Module>> out;
  std::set<std::string> tried;
  for (const RecordedInstance& r : instances) {
    if (!tried.insert(r.record.version).second) continue;
    auto bytes = store.get(store::Column::kModules, r.record.version);
    if (!bytes.ok()) return bytes.status();
    if (!bytes.value()) continue;
    const std::string& b = *bytes.value();
    bytecode::LoadResult loaded =
        bytecode::loadModule({reinterpret_cast<const uint8_t*>(b.data()), b.size()});
    if (!loaded.ok()) continue;
    out[r.record.version] = std::make_shared<const bytecode::Module>(std::move(loaded).module());
  }
  return out;
}

}  // namespace rflow::engine
