// Read-only queries over what is committed: instances, their trails, tasks, and business
// keys. Never a step in progress (a step's batch is invisible until it is durable), and
// never an absence for a failed read (kStorage).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "engine/instance_cache.h"
#include "engine/program_cache.h"

namespace rflow::engine {

class Queries {
 public:
  Queries(const store::Store& store, const ProgramCache& programs, InstanceCache& cache,
          const EngineOptions& options)
      : store_(store), programs_(programs), cache_(cache), options_(options) {}

  // The records as stored: an empty optional when absent.
  store::Result<std::optional<InstanceRecord>> loadInstance(std::string_view id) const;
  store::Result<std::optional<TaskRecord>> loadTask(std::string_view id) const;

  Found<InstanceView> instance(std::string_view id) const;
  // The kNotFound error for an id with no instance: why it was never begun when the
  // outbox refused its start here (outbox.h), else "there is no instance …".
  EngineError missing(std::string_view id) const;
  // The view of a record at hand (one a step just committed).
  InstanceView view(InstanceRecord rec) const { return viewOf(std::move(rec)); }
  Found<std::vector<InstanceView>> instances(const InstanceFilter& filter) const;
  Found<std::vector<AuditEntry>> history(std::string_view id) const;
  Found<TaskView> task(std::string_view id) const;
  // The task as stored, its data not decoded (kNotFound when there is none).
  Found<TaskRecord> taskRecord(std::string_view id) const;
  // The view of a task record at hand (one a step just committed).
  TaskView view(TaskRecord rec) const;
  Found<std::vector<TaskView>> tasks(const TaskFilter& filter) const;
  Found<std::string> instanceForKey(std::string_view qualified_workflow, std::string_view key,
                                    std::string_view signal_request) const;

 private:
  InstanceView viewOf(InstanceRecord rec) const;
  // Whether `rec`'s tracked values include every (dimension, value) of `wanted`.
  Found<bool> tracks(const InstanceRecord& rec,
                     const std::vector<std::pair<std::string, std::string>>& wanted) const;
  Found<std::vector<std::string>> taskIds(const TaskFilter& filter) const;

  const store::Store& store_;
  const ProgramCache& programs_;
  InstanceCache& cache_;  // what the last commits wrote; a view is made from it when it can
  const EngineOptions& options_;
};

}  // namespace rflow::engine
