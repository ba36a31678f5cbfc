// Matching wait places between module versions (wait_map.h).
#include "bytecode/wait_map.h"

#include <fmt/format.h>

#include <set>

#include "bytecode/names.h"
#include "bytecode/operands.h"

namespace rflow::bytecode {
namespace {

std::string_view declared(std::string_view qualified) {
  const size_t dot = qualified.rfind('.');
  return dot == std::string_view::npos ? qualified : qualified.substr(dot + 1);
}

class TypeMatcher {
 public:
  TypeMatcher(const Module& from, const Module& to, DeclMap& decls)
      : a_(from), b_(to), decls_(decls) {}

  bool same(TypeId a, TypeId b, uint32_t depth = 0) {
    if (depth > kMaxTypeDepth || a >= a_.types.size() || b >= b_.types.size()) return false;
    const Type& ta = a_.types[a];
    const Type& tb = b_.types[b];
    if (ta.tag != tb.tag) return false;
    switch (ta.tag) {
      case TypeTag::kList:
      case TypeTag::kMap:
      case TypeTag::kOptional:
      case TypeTag::kRun:
        return same(ta.element, tb.element, depth + 1);
      case TypeTag::kRecord:
        return sameRecord(ta.decl, tb.decl, depth);
      case TypeTag::kEnum:
        return sameEnum(ta.decl, tb.decl);
      default:
        return true;
    }
  }

  bool sameRecord(uint32_t a, uint32_t b, uint32_t depth) {
    if (const auto it = decls_.records.find(a); it != decls_.records.end()) return it->second == b;
    if (assumed_.contains({a, b})) return true;  // a record inside itself (through a list)
    const Record& ra = a_.records[a];
    const Record& rb = b_.records[b];
    // The compiler names the records of an approval's data and a task's form after their
    // place; only their fields say what they hold.
    const bool made = ra.kind == RecordKind::kData || ra.kind == RecordKind::kForm;
    if (ra.kind != rb.kind || ra.fields.size() != rb.fields.size()) return false;
    if (!made && a_.strings[ra.name] != b_.strings[rb.name]) return false;
    assumed_.insert({a, b});
    bool ok = true;
    for (size_t i = 0; i < ra.fields.size() && ok; ++i) {
      ok = a_.strings[ra.fields[i].name] == b_.strings[rb.fields[i].name] &&
           same(ra.fields[i].type, rb.fields[i].type, depth + 1);
    }
    assumed_.erase({a, b});
    if (ok) decls_.records.emplace(a, b);
    return ok;
  }

  bool sameEnum(uint32_t a, uint32_t b) {
    if (const auto it = decls_.enums.find(a); it != decls_.enums.end()) return it->second == b;
    const Enum& ea = a_.enums[a];
    const Enum& eb = b_.enums[b];
    if (a_.strings[ea.name] != b_.strings[eb.name] || ea.members.size() != eb.members.size())
      return false;
    for (size_t i = 0; i < ea.members.size(); ++i) {
      if (a_.strings[ea.members[i]] != b_.strings[eb.members[i]]) return false;
    }
    decls_.enums.emplace(a, b);
    return true;
  }

