// Internal to the engine: VM values as the engine reads and builds them — record fields
// by name, prelude records (rflow.Approval …), roles and users as assignees, argument
// lists as bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/record_codec.h"
#include "engine/records.h"
#include "vm/program.h"

namespace rflow::engine {

namespace detail {

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

// The list value encoded as bytes (arguments).
std::string encodeList(const std::vector<vm::Value>& items);
std::optional<std::vector<vm::Value>> decodeList(std::string_view bytes,
                                                 const bytecode::Module& module);

}  // namespace detail
}  // namespace rflow::engine
