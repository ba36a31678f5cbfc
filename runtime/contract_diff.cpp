// diffContracts: a walk over both modules' workflows, signals, events and connectors,
// comparing their types by name and direction.
#include "runtime/contract_diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <span>
#include <tuple>

#include "bytecode/names.h"

namespace rflow::runtime {

using bytecode::Module;
using bytecode::TypeId;
using bytecode::TypeTag;

namespace {

enum class Flow : uint8_t { kAccepts, kWrites };

class Differ {
 public:
  Differ(const Module& a, const Module& b) : a_(a), b_(b) {}

  std::vector<ContractChange> run() {
    inbound_ = true;
    workflows();
    signals();
    events();
    inbound_ = false;
    connectors();
    std::stable_partition(out_.begin(), out_.end(),
                          [](const ContractChange& c) { return c.breaking; });
    return std::move(out_);
  }

 private:
  void add(bool breaking, std::string where, std::string what) {
    out_.push_back({breaking, inbound_, std::move(where), std::move(what)});
  }

  static bool optional(const Module& m, TypeId t) {
    return t < m.types.size() && m.types[t].tag == TypeTag::kOptional;
  }

  // `where` names the value: "workflow W, parameter `r.sku`".
  void type(TypeId ta, TypeId tb, Flow flow, const std::string& where) {
    if (ta >= a_.types.size() || tb >= b_.types.size()) return;
    const bool oa = optional(a_, ta);
    const bool ob = optional(b_, tb);
    if (oa != ob) {
      if (flow == Flow::kAccepts)
        add(oa, where, oa ? "null is no longer accepted" : "null is now accepted too");
      else
        add(ob, where, ob ? "may now be null" : "is never null now");
    }
    if (oa) ta = a_.types[ta].element;
    if (ob) tb = b_.types[tb].element;
    const bytecode::Type& x = a_.types[ta];
    const bytecode::Type& y = b_.types[tb];
    if (x.tag != y.tag) {
      add(true, where,
          fmt::format("`{}` became `{}`", bytecode::typeName(a_, ta), bytecode::typeName(b_, tb)));
      return;
    }
    switch (x.tag) {
      case TypeTag::kList:
        type(x.element, y.element, flow, where + "[]");
        return;
      case TypeTag::kMap:
      case TypeTag::kOptional:
        type(x.element, y.element, flow, where + "{}");
        return;
      case TypeTag::kRecord:
        record(x.decl, y.decl, flow, where);
        return;
      case TypeTag::kEnum:
        enumeration(x.decl, y.decl, flow, where);
        return;
      default:
        return;
    }
  }

  struct Member {
    std::string name;
    TypeId type;
    bool required;  // decode needs it: no default, not optional
  };

  void members(const std::vector<Member>& a, const std::vector<Member>& b, Flow flow,
               const std::string& where, std::string_view kind) {
    // Top level: "workflow W, parameter `r`"; inside a record: "workflow W, parameter `r`.sku".
    const auto at = [&](std::string_view name) {
      return kind.empty() ? fmt::format("{}.{}", where, name)
                          : fmt::format("{}, {} `{}`", where, kind, name);
    };
    for (const Member& ma : a) {
      const auto mb =
          std::find_if(b.begin(), b.end(), [&](const Member& m) { return m.name == ma.name; });
      if (mb == b.end()) {
        add(true, at(ma.name),
            flow == Flow::kAccepts ? "removed: a sender that still sends it is refused"
                                   : "removed: readers no longer get it");
        continue;
      }
      if (flow == Flow::kAccepts && mb->required && !ma.required)
        add(true, at(ma.name), "now required");
      if (flow == Flow::kAccepts && !mb->required && ma.required)
        add(false, at(ma.name), "no longer required");
      type(ma.type, mb->type, flow, at(ma.name));
    }
    for (const Member& mb : b) {
      if (std::any_of(a.begin(), a.end(), [&](const Member& m) { return m.name == mb.name; }))
        continue;
      if (flow == Flow::kAccepts)
        add(mb.required, at(mb.name), mb.required ? "added, required" : "added, optional");
      else
        add(false, at(mb.name), "added");
    }
  }

  static std::vector<Member> fields(const Module& m, uint32_t record) {
    std::vector<Member> out;
    for (const bytecode::Field& f : m.records[record].fields)
      out.push_back({m.strings[f.name], f.type, !f.default_value && !optional(m, f.type)});
    return out;
  }

  static std::vector<Member> params(const Module& m, std::span<const bytecode::Param> params) {
    std::vector<Member> out;
    for (const bytecode::Param& p : params)
      out.push_back({m.strings[p.name], p.type, !optional(m, p.type)});
    return out;
  }

  void record(uint32_t ra, uint32_t rb, Flow flow, const std::string& where) {
    if (ra >= a_.records.size() || rb >= b_.records.size()) return;
    if (!seen_.insert({ra, rb, flow == Flow::kAccepts}).second) return;
    members(fields(a_, ra), fields(b_, rb), flow, where, "");
  }

