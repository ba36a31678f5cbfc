#include "check/types.h"

namespace rflow::check {

TypeTable::TypeTable() {
  for (TypeKind kind :
       {TypeKind::kError, TypeKind::kVoid, TypeKind::kBool, TypeKind::kInt, TypeKind::kDecimal,
        TypeKind::kMoney, TypeKind::kString, TypeKind::kDuration, TypeKind::kTime, TypeKind::kUser,
        TypeKind::kRole, TypeKind::kAssignee, TypeKind::kNone, TypeKind::kCalendar}) {
    intern({kind, 0, 0});
  }
}

TypeId TypeTable::intern(TypeData data) {
  const uint64_t key = (static_cast<uint64_t>(data.kind) << 56) |
                       (static_cast<uint64_t>(data.element) << 28) | data.decl;
  if (auto it = index_.find(key); it != index_.end()) return it->second;
  const auto id = static_cast<TypeId>(types_.size());
  types_.push_back(data);
  index_.emplace(key, id);
  return id;
}

TypeId TypeTable::list(TypeId element) {
  if (isError(element)) return kErrorId;
  return intern({TypeKind::kList, element, 0});
}

TypeId TypeTable::map(TypeId element) {
  if (isError(element)) return kErrorId;
  return intern({TypeKind::kMap, element, 0});
}

TypeId TypeTable::optional(TypeId inner) {
  if (isError(inner) || isOptional(inner) || inner == kNoneId) return inner;
  return intern({TypeKind::kOptional, inner, 0});
}

TypeId TypeTable::run(TypeId result) {
  return intern({TypeKind::kRun, result, 0});
}

TypeId TypeTable::record(uint32_t decl) {
  return intern({TypeKind::kRecord, 0, decl});
}

TypeId TypeTable::enumType(uint32_t decl) {
  return intern({TypeKind::kEnum, 0, decl});
}

}  // namespace rflow::check
