// The verifier (what it checks: verify.h). One pass per table in file order, then the
// code of every function, since instructions refer to every table. The first problem
// found is the one reported. Nothing here recurses: type chains and constants are
// walked with loops and memo tables, so a hostile module cannot exhaust the stack.
#include "bytecode/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <map>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "bytecode/names.h"
#include "bytecode/natives.h"

namespace rflow::bytecode {
namespace {

constexpr uint32_t kMaxSignificantDigits = 34;  // decimal128
constexpr size_t kMaxDecimalScale = 6176;       // decimal128's smallest exponent
constexpr int64_t kMaxRunField = 6;             // RunField: status … notifications
constexpr int64_t kMaxDecideKind = 2;           // approve, reject, complete
constexpr int64_t kConnectorOptionBits = 0xF;   // retry, every, backoff, timeout

// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, not negative zero, at most 34 significant digits (the
// digits after any leading zeros, across the point) and a scale decimal128 can hold.
bool isCanonicalDecimal(std::string_view s) {
  size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) ++i;
  const auto isDigit = [&](size_t at) { return at < s.size() && s[at] >= '0' && s[at] <= '9'; };
  const size_t int_begin = i;
  while (isDigit(i))
    ++i;
  const size_t int_digits = i - int_begin;
  if (int_digits == 0 || (int_digits > 1 && s[int_begin] == '0')) return false;
  size_t scale = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (isDigit(i)) {
      ++i;
      ++scale;
    }
    if (scale == 0) return false;
  }
  if (i != s.size() || scale > kMaxDecimalScale) return false;
  uint32_t significant = 0;
  for (size_t k = int_begin; k < s.size(); ++k) {
    if (s[k] == '.') continue;
    if (significant > 0 || s[k] != '0') ++significant;
  }
  if (negative && significant == 0) return false;
  return significant <= kMaxSignificantDigits;
}

std::string pcText(int64_t pc) {
  return fmt::format("{:04}", pc);
}

class Verifier {
 public:
  explicit Verifier(const Module& m) : m_(m) {}

  std::optional<VerifyError> run() {
    (void)(checkStrings() && checkTypes() && checkRecords() && checkEnums() && checkRoles() &&
           checkConstants() && checkDefaults() && checkFunctions() && checkWorkflows() &&
           checkConnectors() && checkOps() && checkPolicies() && checkTriggers() && checkTests() &&
           checkFiles() && checkClassifiers() && checkFigures() && checkStages() && checkCode() &&
           checkWaits());
    return std::move(error_);
  }

 private:
  // ---- error reporting ---------------------------------------------------------------

  void at(SectionKind section, size_t entry) {
    section_ = section;
    entry_ = static_cast<uint32_t>(entry);
    label_.clear();
  }

  // Records the first problem; returns false so that checks can `return fail(…)`.
  bool fail(std::string_view message, std::optional<uint32_t> pc = std::nullopt) {
    if (!error_) {
      std::string text = fmt::format("section `{}` entry {}", sectionName(section_), entry_);
      if (!label_.empty()) text += fmt::format(" (`{}`)", label_);
      text += ": ";
      text += message;
      error_ = VerifyError{section_, entry_, pc, std::move(text)};
    }
    return false;
  }

  bool inRange(uint64_t id, size_t count, std::string_view what, std::string_view plural) {
    if (id < count) return true;
    return fail(fmt::format("{} refers to #{}, but the module has {} {}", what, id, count, plural));
  }
  bool stringRef(uint64_t id, std::string_view what) {
    return inRange(id, m_.strings.size(), what, "strings");
  }
  bool typeRef(uint64_t id, std::string_view what) {
    return inRange(id, m_.types.size(), what, "types");
  }
  bool typeRefs(const std::vector<TypeId>& ids, std::string_view what) {
    for (size_t i = 0; i < ids.size(); ++i) {
      if (!typeRef(ids[i], fmt::format("{} {}", what, i))) return false;
    }
    return true;
  }
  bool paramRefs(const std::vector<Param>& ps) {
    for (size_t i = 0; i < ps.size(); ++i) {
      if (!stringRef(ps[i].name, fmt::format("the name of parameter {}", i)) ||
          !typeRef(ps[i].type, fmt::format("the type of parameter {}", i)))
        return false;
    }
    return true;
  }
  // A function reference that must have `kind`.
  bool functionRef(uint64_t id, std::string_view what, FunctionKind kind) {
    if (!inRange(id, m_.functions.size(), what, "functions")) return false;
    const Function& f = m_.functions[id];
    if (f.kind == kind) return true;
    return fail(fmt::format("{} is `{}`, a {} function, where a {} function belongs", what,
                            functionName(m_, static_cast<FunctionId>(id)), functionKindName(f.kind),
                            functionKindName(kind)));
  }

  // Two types are the same when their canonical ids are (checkTypes builds them).
  bool sameType(TypeId a, TypeId b) const { return canon_[a] == canon_[b]; }

  // ---- tables --------------------------------------------------------------------------

  bool checkStrings() {
    for (size_t i = 0; i < m_.strings.size(); ++i) {
      at(SectionKind::kStrings, i);
      if (!isValidUtf8(m_.strings[i])) return fail("the string is not valid UTF-8");
    }
    return true;
  }

