#include "codegen/module_tables.h"

#include <fmt/format.h>

#include <cassert>

namespace rflow::codegen {

using bytecode::TypeTag;
using check::TypeKind;

ModuleTables::ModuleTables(const check::Program& program, bytecode::Module& module)
    : program_(program), module_(module), type_map_(program.types.size(), -1) {}

bytecode::StringId ModuleTables::string(std::string_view text) {
  auto [it, added] = strings_.try_emplace(std::string(text), 0);
  if (added) {
    it->second = static_cast<bytecode::StringId>(module_.strings.size());
    module_.strings.emplace_back(text);
  }
  return it->second;
}

bytecode::TypeId ModuleTables::intern(bytecode::Type type) {
  const auto key = std::make_tuple(static_cast<uint8_t>(type.tag), type.element, type.decl);
  auto [it, added] = types_.try_emplace(key, 0);
  if (added) {
    it->second = static_cast<bytecode::TypeId>(module_.types.size());
    module_.types.push_back(type);
  }
  return it->second;
}

bytecode::TypeId ModuleTables::type(check::TypeId id) {
  if (id < type_map_.size() && type_map_[id] >= 0)
    return static_cast<bytecode::TypeId>(type_map_[id]);
  const check::TypeData& data = program_.types.get(id);
  bytecode::Type out;
  switch (data.kind) {
    // The error type never reaches code generation (the program has no errors); a
    // leftover is compiled as `none` rather than crash.
    case TypeKind::kError:
    case TypeKind::kNone:
      out.tag = TypeTag::kNone;
      break;
    case TypeKind::kVoid:
      out.tag = TypeTag::kVoid;
      break;
    case TypeKind::kBool:
      out.tag = TypeTag::kBool;
      break;
    case TypeKind::kInt:
      out.tag = TypeTag::kInt;
      break;
    case TypeKind::kDecimal:
      out.tag = TypeTag::kDecimal;
      break;
    case TypeKind::kMoney:
      out.tag = TypeTag::kMoney;
      break;
    case TypeKind::kString:
    case TypeKind::kCalendar:  // a calendar::encode text (check/types.h)
      out.tag = TypeTag::kString;
      break;
    case TypeKind::kDuration:
      out.tag = TypeTag::kDuration;
      break;
    case TypeKind::kTime:
      out.tag = TypeTag::kTime;
      break;
    case TypeKind::kUser:
      out.tag = TypeTag::kUser;
      break;
    case TypeKind::kRole:
      out.tag = TypeTag::kRole;
      break;
    case TypeKind::kAssignee:
      out.tag = TypeTag::kAssignee;
      break;
    case TypeKind::kList:
      out = {TypeTag::kList, type(data.element), 0};
      break;
    case TypeKind::kMap:
      out = {TypeTag::kMap, type(data.element), 0};
      break;
    case TypeKind::kOptional:
      out = {TypeTag::kOptional, type(data.element), 0};
      break;
    case TypeKind::kRun:
      out = {TypeTag::kRun, type(data.element), 0};
      break;
    case TypeKind::kRecord:
      out = {TypeTag::kRecord, 0, data.decl};
      break;
    case TypeKind::kEnum:
      out = {TypeTag::kEnum, 0, data.decl};
      break;
  }
  const bytecode::TypeId mapped = intern(out);
  if (id >= type_map_.size()) type_map_.resize(id + 1, -1);
  type_map_[id] = mapped;
  return mapped;
}

bytecode::ConstantId ModuleTables::add(bytecode::Constant constant) {
  // The key only needs to tell different constants apart within one module.
  std::string key = fmt::format("{}:{}:", constant.type, constant.value.index());
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, bool> || std::is_same_v<V, int64_t> ||
                      std::is_same_v<V, bytecode::StringId>) {
          key += std::to_string(v);
        } else if constexpr (std::is_same_v<V, bytecode::DecimalConstant>) {
          key += v.digits;
        } else if constexpr (std::is_same_v<V, bytecode::MoneyConstant>) {
          key += v.amount + std::string(v.currency.data(), 3);
        } else if constexpr (std::is_same_v<V, bytecode::EnumConstant>) {
          key += fmt::format("{}.{}", v.enum_index, v.member);
        } else if constexpr (std::is_same_v<V, bytecode::RoleConstant>) {
          key += std::to_string(v.role);
        } else if constexpr (std::is_same_v<V, bytecode::AggregateConstant>) {
          for (bytecode::ConstantId e : v.elements)
            key += std::to_string(e) + ",";
        }
      },
      constant.value);
  auto [it, added] = constants_.try_emplace(std::move(key), 0);
  if (added) {
    it->second = static_cast<bytecode::ConstantId>(module_.constants.size());
    module_.constants.push_back(std::move(constant));
  }
  return it->second;
}

bytecode::ConstantId ModuleTables::stringConstant(std::string_view text) {
  return add({type(program_.types.stringType()), string(text)});
}

bytecode::ConstantId ModuleTables::intConstant(int64_t value, check::TypeId t) {
  return add({type(t), value});
}

bytecode::ConstantId ModuleTables::decimalConstant(std::string_view digits) {
  return add({type(program_.types.decimalType()), bytecode::DecimalConstant{std::string(digits)}});
}

