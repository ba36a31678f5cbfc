// The checker's types: interned, compared by id.
//
// A TypeTable owns every type of one checked program. Structural types (list<T>,
// map<T>, T?, Run<T>) are interned, so two occurrences of `list<int>` get the same
// TypeId and type equality is id equality. Declared types (records, enums) are
// nominal: their TypeId wraps an index into the program's record or enum table.
//
// Invariants: optional types never nest (T?? is T?) and never wrap the error type or
// `none`; the error type converts to and from every type, so an expression that failed
// to check causes no further diagnostics (language.md §7).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace rflow::check {

using TypeId = uint32_t;

enum class TypeKind : uint8_t {
  kError,  // a part that failed to check
  kVoid,   // "no value": a function or workflow without `-> T`
  kBool,
  kInt,
  kDecimal,
  kMoney,
  kString,
  kDuration,
  kTime,
  kUser,
  kRole,
  kAssignee,  // a role or a user
  kNone,      // the type of the `none` literal before it meets an optional
  kList,
  kMap,
  kOptional,
  kRecord,  // records, signals, built-in records, task forms, approval data
  kEnum,
  kRun,       // Run<T> in tests; element = T
  kCalendar,  // a business calendar (intelligence.md §3); a string of calendar::encode at run time
};

struct TypeData {
  TypeKind kind = TypeKind::kError;
  TypeId element = 0;  // kList, kMap, kOptional, kRun
  uint32_t decl = 0;   // kRecord, kEnum: index into Program::records / Program::enums

  friend bool operator==(const TypeData&, const TypeData&) = default;
};

class TypeTable {
 public:
  TypeTable();

  // The fixed types, created first and always present.
  TypeId error() const { return kErrorId; }
  TypeId voidType() const { return kVoidId; }
  TypeId boolType() const { return kBoolId; }
  TypeId intType() const { return kIntId; }
  TypeId decimalType() const { return kDecimalId; }
  TypeId moneyType() const { return kMoneyId; }
  TypeId stringType() const { return kStringId; }
  TypeId durationType() const { return kDurationId; }
  TypeId timeType() const { return kTimeId; }
  TypeId userType() const { return kUserId; }
  TypeId roleType() const { return kRoleId; }
  TypeId assigneeType() const { return kAssigneeId; }
  TypeId noneType() const { return kNoneId; }
  TypeId calendarType() const { return kCalendarId; }

  TypeId list(TypeId element);
  TypeId map(TypeId element);
  // T? (returns T itself when T is already optional, the error type or `none`).
  TypeId optional(TypeId inner);
  TypeId run(TypeId result);
  TypeId record(uint32_t decl);
  TypeId enumType(uint32_t decl);

  const TypeData& get(TypeId id) const { return types_[id]; }
  TypeKind kind(TypeId id) const { return types_[id].kind; }
  bool isError(TypeId id) const { return id == kErrorId; }
  bool isOptional(TypeId id) const { return kind(id) == TypeKind::kOptional; }
  // T for T?, the type itself otherwise.
  TypeId unwrap(TypeId id) const { return isOptional(id) ? types_[id].element : id; }
  size_t size() const { return types_.size(); }

 private:
  static constexpr TypeId kErrorId = 0, kVoidId = 1, kBoolId = 2, kIntId = 3, kDecimalId = 4,
                          kMoneyId = 5, kStringId = 6, kDurationId = 7, kTimeId = 8, kUserId = 9,
                          kRoleId = 10, kAssigneeId = 11, kNoneId = 12, kCalendarId = 13;

  TypeId intern(TypeData data);

  std::vector<TypeData> types_;
  // (kind, element, decl) packed into 64 bits: elements and decls stay below 2^28, which
  // the program's limits (kMaxTypes in program.h) guarantee.
  std::unordered_map<uint64_t, TypeId> index_;
};

}  // namespace rflow::check