 private:
  const Module& a_;
  const Module& b_;
  DeclMap& decls_;
  std::set<std::pair<uint32_t, uint32_t>> assumed_;
};

std::variant<uint32_t, WaitMapError> findWorkflowIn(const Module& m, std::string_view name,
                                                    bool qualified_only) {
  std::vector<uint32_t> found;
  for (uint32_t w = 0; w < m.workflows.size(); ++w) {
    const std::string& q = m.strings[m.workflows[w].name];
    if (q == name) return w;
    if (!qualified_only && declared(q) == name) found.push_back(w);
  }
  if (found.size() == 1) return found[0];
  if (found.size() > 1)
    return WaitMapError{WaitMapError::Code::kAmbiguousWorkflow,
                        fmt::format("several workflows are named `{}`: give the qualified name",
                                    name)};
  return WaitMapError{WaitMapError::Code::kUnknownWorkflow,
                      fmt::format("there is no workflow `{}`", name)};
}

// The body's instruction at a place.
Instruction instructionAt(const Module& m, const WaitPlace& p) {
  const Function& body = m.functions[m.workflows[p.workflow].body];
  return *decodeInstruction(body.code, p.pc);
}

// Whether the waits at `a` (of from) and `b` (of to) ask for the same thing; why not.
std::optional<std::string> sameWait(const Module& from, const WaitPlace& a, const Module& to,
                                    const WaitPlace& b, TypeMatcher& types) {
  const Instruction ia = instructionAt(from, a);
  const Instruction ib = instructionAt(to, b);
  if (ia.opcode != ib.opcode) return "it is a sleep until a time in one version and a sleep for a duration in the other";
  switch (a.kind) {
    case WaitPlaceKind::kApproval:
      if (!types.same(static_cast<TypeId>(ia.a), static_cast<TypeId>(ib.a)))
        return std::string("its `data` differs in the new version");
      return std::nullopt;
    case WaitPlaceKind::kTask:
      if (!types.same(static_cast<TypeId>(ia.a), static_cast<TypeId>(ib.a)))
        return std::string("its `form` differs in the new version");
      if (!types.same(static_cast<TypeId>(ia.b), static_cast<TypeId>(ib.b)))
        return std::string("its `data` differs in the new version");
      return std::nullopt;
    case WaitPlaceKind::kAwait:
      if (!types.same(static_cast<TypeId>(ia.a), static_cast<TypeId>(ib.a)))
        return std::string("the signal's fields differ in the new version");
      if (ia.b != ib.b) return std::string("one version has a timeout and the other not");
      return std::nullopt;
    case WaitPlaceKind::kSleep:
      return std::nullopt;
    case WaitPlaceKind::kCall: {
      const ConnectorOp& oa = from.ops[static_cast<size_t>(ia.a)];
      const ConnectorOp& ob = to.ops[static_cast<size_t>(ib.a)];
      if (opName(from, static_cast<uint32_t>(ia.a)) != opName(to, static_cast<uint32_t>(ib.a)) ||
          oa.params.size() != ob.params.size() || !types.same(oa.result, ob.result))
        return std::string("the operation's signature differs in the new version");
      for (size_t i = 0; i < oa.params.size(); ++i) {
        if (!types.same(oa.params[i].type, ob.params[i].type))
          return std::string("the operation's signature differs in the new version");
      }
      if (ia.b != ib.b) return std::string("its retry or timeout options differ in the new version");
      return std::nullopt;
    }
    case WaitPlaceKind::kChild: {
      const Workflow& wa = from.workflows[static_cast<size_t>(ia.a)];
      const Workflow& wb = to.workflows[static_cast<size_t>(ib.a)];
      if (from.strings[wa.name] != to.strings[wb.name] || !types.same(wa.result, wb.result) ||
          wa.params.size() != wb.params.size())
        return std::string("the child workflow differs in the new version");
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string whereText(uint32_t flags) {
  return (flags & kWaitInParallel) != 0 ? "inside a `parallel` branch" : "inside a `try` body";
}

}  // namespace

bool sameType(const Module& from, TypeId a, const Module& to, TypeId b, DeclMap& decls) {
  TypeMatcher m(from, to, decls);
  return m.same(a, b);
}

std::string placeText(const Module& m, const WaitPlace& p) {
  std::string text = fmt::format("{} \"{}\"", waitPlaceKindName(p.kind), m.strings[p.stage]);
  if (p.ordinal > 0) text += fmt::format(" #{}", p.ordinal + 1);
  return text;
}

std::variant<WorkflowMap, WaitMapError> mapWaits(const Module& from, const Module& to,
                                                 std::string_view workflow) {
  auto in_from = findWorkflowIn(from, workflow, false);
  if (auto* e = std::get_if<WaitMapError>(&in_from)) return std::move(*e);
  WorkflowMap out;
  out.from_workflow = std::get<uint32_t>(in_from);
  out.workflow = from.strings[from.workflows[out.from_workflow].name];
  auto in_to = findWorkflowIn(to, out.workflow, true);
  if (std::holds_alternative<WaitMapError>(in_to))
    return WaitMapError{WaitMapError::Code::kNotInNewVersion,
                        fmt::format("workflow `{}` is not in the new version", out.workflow)};
  out.to_workflow = std::get<uint32_t>(in_to);
  bool any = false;
  for (const WaitPlace& p : from.waits)
    any = any || p.workflow == out.from_workflow;
  if (!any && from.waits.empty())
    return WaitMapError{WaitMapError::Code::kNoWaitPlaces,
                        "the old version records no wait places (it was built by an rflow "
                        "before format 5): rebuild and redeploy it before instances can move"};

  TypeMatcher types(from, to, out.decls);
  const Function& to_body = to.functions[to.workflows[out.to_workflow].body];
  for (uint32_t i = 0; i < from.waits.size(); ++i) {
    const WaitPlace& a = from.waits[i];
    if (a.workflow != out.from_workflow) continue;
    PlaceMap pm;
    pm.from_place = i;
    const WaitPlace* b = nullptr;
    uint32_t b_index = 0;
    for (uint32_t k = 0; k < to.waits.size(); ++k) {
      const WaitPlace& c = to.waits[k];
      if (c.workflow == out.to_workflow && c.kind == a.kind && c.ordinal == a.ordinal &&
          to.strings[c.stage] == from.strings[a.stage]) {
        b = &c;
        b_index = k;
        break;
      }
    }
    if (b == nullptr) {
      pm.reason = fmt::format("the new version has no {}", placeText(from, a));
    } else if ((a.flags | b->flags) != 0) {
      pm.reason = fmt::format("the wait is {}: only waits of the main line move",
                              whereText(a.flags | b->flags));
    } else if (auto why = sameWait(from, a, to, *b, types)) {
      pm.reason = std::move(*why);
    } else {
      for (const LiveLocal& old : a.live) {
        if (from.strings[old.name].empty()) {
          pm.reason = "a value without a name is live here (a loop or a `match` is under way)";
          break;
        }
      }
      for (const LiveLocal& live : b->live) {
        if (!pm.reason.empty()) break;
        const std::string& name = to.strings[live.name];
        const LiveLocal* old = nullptr;
        for (const LiveLocal& o : a.live) {
          if (!name.empty() && from.strings[o.name] == name) old = &o;
        }
        if (old != nullptr) {
          if (!types.same(old->type, live.type)) {
            pm.reason = fmt::format("`{}` is a {} in the old version and a {} in the new one", name,
                                    typeName(from, old->type), typeName(to, live.type));
          } else {
            pm.fills.push_back({live.slot, old->slot, std::nullopt});
          }
        } else if (live.default_value) {
          pm.fills.push_back({live.slot, std::nullopt, live.default_value});
        } else if (name.empty()) {
          pm.reason = "a value without a name is live here in the new version";
        } else {
          pm.reason = fmt::format(
              "`{}` is live here in the new version but not in the old one, and its `let` has "
              "no constant value to give it",
              name);
        }
      }
      (void)to_body;
      if (pm.reason.empty()) pm.to_place = b_index;
    }
    if (!pm.to_place) pm.fills.clear();
    out.places.push_back(std::move(pm));
  }
  return out;
}

}  // namespace rflow::bytecode