  bool checkTypes() {
    const size_t n = m_.types.size();
    for (size_t i = 0; i < n; ++i) {
      at(SectionKind::kTypes, i);
      const Type& t = m_.types[i];
      if (static_cast<uint8_t>(t.tag) > static_cast<uint8_t>(TypeTag::kNone))
        return fail(fmt::format("type tag {} is not known", static_cast<int>(t.tag)));
      if (hasElement(t.tag)) {
        if (!typeRef(t.element, "the element type")) return false;
      } else if (t.element != 0) {
        return fail("a type without elements has an element type");
      }
      if (t.tag == TypeTag::kRecord) {
        if (!inRange(t.decl, m_.records.size(), "the record", "records")) return false;
      } else if (t.tag == TypeTag::kEnum) {
        if (!inRange(t.decl, m_.enums.size(), "the enum", "enums")) return false;
      } else if (t.decl != 0) {
        return fail("a type that is neither a record nor an enum has a declaration");
      }
    }
    // Each type has at most one element edge, so following elements from a type walks
    // one chain; depth_[t] is the length of t's chain, 0 while unknown.
    std::vector<uint32_t> depth(n, 0);
    std::vector<uint8_t> on_path(n, 0);
    std::vector<uint32_t> path;
    for (size_t i = 0; i < n; ++i) {
      path.clear();
      uint32_t t = static_cast<uint32_t>(i);
      while (depth[t] == 0 && !on_path[t]) {
        on_path[t] = 1;
        path.push_back(t);
        if (!hasElement(m_.types[t].tag)) break;
        t = m_.types[t].element;
      }
      if (depth[t] == 0 && on_path[t] && hasElement(m_.types[t].tag)) {
        at(SectionKind::kTypes, t);
        return fail(
            "the type contains itself (types may refer to themselves only through "
            "records)");
      }
      uint32_t d = depth[t];
      for (auto it = path.rbegin(); it != path.rend(); ++it) {
        on_path[*it] = 0;
        depth[*it] = ++d;
        if (d > kMaxTypeDepth) {
          at(SectionKind::kTypes, *it);
          return fail(fmt::format("the type nests more than {} types deep", kMaxTypeDepth));
        }
      }
    }
    // Canonical ids, elements before the types that contain them: equal structure, equal
    // id, whether or not the compiler shared its types.
    std::vector<uint32_t> order(n);
    for (size_t i = 0; i < n; ++i)
      order[i] = static_cast<uint32_t>(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return depth[a] < depth[b]; });
    canon_.assign(n, 0);
    std::map<std::pair<uint8_t, uint32_t>, uint32_t> ids;
    for (uint32_t t : order) {
      const Type& type = m_.types[t];
      const uint32_t part = hasElement(type.tag) ? canon_[type.element] : type.decl;
      const auto key = std::make_pair(static_cast<uint8_t>(type.tag), part);
      canon_[t] = ids.emplace(key, static_cast<uint32_t>(ids.size())).first->second;
    }
    return true;
  }

  bool checkRecords() {
    for (size_t i = 0; i < m_.records.size(); ++i) {
      at(SectionKind::kRecords, i);
      const Record& r = m_.records[i];
      if (!stringRef(r.name, "the name")) return false;
      label_ = stringText(m_, r.name);
      if (static_cast<uint8_t>(r.kind) > static_cast<uint8_t>(RecordKind::kClassification))
        return fail(fmt::format("record kind {} is not known", static_cast<int>(r.kind)));
      for (size_t k = 0; k < r.fields.size(); ++k) {
        const Field& f = r.fields[k];
        if (!stringRef(f.name, fmt::format("the name of field {}", k)) ||
            !typeRef(f.type, fmt::format("the type of field {}", k)))
          return false;
        if (f.default_value && !inRange(*f.default_value, m_.constants.size(),
                                        fmt::format("the default of field {}", k), "constants"))
          return false;
      }
      max_fields_ = std::max<size_t>(max_fields_, r.fields.size());
    }
    return true;
  }

  bool checkEnums() {
    for (size_t i = 0; i < m_.enums.size(); ++i) {
      at(SectionKind::kEnums, i);
      const Enum& e = m_.enums[i];
      if (!stringRef(e.name, "the name")) return false;
      for (size_t k = 0; k < e.members.size(); ++k) {
        if (!stringRef(e.members[k], fmt::format("member {}", k))) return false;
      }
    }
    return true;
  }

  bool checkRoles() {
    for (size_t i = 0; i < m_.roles.size(); ++i) {
      at(SectionKind::kRoles, i);
      if (!stringRef(m_.roles[i].name, "the name") || !stringRef(m_.roles[i].title, "the title"))
        return false;
    }
    return true;
  }

  // The value's type, once through the optionals when the value is not none.
  bool checkConstantValue(size_t i, const Constant& c) {
    TypeId t = c.type;
    const bool is_none = std::holds_alternative<std::monostate>(c.value);
    while (!is_none && m_.types[t].tag == TypeTag::kOptional)
      t = m_.types[t].element;  // types are acyclic: this ends
    const Type& type = m_.types[t];
    const std::string type_name = typeName(m_, c.type);
    const auto mismatch = [&](std::string_view value) {
      return fail(fmt::format("{} cannot have type `{}`", value, type_name));
    };
    const auto tagIs = [&](std::initializer_list<TypeTag> tags) {
      return std::find(tags.begin(), tags.end(), type.tag) != tags.end();
    };
    switch (static_cast<ConstantKind>(c.value.index())) {
      case ConstantKind::kNone:
        return tagIs({TypeTag::kOptional, TypeTag::kNone}) || mismatch("none");
      case ConstantKind::kBool:
        return tagIs({TypeTag::kBool}) || mismatch("a bool constant");
      case ConstantKind::kInt:
        return tagIs({TypeTag::kInt, TypeTag::kDuration, TypeTag::kTime}) ||
               mismatch("an int constant");
      case ConstantKind::kDecimal: {
        if (!tagIs({TypeTag::kDecimal})) return mismatch("a decimal constant");
        const std::string& digits = std::get<DecimalConstant>(c.value).digits;
        if (!isCanonicalDecimal(digits))
          return fail(fmt::format("{} is not a canonical decimal of at most {} significant digits",
                                  escapeText(digits, true), kMaxSignificantDigits));
        return true;
      }
      case ConstantKind::kMoney: {
        if (!tagIs({TypeTag::kMoney})) return mismatch("a money constant");
        const MoneyConstant& money = std::get<MoneyConstant>(c.value);
        if (!isCanonicalDecimal(money.amount))
          return fail(fmt::format("{} is not a canonical amount of at most {} significant digits",
                                  escapeText(money.amount, true), kMaxSignificantDigits));
        for (char ch : money.currency) {
          if (ch < 'A' || ch > 'Z')
            return fail(fmt::format(
                "the currency {} is not three capital letters",
                escapeText(std::string_view(money.currency.data(), money.currency.size()), true)));
        }
        return true;
      }
      case ConstantKind::kString:
        if (!tagIs({TypeTag::kString, TypeTag::kUser, TypeTag::kAssignee}))
          return mismatch("a string constant");
        return stringRef(std::get<StringId>(c.value), "the value");
      case ConstantKind::kEnum: {
        if (!tagIs({TypeTag::kEnum})) return mismatch("an enum constant");
        const EnumConstant& e = std::get<EnumConstant>(c.value);
        if (e.enum_index != type.decl)
          return fail(fmt::format("the value is a member of enum #{}, but its type is `{}`",
                                  e.enum_index, type_name));
        return inRange(e.member, m_.enums[type.decl].members.size(), "the value", "members");
      }
      case ConstantKind::kRole:
        if (!tagIs({TypeTag::kRole, TypeTag::kAssignee})) return mismatch("a role constant");
        return inRange(std::get<RoleConstant>(c.value).role, m_.roles.size(), "the value", "roles");
      case ConstantKind::kAggregate:
        return checkAggregate(i, type, type_name, std::get<AggregateConstant>(c.value));
    }
    return fail("the constant's kind is not known");
  }

  bool checkAggregate(size_t i, const Type& type, const std::string& type_name,
                      const AggregateConstant& a) {
    const auto& els = a.elements;
    uint32_t depth = 0;
    for (size_t k = 0; k < els.size(); ++k) {
      if (els[k] >= i)
        return fail(fmt::format("element {} refers to constant #{}, which does not come before it",
                                k, els[k]));
      depth = std::max(depth, constant_depth_[els[k]]);
    }
    constant_depth_[i] = depth + 1;
    if (depth + 1 > kMaxConstantDepth)
      return fail(fmt::format("the constant nests more than {} deep", kMaxConstantDepth));
    const auto elementIs = [&](size_t k, TypeId expected, std::string_view role) {
      const TypeId actual = m_.constants[els[k]].type;
      if (sameType(actual, expected)) return true;
      return fail(fmt::format("element {} has type `{}`, but {} must have type `{}`", k,
                              typeName(m_, actual), role, typeName(m_, expected)));
    };
    switch (type.tag) {
      case TypeTag::kList:
        for (size_t k = 0; k < els.size(); ++k) {
          if (!elementIs(k, type.element, "a list element")) return false;
        }
        return true;
      case TypeTag::kMap:
        if (els.size() % 2 != 0)
          return fail(fmt::format("a map constant has an odd number of elements ({})", els.size()));
        for (size_t k = 0; k < els.size(); k += 2) {
          if (m_.types[m_.constants[els[k]].type].tag != TypeTag::kString)
            return fail(fmt::format("element {} is a map key of type `{}`, not a string", k,
                                    typeName(m_, m_.constants[els[k]].type)));
          if (!elementIs(k + 1, type.element, "a map value")) return false;
        }
        return true;
      case TypeTag::kRecord: {
        const Record& r = m_.records[type.decl];
        if (els.size() != r.fields.size())
          return fail(fmt::format("a `{}` constant has {} elements, but the record has {} fields",
                                  type_name, els.size(), r.fields.size()));
        for (size_t k = 0; k < els.size(); ++k) {
          if (!elementIs(k, r.fields[k].type, fmt::format("field {}", k))) return false;
        }
        return true;
      }
      default:
        return fail(fmt::format("an aggregate constant cannot have type `{}`", type_name));
    }
  }

  bool checkConstants() {
    constant_depth_.assign(m_.constants.size(), 0);
    for (size_t i = 0; i < m_.constants.size(); ++i) {
      at(SectionKind::kConstants, i);
      const Constant& c = m_.constants[i];
      if (!typeRef(c.type, "the type") || !checkConstantValue(i, c)) return false;
    }
    return true;
  }

  bool checkDefaults() {
    for (size_t i = 0; i < m_.records.size(); ++i) {
      at(SectionKind::kRecords, i);
      label_ = stringText(m_, m_.records[i].name);
      const auto& fields = m_.records[i].fields;
      for (size_t k = 0; k < fields.size(); ++k) {
        if (!fields[k].default_value) continue;
        const TypeId actual = m_.constants[*fields[k].default_value].type;
        if (!sameType(actual, fields[k].type))
          return fail(fmt::format("the default of field {} has type `{}`, not the field's `{}`", k,
                                  typeName(m_, actual), typeName(m_, fields[k].type)));
      }
    }
    return true;
  }

  bool checkFunctions() {
    for (size_t i = 0; i < m_.functions.size(); ++i) {
      at(SectionKind::kFunctions, i);
      const Function& f = m_.functions[i];
      if (!stringRef(f.name, "the name")) return false;
      label_ = stringText(m_, f.name);
      if (static_cast<uint8_t>(f.kind) > static_cast<uint8_t>(FunctionKind::kMock))
        return fail(fmt::format("function kind {} is not known", static_cast<int>(f.kind)));
      if (!typeRefs(f.params, "parameter") || !typeRef(f.result, "the result type") ||
          !typeRefs(f.locals, "local"))
        return false;
      if (f.params.size() + f.locals.size() > kMaxSlots)
        return fail(fmt::format("the function has {} parameters and locals, more than {}",
                                f.params.size() + f.locals.size(), kMaxSlots));
      if (f.max_stack > kMaxStack)
        return fail(fmt::format("max_stack is {}, more than {}", f.max_stack, kMaxStack));
      if (f.code.empty()) return fail("the function has no code");
      if (f.code.size() > kMaxCodeBytes)
        return fail(
            fmt::format("the code is {} bytes long, more than {}", f.code.size(), kMaxCodeBytes));
      if (!inRange(f.file, m_.files.size(), "the file", "files")) return false;
      if (f.lines.empty() || f.lines[0].pc != 0)
        return fail("the line table does not start at pc 0");
      for (size_t k = 1; k < f.lines.size(); ++k) {
        if (f.lines[k].pc <= f.lines[k - 1].pc)
          return fail(fmt::format("the line table is not sorted: entry {} (pc {}) follows pc {}", k,
                                  f.lines[k].pc, f.lines[k - 1].pc));
      }
      if (f.lines.back().pc >= f.code.size())
        return fail(fmt::format("the line table has pc {}, past the end of the code ({} bytes)",
                                f.lines.back().pc, f.code.size()));
    }
    return true;
  }

  bool checkWorkflows() {
    for (size_t i = 0; i < m_.workflows.size(); ++i) {
      at(SectionKind::kWorkflows, i);
      const Workflow& w = m_.workflows[i];
      if (!stringRef(w.name, "the name")) return false;
      label_ = stringText(m_, w.name);
      if (!paramRefs(w.params) || !typeRef(w.result, "the result type") ||
          !functionRef(w.body, "the body", FunctionKind::kWorkflow))
        return false;
      const Function& body = m_.functions[w.body];
      bool same = body.params.size() == w.params.size() && sameType(body.result, w.result);
      for (size_t k = 0; same && k < w.params.size(); ++k)
        same = sameType(body.params[k], w.params[k].type);
      if (!same)
        return fail(
            fmt::format("the body `{}` does not take the workflow's parameters and "
                        "return its result",
                        functionName(m_, w.body)));
      if (w.owner && !stringRef(*w.owner, "the owner")) return false;
      if (w.key && !functionRef(*w.key, "the key", FunctionKind::kWorkflowKey)) return false;
      if (w.sla && !functionRef(*w.sla, "the sla", FunctionKind::kWorkflowSla)) return false;
      if (w.breach && !functionRef(*w.breach, "the breach handler", FunctionKind::kBreachHandler))
        return false;
      if (w.sla_calendar && !w.sla) return fail("it has an sla calendar but no sla");
      if (w.sla_calendar && !stringRef(*w.sla_calendar, "the sla calendar")) return false;
    }
    return true;
  }

  bool checkConnectors() {
    uint64_t next = 0;
    for (size_t i = 0; i < m_.connectors.size(); ++i) {
      at(SectionKind::kConnectors, i);
      const Connector& c = m_.connectors[i];
      if (!stringRef(c.name, "the name")) return false;
      label_ = stringText(m_, c.name);
      if (c.first_op != next)
        return fail(
            fmt::format("its ops start at #{}, but the previous connector's end at #{} "
                        "(connectors own consecutive runs of ops, in order)",
                        c.first_op, next));
      next += c.op_count;
      if (next > m_.ops.size())
        return fail(
            fmt::format("its ops run to #{}, but the module has {} ops", next - 1, m_.ops.size()));
    }
    if (next != m_.ops.size()) {
      at(SectionKind::kOps, next);
      return fail("the op belongs to no connector");
    }
    return true;
  }

  bool checkOps() {
    for (size_t i = 0; i < m_.ops.size(); ++i) {
      at(SectionKind::kOps, i);
      const ConnectorOp& op = m_.ops[i];
      if (!stringRef(op.name, "the name") || !paramRefs(op.params) ||
          !typeRef(op.result, "the result type"))
        return false;
    }
    return true;
  }

  bool checkPolicies() {
    for (size_t i = 0; i < m_.policies.size(); ++i) {
      at(SectionKind::kPolicies, i);
      const Policy& p = m_.policies[i];
      if (!stringRef(p.name, "the name")) return false;
      label_ = stringText(m_, p.name);
      if (static_cast<uint8_t>(p.kind) > static_cast<uint8_t>(PolicyKind::kTask))
        return fail(fmt::format("policy kind {} is not known", static_cast<int>(p.kind)));
      if (!functionRef(p.function, "the function", FunctionKind::kPolicy)) return false;
    }
    return true;
  }

  bool checkTriggers() {
    for (size_t i = 0; i < m_.triggers.size(); ++i) {
      at(SectionKind::kTriggers, i);
      const Trigger& t = m_.triggers[i];
      if (static_cast<uint8_t>(t.kind) > static_cast<uint8_t>(TriggerKind::kSchedule))
        return fail(fmt::format("trigger kind {} is not known", static_cast<int>(t.kind)));
      if (!stringRef(t.source, "the source") || !paramRefs(t.params) ||
          !inRange(t.workflow, m_.workflows.size(), "the workflow", "workflows") ||
          !functionRef(t.function, "the function", FunctionKind::kTrigger))
        return false;
      const Function& f = m_.functions[t.function];
      bool same = f.params.size() == t.params.size();
      for (size_t k = 0; same && k < t.params.size(); ++k)
        same = sameType(f.params[k], t.params[k].type);
      if (!same)
        return fail(fmt::format("the function `{}` does not take the trigger's parameters",
                                functionName(m_, t.function)));
    }
    return true;
  }

  bool checkTests() {
    for (size_t i = 0; i < m_.tests.size(); ++i) {
      at(SectionKind::kTests, i);
      const Test& t = m_.tests[i];
      if (!stringRef(t.title, "the title") ||
          !functionRef(t.function, "the function", FunctionKind::kTest) ||
          !inRange(t.file, m_.files.size(), "the file", "files"))
        return false;
    }
    return true;
  }

  bool checkFiles() {
    for (size_t i = 0; i < m_.files.size(); ++i) {
      at(SectionKind::kFiles, i);
      if (!stringRef(m_.files[i].path, "the path") || !stringRef(m_.files[i].module, "the module"))
        return false;
    }
    return true;
  }

  bool checkClassifiers() {
    for (size_t i = 0; i < m_.classifiers.size(); ++i) {
      at(SectionKind::kClassifiers, i);
      const Classifier& k = m_.classifiers[i];
      if (!stringRef(k.name, "the name") ||
          !inRange(k.labels, m_.enums.size(), "the labels", "enums") ||
          !inRange(k.record, m_.records.size(), "the record", "records"))
        return false;
      if (m_.records[k.record].kind != RecordKind::kClassification)
        return fail("the record of a classifier must be a classification record");
      // Canonical text in (0, 1) is "0." followed by digits, not all of them zero.
      const std::string& t = k.threshold.digits;
      if (!isCanonicalDecimal(t) || !t.starts_with("0.") ||
          t.find_first_not_of("0.") == std::string::npos)
        return fail(
            fmt::format("the threshold `{}` is not a decimal between 0 and 1", k.threshold.digits));
    }
    return true;
  }

  bool checkFigure(const Figure& f, std::string_view what, bool needs_function) {
    if (!stringRef(f.name, fmt::format("the name of a {}", what)) ||
        !typeRef(f.type, fmt::format("the type of {} `{}`", what, stringText(m_, f.name))))
      return false;
    if (needs_function && !f.function)
      return fail(fmt::format("{} `{}` has no function", what, stringText(m_, f.name)));
    if (!f.function) return true;
    if (!functionRef(*f.function, fmt::format("the function of {}", what),
                     FunctionKind::kWorkflowKey))
      return false;
    if (!sameType(m_.functions[*f.function].result, f.type))
      return fail(fmt::format("the function of {} `{}` does not return its type", what,
                              stringText(m_, f.name)));
    return true;
  }

  bool checkFigures() {
    for (size_t i = 0; i < m_.figures.size(); ++i) {
      at(SectionKind::kFigures, i);
      const WorkflowFigures& f = m_.figures[i];
      if (!inRange(f.workflow, m_.workflows.size(), "the workflow", "workflows")) return false;
      if (i > 0 && m_.figures[i - 1].workflow >= f.workflow)
        return fail("entries must be in workflow order, one per workflow");
      label_ = stringText(m_, m_.workflows[f.workflow].name);
      for (const Figure& t : f.tracks) {
        if (!checkFigure(t, "tracked value", true)) return false;
      }
      for (const Figure& measure : f.measures) {
        if (!checkFigure(measure, "measure", false)) return false;
      }
    }
    return true;
  }

  bool checkStages() {
    for (size_t i = 0; i < m_.stages.size(); ++i) {
      at(SectionKind::kStages, i);
      const Stage& st = m_.stages[i];
      if (!typeRef(st.data_type, "the data type") || !stringRef(st.name, "the name")) return false;
      if (m_.types[st.data_type].tag != TypeTag::kRecord)
        return fail("the data type of a stage must be a record");
      if (i > 0 && m_.stages[i - 1].data_type >= st.data_type)
        return fail("entries must be in data type order, one per type");
    }
    return true;
  }

  // The opcodes a wait place of `kind` may point at.
  static bool placeOpcode(WaitPlaceKind kind, Opcode op) {
    switch (kind) {
      case WaitPlaceKind::kApproval:
        return op == Opcode::kApproval;
      case WaitPlaceKind::kTask:
        return op == Opcode::kTask;
      case WaitPlaceKind::kAwait:
        return op == Opcode::kAwait;
      case WaitPlaceKind::kSleep:
        return op == Opcode::kSleep || op == Opcode::kSleepUntil;
      case WaitPlaceKind::kCall:
        return op == Opcode::kCallConnector;
      case WaitPlaceKind::kChild:
        return op == Opcode::kStartChild;
    }
    return false;
  }

  // After checkCode: the body's code decodes, so the place's pc can be read.
  bool checkWaits() {
    for (size_t i = 0; i < m_.waits.size(); ++i) {
      at(SectionKind::kWaits, i);
      const WaitPlace& p = m_.waits[i];
      if (!inRange(p.workflow, m_.workflows.size(), "the workflow", "workflows") ||
          !stringRef(p.stage, "the stage") ||
          (p.calendar && !stringRef(*p.calendar, "the calendar")))
        return false;
      if (i > 0) {
        const WaitPlace& before = m_.waits[i - 1];
        if (before.workflow > p.workflow || (before.workflow == p.workflow && before.pc >= p.pc))
          return fail("entries must be in workflow order, then pc order, one per pc");
      }
      if (static_cast<uint8_t>(p.kind) >= kWaitPlaceKinds)
        return fail("the wait kind is not known");
      if ((p.flags & ~kWaitFlagsMask) != 0)
        return fail(fmt::format("flags {:#x} has bits that mean nothing", p.flags));
      const Function& body = m_.functions[m_.workflows[p.workflow].body];
      const std::optional<Instruction> in = decodeInstruction(body.code, p.pc);
      if (!in || in->offset != p.pc || !isInstructionStart(body, p.pc))
        return fail(fmt::format("pc {} is not an instruction of the workflow's body", p.pc));
      if (!placeOpcode(p.kind, in->opcode))
        return fail(fmt::format("pc {} is {}, not a wait of kind {}", p.pc,
                                opcodeInfo(static_cast<uint8_t>(in->opcode))->name,
                                waitPlaceKindName(p.kind)));
      const size_t slots = body.params.size() + body.locals.size();
      for (size_t k = 0; k < p.live.size(); ++k) {
        const LiveLocal& l = p.live[k];
        if (k > 0 && p.live[k - 1].slot >= l.slot)
          return fail("live variables must be in slot order, one per slot");
        if (l.slot >= slots)
          return fail(
              fmt::format("live slot {} is not a slot of the body ({} slots)", l.slot, slots));
        if (!stringRef(l.name, "a live variable's name")) return false;
        const TypeId slot_type = l.slot < body.params.size()
                                     ? body.params[l.slot]
                                     : body.locals[l.slot - body.params.size()];
        if (l.type != slot_type)
          return fail(fmt::format("live slot {} has type {}, but the body declares {}", l.slot,
                                  typeName(m_, l.type), typeName(m_, slot_type)));
        if (l.default_value) {
          if (!inRange(*l.default_value, m_.constants.size(), "a live variable's default",
                       "constants"))
            return false;
          if (m_.constants[*l.default_value].type != l.type)
            return fail(fmt::format("the default of live slot {} is not of its type", l.slot));
        }
      }
    }
    return true;
  }

  // Whether `pc` is where an instruction of `f` starts (walking from 0; the code decodes).
  static bool isInstructionStart(const Function& f, uint32_t pc) {
    uint32_t at = 0;
    while (at < pc) {
      const std::optional<Instruction> in = decodeInstruction(f.code, at);
      if (!in) return false;
      at += in->size;
    }
    return at == pc;
  }

  // ---- code --------------------------------------------------------------------------

  bool isRecordType(int64_t t) const {
    return t >= 0 && static_cast<uint64_t>(t) < m_.types.size() &&
           m_.types[t].tag == TypeTag::kRecord;
  }

  // Operand b of Mock and MockClassify: a kMock function taking operand c captured values
  // and then `own` values of the thing mocked (`own_text` says which, for the message).
  std::string mockFunction(const Instruction& in, size_t own, std::string_view own_text) const {
    if (in.b < 0 || static_cast<uint64_t>(in.b) >= m_.functions.size())
      return fmt::format("#{} is out of range (the module has {} functions)", in.b,
                         m_.functions.size());
    const Function& mock = m_.functions[in.b];
    if (mock.kind != FunctionKind::kMock)
      return fmt::format("`{}` is a {} function, not a mock",
                         functionName(m_, static_cast<FunctionId>(in.b)),
                         functionKindName(mock.kind));
    if (mock.params.size() != static_cast<size_t>(in.c) + own)
      return fmt::format("the mock `{}` takes {} parameters, not {} captured + {}",
                         functionName(m_, static_cast<FunctionId>(in.b)), mock.params.size(), in.c,
                         own_text);
    return "";
  }

  // What is wrong with the instruction's operands, or "" when nothing is.
  std::string operandProblem(const Function& f, const Instruction& in,
                             const std::vector<bool>& starts) const {
    const auto range = [&](int64_t v, size_t count, std::string_view plural) -> std::string {
      if (v >= 0 && static_cast<uint64_t>(v) < count) return "";
      return fmt::format("#{} is out of range (the module has {} {})", v, count, plural);
    };
    const auto typeOf = [&](int64_t t, TypeTag tag, std::string_view what) -> std::string {
      if (std::string p = range(t, m_.types.size(), "types"); !p.empty()) return p;
      if (m_.types[t].tag == tag) return "";
      return fmt::format("type `{}` is not {}", typeName(m_, static_cast<TypeId>(t)), what);
    };
    const auto atMost = [](int64_t v, int64_t max, std::string_view what) -> std::string {
      if (v <= max) return "";
      return fmt::format("{} {} is not known (at most {})", what, v, max);
    };
    switch (in.opcode) {
      case Opcode::kConst:
        return range(in.a, m_.constants.size(), "constants");
      case Opcode::kLoadLocal:
      case Opcode::kStoreLocal: {
        const size_t slots = f.params.size() + f.locals.size();
        if (static_cast<uint64_t>(in.a) < slots) return "";
        return fmt::format("slot {} is out of range (the function has {} parameters and locals)",
                           in.a, slots);
      }
      case Opcode::kJump:
      case Opcode::kJumpIfFalse:
      case Opcode::kJumpIfTrue:
      case Opcode::kJumpIfNone:
      case Opcode::kJumpIfNotNone:
      case Opcode::kTryBegin:
      case Opcode::kFork: {
        const int64_t target = *branchTarget(in);
        if (target < 0 || static_cast<uint64_t>(target) >= f.code.size())
          return fmt::format("the target {} is outside the function's {} bytes of code", target,
                             f.code.size());
        if (!starts[target])
          return fmt::format("the target {} is not the start of an instruction", pcText(target));
        return "";
      }
      case Opcode::kCall:
        return range(in.a, m_.functions.size(), "functions");
      case Opcode::kCallNative: {
        const std::optional<NativeInfo> native = nativeInfo(static_cast<uint32_t>(in.a));
        if (!native) return fmt::format("native #{} is not known to this rflow", in.a);
        if (in.b != native->arity)
          return fmt::format("{} takes {} arguments, not {}", native->name, native->arity, in.b);
        return "";
      }
      case Opcode::kToString:
      case Opcode::kEq:
      case Opcode::kNe:
      case Opcode::kInList:
        return range(in.a, m_.types.size(), "types");
      case Opcode::kMakeList:
        return typeOf(in.a, TypeTag::kList, "a list");
      case Opcode::kMakeMap:
        return typeOf(in.a, TypeTag::kMap, "a map");
      case Opcode::kMakeRecord:
      case Opcode::kApproval:
      case Opcode::kAwait: {
        if (std::string p = typeOf(in.a, TypeTag::kRecord, "a record"); !p.empty()) return p;
        return in.opcode == Opcode::kAwait ? atMost(in.b, 1, "has_timeout") : "";
      }
      case Opcode::kTask: {
        if (std::string p = typeOf(in.a, TypeTag::kRecord, "a record"); !p.empty()) return p;
        return typeOf(in.b, TypeTag::kRecord, "a record");
      }
      case Opcode::kGetField:
        if (in.a < max_fields_) return "";
        return fmt::format("field {} is out of range (the largest record has {} fields)", in.a,
                           max_fields_);
      case Opcode::kCallConnector:
        if (std::string p = range(in.a, m_.ops.size(), "ops"); !p.empty()) return p;
        if ((in.b & ~kConnectorOptionBits) != 0)
          return fmt::format("the options {:#04x} have unknown bits", in.b);
        return "";
      case Opcode::kStartChild:
      case Opcode::kSpawn:
      case Opcode::kStartRun:
        return range(in.a, m_.workflows.size(), "workflows");
      case Opcode::kMock:
        if (std::string p = range(in.a, m_.ops.size(), "ops"); !p.empty()) return p;
        return mockFunction(in, m_.ops[in.a].params.size(),
                            fmt::format("{} of the op", m_.ops[in.a].params.size()));
      case Opcode::kMockFails:
      case Opcode::kExpectCalled:
        return range(in.a, m_.ops.size(), "ops");
      case Opcode::kClassify:
      case Opcode::kLearn:
      case Opcode::kExpectLearned:
        return range(in.a, m_.classifiers.size(), "classifiers");
      case Opcode::kMeasure: {
        // Only a workflow's body sets its measures.
        if (f.kind != FunctionKind::kWorkflow) return "`Measure` is only allowed in a workflow";
        const auto fn = static_cast<uint32_t>(&f - m_.functions.data());
        for (uint32_t w = 0; w < m_.workflows.size(); ++w) {
          if (m_.workflows[w].body != fn) continue;
          const WorkflowFigures* figures = figuresOf(m_, w);
          return range(in.a, figures != nullptr ? figures->measures.size() : 0, "measures");
        }
        return "`Measure` is in a function that is no workflow's body";
      }
      case Opcode::kMockClassify:
        if (std::string p = range(in.a, m_.classifiers.size(), "classifiers"); !p.empty()) return p;
        return mockFunction(in, 1, "the text");
      case Opcode::kRunField:
        return atMost(in.a, kMaxRunField, "run field");
      case Opcode::kDecide:
        if (std::string p = atMost(in.a, kMaxDecideKind, "decision kind"); !p.empty()) return p;
        return atMost(in.b, 3, "flags");
      case Opcode::kExpect: {
        if (std::string p = range(in.a, m_.constants.size(), "constants"); !p.empty()) return p;
        if (m_.types[m_.constants[in.a].type].tag != TypeTag::kString)
          return fmt::format("constant #{} holds no text", in.a);
        return atMost(in.b, 3, "flags");
      }
      default:
        return "";
    }
  }

  bool checkFunctionCode(const Function& f) {
    const std::span<const uint8_t> code(f.code);
    std::vector<bool> starts(code.size(), false);
    const auto where = [&](const Instruction& in) {
      return fmt::format("at {} {}: ", pcText(in.offset),
                         opcodeInfo(static_cast<uint8_t>(in.opcode))->name);
    };
    for (uint32_t pc = 0; pc < code.size();) {
      const std::optional<Instruction> in = decodeInstruction(code, pc);
      if (!in) {
        if (!opcodeInfo(code[pc]))
          return fail(fmt::format("at {}: byte {:#04x} is not an opcode", pcText(pc), code[pc]),
                      pc);
        return fail(fmt::format("at {}: the operands of {} run past the end of the code",
                                pcText(pc), opcodeInfo(code[pc])->name),
                    pc);
      }
      starts[pc] = true;
      pc += in->size;
    }
    for (const LineEntry& line : f.lines) {
      if (!starts[line.pc])
        return fail(
            fmt::format("the line table's pc {} is not the start of an instruction", line.pc));
    }
    for (uint32_t pc = 0; pc < code.size();) {
      const Instruction in = *decodeInstruction(code, pc);
      if (std::string p = operandProblem(f, in, starts); !p.empty()) return fail(where(in) + p, pc);
      pc += in.size;
    }

    // Abstract interpretation: the depth before each reached instruction, -1 until a
    // path reaches it. Each instruction is visited once; later paths must agree.
    std::vector<int32_t> depth(code.size(), -1);
    std::vector<uint32_t> work;
    const auto reach = [&](const Instruction& from, int64_t target, int64_t d,
                           std::string_view how) {
      if (depth[target] < 0) {
        depth[target] = static_cast<int32_t>(d);
        work.push_back(static_cast<uint32_t>(target));
        return true;
      }
      if (depth[target] == d) return true;
      return fail(where(from) + fmt::format("{} {} with {} values on the stack, but another path "
                                            "arrives there with {}",
                                            how, pcText(target), d, depth[target]),
                  from.offset);
    };
    depth[0] = 0;
    work.push_back(0);
    while (!work.empty()) {
      const uint32_t pc = work.back();
      work.pop_back();
      const Instruction in = *decodeInstruction(code, pc);
      const int64_t d = depth[pc];
      const StackEffect effect = *stackEffect(in, m_);
      if (effect.pops > d)
        return fail(where(in) + fmt::format("needs {} values on the stack, but there are {}",
                                            effect.pops, d),
                    pc);
      const int64_t after = d - effect.pops + effect.pushes;
      if (after > f.max_stack)
        return fail(where(in) + fmt::format("leaves {} values on the stack, more than max_stack "
                                            "{}",
                                            after, f.max_stack),
                    pc);
      if ((in.opcode == Opcode::kFork || in.opcode == Opcode::kEndBranch) && d != 0)
        return fail(where(in) + fmt::format("a parallel branch starts and ends with an empty "
                                            "stack, but there are {} values on it",
                                            d),
                    pc);
      if (in.opcode == Opcode::kTryBegin) {
        // The handler starts with the stack cut back to here plus the Error record.
        if (d + 1 > f.max_stack)
          return fail(where(in) + fmt::format("the handler starts with {} values on the stack, "
                                              "more than max_stack {}",
                                              d + 1, f.max_stack),
                      pc);
        if (!reach(in, *branchTarget(in), d + 1, "enters the handler at")) return false;
      } else if (const std::optional<int64_t> target = branchTarget(in)) {
        if (!reach(in, *target, after, "jumps to")) return false;
      }
      if (endsPath(in.opcode)) continue;
      const uint32_t next = pc + in.size;
      if (next >= code.size())
        return fail(where(in) +
                        "execution runs off the end of the code (a function ends "
                        "with Return, Fail or Jump)",
                    pc);
      if (!reach(in, next, after, "continues at")) return false;
    }
    return true;
  }

  bool checkCode() {
    for (size_t i = 0; i < m_.functions.size(); ++i) {
      at(SectionKind::kFunctions, i);
      label_ = stringText(m_, m_.functions[i].name);
      if (!checkFunctionCode(m_.functions[i])) return false;
    }
    return true;
  }

  const Module& m_;
  SectionKind section_ = SectionKind::kStrings;
  uint32_t entry_ = 0;
  std::string label_;  // the entry's name, once known to be a string
  std::optional<VerifyError> error_;
  std::vector<uint32_t> canon_;           // canonical id of each type
  std::vector<uint32_t> constant_depth_;  // how deeply each constant nests
  int64_t max_fields_ = 0;                // fields of the largest record
};

}  // namespace

