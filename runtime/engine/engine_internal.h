// Internal to the engine: the state of one step, and helpers shared by the engine's
// source files (reading record fields by name, building prelude records, JSON text for
// audit entries).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "engine/metrics.h"
#include "engine/record_codec.h"

namespace rflow::engine {

struct Engine::Step {
  InstanceRecord rec;
  std::shared_ptr<const vm::Program> program;
  int64_t now = 0;
  store::Batch batch;
  // What leaves the engine once the batch is committed.
  std::vector<CallRecord> send;
  std::vector<std::string> begin;    // child instances to run
  std::vector<std::string> inboxes;  // parents with a result in their inbox
  bool instance_changed = true;      // write rec back with the batch
  // An audit entry was added: rec (its audit_seq and audit_chain) is written back even
  // when nothing else about the instance changed, or the next entry would reuse the seq.
  bool audited = false;
  // The status the instance had when the step loaded it (unset: a step that loaded no
  // instance). commit() counts the move to rec.status in `metrics`.
  std::optional<Status> loaded_status;
  // The step's changes to the aggregates, committed in its batch (metrics.h).
  MetricsDelta metrics;
  // Queued signals this step's awaits took: the batch removes them, but the store still
  // holds them until the commit, so a later await of the same step must skip them.
  std::set<std::string> signals_taken;
};

namespace detail {

const bytecode::Module& moduleOf(const vm::Program& program);

// The field `name` of a record value, or nullptr.
const vm::Value* field(const vm::Program& program, const vm::Value& record, std::string_view name);
std::string_view stringField(const vm::Program& program, const vm::Value& record,
                             std::string_view name);
std::optional<int64_t> intField(const vm::Program& program, const vm::Value& record,
                                std::string_view name);

// A record value of the module's record `name` ("rflow.Approval") from named fields;
// fields not given are none. nullopt when the module has no such record.
std::optional<vm::Value> makeRecord(
    const vm::Program& program, std::string_view name,
    const std::vector<std::pair<std::string_view, vm::Value>>& fields);
std::optional<uint32_t> enumIndex(const vm::Program& program, std::string_view name);
std::optional<uint32_t> enumMember(const vm::Program& program, uint32_t e, std::string_view member);

// A role or user value as an Assignee, and back.
Assignee assigneeOf(const vm::Program& program, const vm::Value& value);
vm::Value assigneeValue(const Assignee& assignee);

std::string hexOf(std::span<const uint8_t> bytes);
std::string jsonText(std::string_view text);  // a JSON string literal

// The list value encoded as bytes (arguments).
std::string encodeList(const std::vector<vm::Value>& items);
std::optional<std::vector<vm::Value>> decodeList(std::string_view bytes,
                                                 const bytecode::Module& module);

}  // namespace detail
}  // namespace rflow::engine
