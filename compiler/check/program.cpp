#include "check/program.h"

namespace rflow::check {

int RecordInfo::fieldIndex(std::string_view field) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field) return static_cast<int>(i);
  }
  return -1;
}

int EnumInfo::memberIndex(std::string_view member) const {
  for (size_t i = 0; i < members.size(); ++i) {
    if (members[i].name == member) return static_cast<int>(i);
  }
  return -1;
}

std::string Program::typeName(TypeId type) const {
  const TypeData& t = types.get(type);
  switch (t.kind) {
    case TypeKind::kError:
      return "<error>";
    case TypeKind::kVoid:
      return "nothing";
    case TypeKind::kBool:
      return "bool";
    case TypeKind::kInt:
      return "int";
    case TypeKind::kDecimal:
      return "decimal";
    case TypeKind::kMoney:
      return "money";
    case TypeKind::kString:
      return "string";
    case TypeKind::kDuration:
      return "duration";
    case TypeKind::kTime:
      return "time";
    case TypeKind::kUser:
      return "User";
    case TypeKind::kRole:
      return "Role";
    case TypeKind::kAssignee:
      return "Assignee";
    case TypeKind::kNone:
      return "none";
    case TypeKind::kCalendar:
      return "Calendar";
    case TypeKind::kList:
      return "list<" + typeName(t.element) + ">";
    case TypeKind::kMap:
      return "map<" + typeName(t.element) + ">";
    case TypeKind::kOptional:
      return typeName(t.element) + "?";
    case TypeKind::kRun:
      return "Run<" + typeName(t.element) + ">";
    case TypeKind::kRecord:
      return records[t.decl].header.short_name;
    case TypeKind::kEnum:
      return enums[t.decl].header.short_name;
  }
  return "<error>";
}

}  // namespace rflow::check