std::optional<VerifyError> verifyModule(const Module& module) {
  return Verifier(module).run();
}

std::optional<StackEffect> stackEffect(const Instruction& in, const Module& m) {
  const std::optional<OpcodeInfo> info = opcodeInfo(static_cast<uint8_t>(in.opcode));
  if (!info) return std::nullopt;
  StackEffect e{info->pops, info->pushes};
  if (info->pops != kVar && info->pushes != kVar) return e;
  const auto count = [](size_t n) { return static_cast<int64_t>(n); };
  switch (in.opcode) {
    case Opcode::kCall:
      if (in.a < 0 || static_cast<uint64_t>(in.a) >= m.functions.size()) return std::nullopt;
      e.pops = count(m.functions[in.a].params.size());
      break;
    case Opcode::kCallNative:
      e.pops = in.b;
      break;
    case Opcode::kInterpolate:
      e.pops = in.a;
      break;
    case Opcode::kMakeList:
      e.pops = in.b;
      break;
    case Opcode::kMakeMap:
      e.pops = 2 * in.b;
      break;
    case Opcode::kMakeRecord: {
      if (in.a < 0 || static_cast<uint64_t>(in.a) >= m.types.size()) return std::nullopt;
      const Type& t = m.types[in.a];
      if (t.tag != TypeTag::kRecord || t.decl >= m.records.size()) return std::nullopt;
      e.pops = count(m.records[t.decl].fields.size());
      break;
    }
    case Opcode::kCallConnector:
      if (in.a < 0 || static_cast<uint64_t>(in.a) >= m.ops.size()) return std::nullopt;
      e.pops = count(m.ops[in.a].params.size()) + std::popcount(static_cast<uint64_t>(in.b));
      break;
    case Opcode::kAwait:
      e.pops = in.b;
      break;
    case Opcode::kStartChild:
    case Opcode::kSpawn:
    case Opcode::kStartRun:
      if (in.a < 0 || static_cast<uint64_t>(in.a) >= m.workflows.size()) return std::nullopt;
      e.pops = count(m.workflows[in.a].params.size());
      break;
    case Opcode::kMock:
    case Opcode::kMockClassify:
      e.pops = in.c;
      break;
    case Opcode::kDecide:
      e.pops = 2 + (in.b & 1);
      break;
    case Opcode::kExpect:
      e.pops = 1 + ((in.b & 1) ? 2 : 0) + ((in.b & 2) ? 1 : 0);
      break;
    default:
      return std::nullopt;  // a kVar opcode this switch does not know yet
  }
  return e;
}

}  // namespace rflow::bytecode
