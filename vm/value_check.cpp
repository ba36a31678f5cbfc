// checkValue and checkWellFormed. Both recurse along the value, which is safe because
// the depth (stored in every aggregate) is checked before anything else.
#include "vm/value_check.h"

#include <fmt/format.h>

#include "bytecode/names.h"
#include "vm/limits.h"

namespace rflow::vm {
namespace {

using bytecode::Module;
using bytecode::TypeId;
using bytecode::TypeTag;

using Problem = std::optional<std::string>;

// "Any type": a sentinel rather than std::optional<TypeId>, which g++ 12 reports as
// maybe-uninitialized through the recursion.
constexpr TypeId kAnyType = UINT32_MAX;

Problem within(std::string_view where, Problem inner) {
  if (!inner) return inner;
  return fmt::format("{}: {}", where, *inner);
}

class Checker {
 public:
  explicit Checker(const Module& m) : m_(m) {}

  // `type` kAnyType: any well-formed value.
  Problem check(const Value& v, TypeId type) {
    const bool typed = type != kAnyType;
    if (typed) {
      const bytecode::Type& t = m_.types[type];
      switch (t.tag) {
        case TypeTag::kVoid:
        case TypeTag::kNone:
          return v.isNone() ? Problem() : mismatch(v, type);
        case TypeTag::kOptional:
          return v.isNone() ? Problem() : check(v, t.element);
        default:
          break;
      }
      if (!tagFits(v.tag(), t)) return mismatch(v, type);
    }
    switch (v.tag()) {
      case Tag::kNone:
      case Tag::kBool:
      case Tag::kInt:
      case Tag::kDecimal:
      case Tag::kMoney:
        return {};
      case Tag::kRole:
        if (v.asRole() >= m_.roles.size())
          return fmt::format("role #{} does not exist (the module has {})", v.asRole(),
                             m_.roles.size());
        return {};
      case Tag::kEnum: {
        if (v.enumIndex() >= m_.enums.size())
          return fmt::format("enum #{} does not exist", v.enumIndex());
        if (typed && m_.types[type].decl != v.enumIndex()) return mismatch(v, type);
        if (v.enumMember() >= m_.enums[v.enumIndex()].members.size())
          return fmt::format("enum `{}` has no member #{}",
                             m_.strings[m_.enums[v.enumIndex()].name], v.enumMember());
        return {};
      }
      case Tag::kString:
      case Tag::kRun:
        return checkText(v.asString());
      case Tag::kList: {
        if (v.listLength() > kMaxListLength)
          return fmt::format("a list of {} items is longer than {}", v.listLength(),
                             kMaxListLength);
        const TypeId element = typed ? m_.types[type].element : kAnyType;
        const auto items = v.listItems();
        for (size_t i = 0; i < items.size(); ++i) {
          if (Problem p = check(items[i], element)) return within(fmt::format("item {}", i), p);
        }
        return {};
      }
      case Tag::kMap: {
        const auto entries = v.mapEntries();
        if (entries.size() > kMaxListLength)
          return fmt::format("a map of {} entries is larger than {}", entries.size(),
                             kMaxListLength);
        const TypeId element = typed ? m_.types[type].element : kAnyType;
        for (size_t i = 0; i < entries.size(); ++i) {
          if (entries[i].key.tag() != Tag::kString) return "a map key is not a string";
          if (Problem p = checkText(entries[i].key.asString())) return within("a map key", p);
          if (i > 0 && !(entries[i - 1].key.asString() < entries[i].key.asString()))
            return "the map's keys are not sorted and unique";
          if (Problem p = check(entries[i].value, element))
            return within(
                fmt::format("key {}", bytecode::escapeText(entries[i].key.asString(), true)), p);
        }
        return {};
      }
      case Tag::kRecord: {
        const uint32_t r = v.recordIndex();
        if (r >= m_.records.size()) return fmt::format("record #{} does not exist", r);
        if (typed && m_.types[type].decl != r) return mismatch(v, type);
        const bytecode::Record& record = m_.records[r];
        const auto fields = v.recordFields();
        if (fields.size() != record.fields.size())
          return fmt::format("a `{}` has {} fields, not {}", m_.strings[record.name],
                             record.fields.size(), fields.size());
        for (size_t i = 0; i < fields.size(); ++i) {
          const TypeId field_type = typed ? record.fields[i].type : kAnyType;
          if (Problem p = check(fields[i], field_type))
            return within(fmt::format("field `{}`", m_.strings[record.fields[i].name]), p);
        }
        return {};
      }
    }
    return "the value has an unknown tag";
  }

 private:
  static bool tagFits(Tag tag, const bytecode::Type& t) {
    switch (t.tag) {
      case TypeTag::kBool:
        return tag == Tag::kBool;
      case TypeTag::kInt:
      case TypeTag::kDuration:
      case TypeTag::kTime:
        return tag == Tag::kInt;
      case TypeTag::kDecimal:
        return tag == Tag::kDecimal;
      case TypeTag::kMoney:
        return tag == Tag::kMoney;
      case TypeTag::kString:
      case TypeTag::kUser:
        return tag == Tag::kString;
      case TypeTag::kRole:
        return tag == Tag::kRole;
      case TypeTag::kAssignee:
        return tag == Tag::kRole || tag == Tag::kString;
      case TypeTag::kList:
        return tag == Tag::kList;
      case TypeTag::kMap:
        return tag == Tag::kMap;
      case TypeTag::kRecord:
        return tag == Tag::kRecord;
      case TypeTag::kEnum:
        return tag == Tag::kEnum;
      case TypeTag::kRun:
        return tag == Tag::kRun;
      case TypeTag::kVoid:
      case TypeTag::kNone:
      case TypeTag::kOptional:
        return tag == Tag::kNone;
    }
    return false;
  }

  Problem mismatch(const Value& v, TypeId type) const {
    std::string got(tagName(v.tag()));
    if (v.tag() == Tag::kRecord && v.recordIndex() < m_.records.size())
      got = fmt::format("a `{}` record", m_.strings[m_.records[v.recordIndex()].name]);
    return fmt::format("expected {}, got {}", bytecode::typeName(m_, type), got);
  }

  static Problem checkText(std::string_view text) {
    if (text.size() > kMaxStringBytes)
      return fmt::format("a string of {} bytes is longer than {}", text.size(), kMaxStringBytes);
    if (!bytecode::isValidUtf8(text)) return "a string is not valid UTF-8";
    return {};
  }

  const Module& m_;
};

Problem checkDepth(const Value& v) {
  if (v.depth() > kMaxValueDepth)
    return fmt::format("the value nests {} levels deep, more than {}", v.depth(), kMaxValueDepth);
  return {};
}

}  // namespace

std::optional<std::string> checkValue(const Value& value, const Module& module, TypeId type) {
  if (Problem p = checkDepth(value)) return p;
  return Checker(module).check(value, type);
}

std::optional<std::string> checkWellFormed(const Value& value, const Module& module) {
  if (Problem p = checkDepth(value)) return p;
  return Checker(module).check(value, kAnyType);
}

}  // namespace rflow::vm