  void enumeration(uint32_t ea, uint32_t eb, Flow flow, const std::string& where) {
    if (ea >= a_.enums.size() || eb >= b_.enums.size()) return;
    const auto names = [](const Module& m, uint32_t e) {
      std::set<std::string> out;
      for (bytecode::StringId s : m.enums[e].members)
        out.insert(m.strings[s]);
      return out;
    };
    const std::set<std::string> before = names(a_, ea);
    const std::set<std::string> after = names(b_, eb);
    for (const std::string& member : before) {
      if (!after.contains(member))
        add(flow == Flow::kAccepts, where,
            fmt::format("enum member `{}` removed{}", member,
                        flow == Flow::kAccepts ? ": a sender that still sends it is refused" : ""));
    }
    for (const std::string& member : after) {
      if (!before.contains(member))
        add(flow == Flow::kWrites, where,
            fmt::format("enum member `{}` added{}", member,
                        flow == Flow::kWrites ? ": readers may get a value they do not know" : ""));
    }
  }

  template <typename T, typename Name>
  static std::map<std::string, const T*> byName(const std::vector<T>& items, Name name) {
    std::map<std::string, const T*> out;
    for (const T& item : items)
      out[name(item)] = &item;
    return out;
  }

  void workflows() {
    const auto name_a = [&](const bytecode::Workflow& w) { return a_.strings[w.name]; };
    const auto name_b = [&](const bytecode::Workflow& w) { return b_.strings[w.name]; };
    const auto before = byName(a_.workflows, name_a);
    const auto after = byName(b_.workflows, name_b);
    for (const auto& [name, w] : before) {
      const std::string where = "workflow " + name;
      seen_.clear();
      auto it = after.find(name);
      if (it == after.end()) {
        add(true, where, "removed: starting it answers 404");
        continue;
      }
      members(params(a_, w->params), params(b_, it->second->params), Flow::kAccepts, where,
              "parameter");
      type(w->result, it->second->result, Flow::kWrites, where + ", result");
    }
    for (const auto& [name, w] : after) {
      if (!before.contains(name)) add(false, "workflow " + name, "added");
    }
  }

  void signals() {
    std::map<std::string, uint32_t> before;
    std::map<std::string, uint32_t> after;
    for (uint32_t i = 0; i < a_.records.size(); ++i)
      if (a_.records[i].kind == bytecode::RecordKind::kSignal)
        before[a_.strings[a_.records[i].name]] = i;
    for (uint32_t i = 0; i < b_.records.size(); ++i)
      if (b_.records[i].kind == bytecode::RecordKind::kSignal)
        after[b_.strings[b_.records[i].name]] = i;
    for (const auto& [name, index] : before) {
      const std::string where = "signal " + name;
      seen_.clear();
      auto it = after.find(name);
      if (it == after.end()) {
        add(true, where, "removed: delivering it answers 404");
        continue;
      }
      members(fields(a_, index), fields(b_, it->second), Flow::kAccepts, where, "field");
    }
    for (const auto& [name, index] : after) {
      if (!before.contains(name)) add(false, "signal " + name, "added");
    }
  }

  void events() {
    std::map<std::string, const bytecode::Trigger*> before;
    std::map<std::string, const bytecode::Trigger*> after;
    for (const bytecode::Trigger& t : a_.triggers)
      if (t.kind == bytecode::TriggerKind::kEvent) before[a_.strings[t.source]] = &t;
    for (const bytecode::Trigger& t : b_.triggers)
      if (t.kind == bytecode::TriggerKind::kEvent) after[b_.strings[t.source]] = &t;
    for (const auto& [name, t] : before) {
      const std::string where = "event " + name;
      seen_.clear();
      auto it = after.find(name);
      if (it == after.end()) {
        add(true, where, "removed: posting it answers 404");
        continue;
      }
      members(params(a_, t->params), params(b_, it->second->params), Flow::kAccepts, where,
              "parameter");
    }
    for (const auto& [name, t] : after) {
      if (!before.contains(name)) add(false, "event " + name, "added");
    }
  }

  void connectors() {
    const auto ops = [](const Module& m) {
      std::map<std::string, uint32_t> out;
      for (const bytecode::Connector& c : m.connectors) {
        for (uint32_t i = c.first_op; i < c.first_op + c.op_count && i < m.ops.size(); ++i)
          out[m.strings[c.name] + "." + m.strings[m.ops[i].name]] = i;
      }
      return out;
    };
    const auto before = ops(a_);
    const auto after = ops(b_);
    for (const auto& [name, i] : before) {
      const std::string where = "connector operation " + name;
      seen_.clear();
      auto it = after.find(name);
      if (it == after.end()) {
        add(false, where, "removed: rflow no longer calls it");
        continue;
      }
      const bytecode::ConnectorOp& x = a_.ops[i];
      const bytecode::ConnectorOp& y = b_.ops[it->second];
      // rflow writes the arguments and accepts the result.
      members(params(a_, x.params), params(b_, y.params), Flow::kWrites, where, "argument");
      type(x.result, y.result, Flow::kAccepts, where + ", result");
    }
    for (const auto& [name, i] : after) {
      if (!before.contains(name))
        add(true, "connector operation " + name, "added: the system behind it must serve it");
    }
  }

  const Module& a_;
  const Module& b_;
  bool inbound_ = true;
  // The record pairs compared within one top-level value (a recursive record ends).
  std::set<std::tuple<uint32_t, uint32_t, bool>> seen_;
  std::vector<ContractChange> out_;
};

}  // namespace

std::vector<ContractChange> diffContracts(const Module& before, const Module& after) {
  return Differ(before, after).run();
}

std::string describe(const ContractChange& change) {
  return fmt::format("{:<10} {:<8} {}: {}", change.breaking ? "breaking" : "compatible",
                     change.inbound ? "inbound" : "outbound", change.where, change.what);
}

}  // namespace rflow::runtime
