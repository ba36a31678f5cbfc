#include "engine/queries.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "engine/figures.h"
#include "engine/keys.h"
#include "engine/outbox.h"
#include "engine/record_values.h"
#include "engine/step.h"
#include "vm/print.h"

namespace rflow::engine {

store::Result<std::optional<InstanceRecord>> Queries::loadInstance(std::string_view id) const {
  auto bytes = store_.get(store::Column::kInstances, id);
  if (!bytes.ok()) return bytes.status();
  if (!bytes.value()) return std::optional<InstanceRecord>();
  auto rec = InstanceRecord::decode(*bytes.value());
  if (!rec)
    return store::Status::failure(fmt::format("the record of instance {} cannot be read", id));
  return rec;
}

store::Result<std::optional<TaskRecord>> Queries::loadTask(std::string_view id) const {
  auto bytes = store_.get(store::Column::kTasks, id);
  if (!bytes.ok()) return bytes.status();
  if (!bytes.value()) return std::optional<TaskRecord>();
  auto rec = TaskRecord::decode(*bytes.value());
  if (!rec) return store::Status::failure(fmt::format("the record of task {} cannot be read", id));
  return rec;
}

InstanceView Queries::viewOf(InstanceRecord rec) const {
  InstanceView v;
  v.id = rec.id;
  v.workflow = rec.workflow_name;
  v.version = rec.version;
  v.status = rec.status;
  v.key = rec.key;
  v.parent = rec.parent;
  v.spawned_by = rec.spawned_by;
  v.created_at = rec.created_at;
  v.updated_at = rec.updated_at;
  v.ended_at = rec.ended_at;
  v.breached = rec.breached;
  v.waits = std::move(rec.waits);
  v.workflow_index = rec.workflow;
  v.error = std::move(rec.error);
  v.error_kind = std::move(rec.error_kind);
  v.figures = std::move(rec.figures);
  auto program = programs_.get(rec.version);
  if (program) {
    const bytecode::Module& m = (*program)->module();
    if (rec.status == Status::kCompleted) v.result = decodeValue(rec.result, m);
    v.args = detail::decodeList(rec.args, m).value_or(std::vector<vm::Value>{});
    v.program = std::move(*program);
  }
  return v;
}

Found<InstanceView> Queries::instance(std::string_view id) const {
  if (auto cached = cache_.peek(id)) return viewOf(std::move(*cached));
  auto rec = loadInstance(id);
  if (!rec.ok()) return storageError(rec.status());
  if (!rec.value()) return missing(id);
  return viewOf(std::move(*rec.value()));
}

EngineError Queries::missing(std::string_view id) const {
  // Only an engine that runs a partition receives outbox starts.
  if (options_.partition) {
    auto refusal = store_.get(store::Column::kMeta, keys::refusedStart(id));
    if (!refusal.ok()) return storageError(refusal.status());
    if (refusal.value())
      if (auto why = describeRefusedStart(id, *refusal.value()))
        return EngineError{EngineError::Code::kNotFound, std::move(*why)};
  }
  return EngineError{EngineError::Code::kNotFound, fmt::format("there is no instance {}", id)};
}

Found<bool> Queries::tracks(const InstanceRecord& rec,
                            const std::vector<std::pair<std::string, std::string>>& wanted) const {
  // An instance started before records kept its figures has them under a key of its own.
  auto figures = loadFigures(store_, rec);
  if (!figures) return figures.error();
  return std::all_of(wanted.begin(), wanted.end(), [&](const auto& dimension) {
    return std::find(figures->tracked.begin(), figures->tracked.end(), dimension) !=
           figures->tracked.end();
  });
}

Found<std::vector<InstanceView>> Queries::instances(const InstanceFilter& filter) const {
  std::vector<InstanceView> out;
  std::optional<EngineError> failed;
  const std::string from = filter.after.empty() ? std::string() : filter.after + '\0';
  bool unreadable = false;
  store::Status scanned = store_.scanFrom(
      store::Column::kInstances, from, [&](std::string_view, std::string_view bytes) {
        auto rec = InstanceRecord::decode(bytes);
        if (!rec) return !(unreadable = true);
        if (filter.status && rec->status != *filter.status) return true;
        if (filter.key && rec->key != *filter.key) return true;
        if (filter.workflow && rec->workflow_name != *filter.workflow &&
            vm::declaredName(rec->workflow_name) != *filter.workflow)
          return true;
        if (!filter.dimensions.empty()) {
          // Read from the record rather than from an index: an index costs every tracked
          // instance two puts in its first step (bench_insights measured about 5 % of the
          // steps' throughput), and the scan stops at the page's end.
          auto tracked = tracks(*rec, filter.dimensions);
          if (!tracked) return (failed = tracked.error(), false);
          if (!*tracked) return true;
        }
        out.push_back(viewOf(std::move(*rec)));
        return out.size() < filter.limit;
      });
  if (!scanned.ok()) return storageError(scanned);
  if (failed) return std::move(*failed);
  if (unreadable)
    return EngineError{EngineError::Code::kStorage, "an instance record cannot be read"};
  return out;
}

Found<std::vector<AuditEntry>> Queries::history(std::string_view id) const {
  std::vector<AuditEntry> out;
  // An entry that cannot be read (altered) is left out; `rflow audit verify` names it.
  store::Status scanned =
      store_.scan(store::Column::kAudit, keys::perInstancePrefix(id),
                  [&](std::string_view key, std::string_view value) {
                    (void)readAuditValue(key, value, [&](StoredAuditEntry& stored) {
                      out.push_back(std::move(stored.entry));
                      return out.size() < options_.max_audit_entries_shown;
                    });
                    return out.size() < options_.max_audit_entries_shown;
                  });
  if (!scanned.ok()) return storageError(scanned);
  return out;
}

Found<TaskRecord> Queries::taskRecord(std::string_view id) const {
  auto rec = loadTask(id);
  if (!rec.ok()) return storageError(rec.status());
  if (!rec.value())
    return EngineError{EngineError::Code::kNotFound, fmt::format("there is no task {}", id)};
  return std::move(*rec.value());
}

Found<TaskView> Queries::task(std::string_view id) const {
  auto rec = taskRecord(id);
  if (!rec) return std::move(rec).error();
  return view(std::move(*rec));
}

TaskView Queries::view(TaskRecord rec) const {
  TaskView view;
  auto program = programs_.get(rec.version);
  if (program) {
    view.program = *program;
    const bytecode::Module& m = view.program->module();
    if (!rec.amount.empty()) view.amount = decodeValue(rec.amount, m);
    view.data = decodeValue(rec.data, m).value_or(vm::Value());
  }
  view.record = std::move(rec);
  return view;
}

Found<std::vector<std::string>> Queries::taskIds(const TaskFilter& filter) const {
  std::vector<std::string> ids;
  const auto collect = [&](const std::string& prefix) {
    return store_.scan(store::Column::kTaskIndex, prefix,
                       [&](std::string_view key, std::string_view) {
                         std::string id(key.substr(prefix.size()));
                         if (id > filter.after) ids.push_back(std::move(id));
                         return true;
                       });
  };
  store::Status scanned;
  if (filter.role) scanned = collect(keys::roleIndex(*filter.role, ""));
  if (scanned.ok() && filter.assignee) scanned = collect(keys::userIndex(*filter.assignee, ""));
  if (!filter.role && !filter.assignee) {
    scanned =
        store_.scanFrom(store::Column::kTasks, filter.after.empty() ? "" : filter.after + '\0',
                        [&](std::string_view key, std::string_view) {
                          ids.emplace_back(key);
                          return true;
                        });
  }
  if (!scanned.ok()) return storageError(scanned);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

Found<std::vector<TaskView>> Queries::tasks(const TaskFilter& filter) const {
  auto ids = taskIds(filter);
  if (!ids) return std::move(ids).error();
  std::vector<TaskView> out;
  for (const std::string& id : *ids) {
    auto view = task(id);
    if (!view) {
      if (!view.notFound()) return std::move(view).error();
      continue;
    }
    TaskView& t = *view;
    if (filter.open_only && t.record.status != TaskStatus::kOpen) continue;
    if (filter.instance && t.record.instance != *filter.instance) continue;
    out.push_back(std::move(t));
    if (out.size() >= filter.limit) break;
  }
  return out;
}

Found<std::string> Queries::instanceForKey(std::string_view workflow, std::string_view key,
                                           std::string_view signal_request) const {
  const auto none = [&] {
    return EngineError{EngineError::Code::kNotFound,
                       fmt::format("no live instance of `{}` has key \"{}\"", workflow, key)};
  };
  auto id = store_.get(store::Column::kKeys, keys::business(workflow, key));
  if (!id.ok()) return storageError(id.status());
  if (id.value()) {
    auto rec = loadInstance(*id.value());
    if (!rec.ok()) return storageError(rec.status());
    if (rec.value() && isLive(rec.value()->status)) return *id.value();
  }
  if (signal_request.empty()) return none();
  auto reached =
      store_.get(store::Column::kMeta, keys::keySignalRequest(workflow, key, signal_request));
  if (!reached.ok()) return storageError(reached.status());
  if (!reached.value()) return none();
  return *reached.value();
}

}  // namespace rflow::engine
