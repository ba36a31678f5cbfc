// Read-only queries over what is committed: instances, their trails, tasks, and business
// keys. Never a step in progress (a step's batch is invisible until it is durable), and
// never an absence for a failed read (kStorage).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "engine/program_cache.h"

namespace rflow::engine {

class Queries {
 public:
  Queries(const store::Store& store, const ProgramCache& programs, const EngineOptions& options)
      : store_(store), programs_(programs), options_(options) {}

  // The records as stored: an empty optional when absent.
  store::Result<std::optional<InstanceRecord>> loadInstance(std::string_view id) const;
  store::Result<std::optional<TaskRecord>> loadTask(std::string_view id) const;

  Found<InstanceView> instance(std::string_view id) const;
  Found<std::vector<InstanceView>> instances(const InstanceFilter& filter) const;
  Found<std::vector<AuditEntry>> history(std::string_view id) const;
  Found<TaskView> task(std::string_view id) const;
  Found<std::vector<TaskView>> tasks(const TaskFilter& filter) const;
  Found<std::string> instanceForKey(std::string_view qualified_workflow, std::string_view key,
                                    std::string_view signal_request) const;

 private:
  InstanceView viewOf(InstanceRecord rec) const;
  Found<std::vector<std::string>> taskIds(const TaskFilter& filter) const;

  const store::Store& store_;
  const ProgramCache& programs_;
  const EngineOptions& options_;
};

}  // namespace rflow::engine
