// VM values as the engine reads and builds them (record_values.h).
#include "engine/record_values.h"

#include <fmt/format.h>

#include "vm/print.h"

namespace rflow::engine::detail {

const vm::Value* field(const vm::Program& program, const vm::Value& record, std::string_view name) {
  if (record.tag() != vm::Tag::kRecord) return nullptr;
  const bytecode::Module& m = program.module();
  const uint32_t index = record.recordIndex();
  if (index >= m.records.size()) return nullptr;
  const auto& fields = m.records[index].fields;
  const auto values = record.recordFields();
  for (size_t i = 0; i < fields.size() && i < values.size(); ++i) {
    if (m.strings[fields[i].name] == name) return &values[i];
  }
  return nullptr;
}

std::string_view stringField(const vm::Program& program, const vm::Value& record,
                             std::string_view name) {
  const vm::Value* v = field(program, record, name);
  return v != nullptr && v->tag() == vm::Tag::kString ? v->asString() : std::string_view{};
}

std::optional<int64_t> intField(const vm::Program& program, const vm::Value& record,
                                std::string_view name) {
  const vm::Value* v = field(program, record, name);
  if (v == nullptr || v->tag() != vm::Tag::kInt) return std::nullopt;
  return v->asInt();
}

std::optional<vm::Value> makeRecord(
    const vm::Program& program, std::string_view name,
    const std::vector<std::pair<std::string_view, vm::Value>>& given) {
  const auto index = program.recordIndex(name);
  if (!index) return std::nullopt;
  const bytecode::Module& m = program.module();
  std::vector<vm::Value> fields;
  for (const bytecode::Field& f : m.records[*index].fields) {
    vm::Value v;
    for (const auto& [n, value] : given) {
      if (m.strings[f.name] == n) v = value;
    }
    fields.push_back(std::move(v));
  }
  return vm::Value::record(*index, std::move(fields));
}

std::optional<uint32_t> enumIndex(const vm::Program& program, std::string_view name) {
  const bytecode::Module& m = program.module();
  for (uint32_t i = 0; i < m.enums.size(); ++i) {
    if (m.strings[m.enums[i].name] == name) return i;
  }
  return std::nullopt;
}

std::optional<uint32_t> enumMember(const vm::Program& program, uint32_t e,
                                   std::string_view member) {
  const bytecode::Module& m = program.module();
  for (uint32_t i = 0; i < m.enums[e].members.size(); ++i) {
    if (m.strings[m.enums[e].members[i]] == member) return i;
  }
  return std::nullopt;
}

Assignee assigneeOf(const vm::Program& program, const vm::Value& value) {
  Assignee a;
  if (value.tag() == vm::Tag::kRole && value.asRole() < program.module().roles.size()) {
    a.is_role = true;
    a.role = value.asRole();
    a.name = std::string(
        vm::declaredName(program.module().strings[program.module().roles[a.role].name]));
  } else if (value.tag() == vm::Tag::kString) {
    a.is_role = false;
    a.name = std::string(value.asString());
  }
  return a;
}

vm::Value assigneeValue(const Assignee& assignee) {
  return assignee.is_role ? vm::Value::role(assignee.role) : vm::Value::string(assignee.name);
}

std::string encodeList(const std::vector<vm::Value>& items) {
  return encodeValue(vm::Value::list(items));
}

std::optional<std::vector<vm::Value>> decodeList(std::string_view bytes,
                                                 const bytecode::Module& module) {
  std::optional<vm::Value> list = decodeValue(bytes, module);
  if (!list || list->tag() != vm::Tag::kList) return std::nullopt;
  const auto items = list->listItems();
  return std::vector<vm::Value>(items.begin(), items.end());
}

}  // namespace rflow::engine::detail