bytecode::ConstantId ModuleTables::moneyConstant(std::string_view amount,
                                                 std::string_view currency) {
  bytecode::MoneyConstant money{std::string(amount), {}};
  for (size_t i = 0; i < 3 && i < currency.size(); ++i)
    money.currency[i] = currency[i];
  return add({type(program_.types.moneyType()), std::move(money)});
}

bytecode::ConstantId ModuleTables::constant(const check::ConstValue& value, check::TypeId t) {
  const check::TypeTable& types = program_.types;
  const bytecode::TypeId mapped = type(t);
  // The type inside any optional decides how an aggregate's elements are typed.
  const check::TypeData& inner = types.get(types.unwrap(t));
  return std::visit(
      [&](const auto& v) -> bytecode::ConstantId {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, check::NoneValue>) {
          return add({mapped, std::monostate{}});
        } else if constexpr (std::is_same_v<V, bool> || std::is_same_v<V, int64_t>) {
          return add({mapped, v});
        } else if constexpr (std::is_same_v<V, base::Decimal>) {
          return add({mapped, bytecode::DecimalConstant{v.toString()}});
        } else if constexpr (std::is_same_v<V, base::Money>) {
          bytecode::MoneyConstant money{v.amount().toString(), {}};
          const std::string_view code = v.currency().text();
          for (size_t i = 0; i < 3; ++i)
            money.currency[i] = code[i];
          return add({mapped, std::move(money)});
        } else if constexpr (std::is_same_v<V, std::string>) {
          return add({mapped, string(v)});
        } else if constexpr (std::is_same_v<V, check::DurationValue> ||
                             std::is_same_v<V, check::TimeValue>) {
          return add({mapped, v.millis});
        } else if constexpr (std::is_same_v<V, check::EnumValue>) {
          return add({mapped, bytecode::EnumConstant{v.enum_index, v.member}});
        } else if constexpr (std::is_same_v<V, check::RoleValue>) {
          return add({mapped, bytecode::RoleConstant{v.role}});
        } else if constexpr (std::is_same_v<V, check::UserValue>) {
          return add({mapped, string(v.id)});
        } else {
          static_assert(std::is_same_v<V, check::AggregateValue>);
          bytecode::AggregateConstant aggregate;
          for (size_t i = 0; i < v.elements.size(); ++i) {
            check::TypeId element = inner.element;
            if (inner.kind == TypeKind::kMap && i % 2 == 0) element = types.stringType();
            if (inner.kind == TypeKind::kRecord) {
              const auto& fields = program_.records[inner.decl].fields;
              element = i < fields.size() ? fields[i].type : types.error();
            }
            aggregate.elements.push_back(constant(v.elements[i], element));
          }
          return add({mapped, std::move(aggregate)});
        }
      },
      value.value);
}

void ModuleTables::declare() {
  for (const check::RecordInfo& record : program_.records) {
    bytecode::Record out;
    out.name = string(record.header.name);
    switch (record.kind) {
      case check::RecordKind::kRecord:
        out.kind = record.header.module == 0 ? bytecode::RecordKind::kBuiltin
                                             : bytecode::RecordKind::kRecord;
        break;
      case check::RecordKind::kSignal:
        out.kind = bytecode::RecordKind::kSignal;
        break;
      case check::RecordKind::kBuiltin:
        out.kind = bytecode::RecordKind::kBuiltin;
        break;
      case check::RecordKind::kForm:
        out.kind = bytecode::RecordKind::kForm;
        break;
      case check::RecordKind::kData:
        out.kind = bytecode::RecordKind::kData;
        break;
      case check::RecordKind::kClassification:
        out.kind = bytecode::RecordKind::kClassification;
        break;
    }
    module_.records.push_back(std::move(out));
  }
  // Fields after every record exists: a field's type may name a later record, and its
  // default is a constant whose type must be mapped.
  for (size_t r = 0; r < program_.records.size(); ++r) {
    for (const check::FieldInfo& field : program_.records[r].fields) {
      bytecode::Field out{string(field.name), type(field.type), std::nullopt};
      if (field.default_value) out.default_value = constant(*field.default_value, field.type);
      module_.records[r].fields.push_back(out);
    }
  }
  for (const check::EnumInfo& e : program_.enums) {
    bytecode::Enum out{string(e.header.name), {}};
    for (const check::EnumMemberInfo& m : e.members)
      out.members.push_back(string(m.name));
    module_.enums.push_back(std::move(out));
  }
  for (const check::RoleInfo& role : program_.roles)
    module_.roles.push_back({string(role.header.name), string(role.title)});
  for (const check::ConnectorInfo& c : program_.connectors)
    module_.connectors.push_back({string(c.header.name), c.first_op, c.op_count});
  for (const check::ConnectorOpInfo& op : program_.ops) {
    bytecode::ConnectorOp out{string(op.name), {}, type(op.result)};
    for (const check::ParamInfo& p : op.params)
      out.params.push_back({string(p.name), type(p.type)});
    module_.ops.push_back(std::move(out));
  }
}

}  // namespace rflow::codegen
