// Moving a waiting state to another module version (state_migrate.h).
#include "vm/state_migrate.h"

#include <fmt/format.h>

#include "vm/instance_state.h"
#include "vm/state_codec.h"

namespace rflow::vm {
namespace {

using detail::Fiber;
using detail::FiberStatus;
using detail::InstanceState;
using detail::StateAccess;

std::variant<Instance, std::string> decoded(std::shared_ptr<const Program> program,
                                            std::span<const uint8_t> bytes, Options options) {
  auto d = decodeState(std::move(program), bytes, options);
  if (auto* e = std::get_if<StateError>(&d)) return "its state cannot be read: " + e->message;
  return std::move(std::get<Instance>(d));
}

// The one fiber of a state that can move, or why there is none.
std::variant<const Fiber*, std::string> movable(const InstanceState& s) {
  if (s.fibers.size() != 1) return std::string("it waits in a `parallel` block");
  const Fiber& f = s.fibers.begin()->second;
  if (f.status != FiberStatus::kWaiting) return std::string("it is not waiting");
  if (f.frames.size() != 1) return std::string("it waits inside a function call");
  if (!f.handlers.empty()) return std::string("it waits inside a `try` body");
  if (f.top != f.frames[0].stack_base)
    return std::string("it waits in the middle of an expression (values are on its stack)");
  return &f;
}

uint32_t findByName(const std::vector<std::string>& strings, uint32_t name, const auto& table,
                    const std::vector<std::string>& to_strings) {
  for (uint32_t i = 0; i < table.size(); ++i) {
    if (to_strings[table[i].name] == strings[name]) return i;
  }
  return UINT32_MAX;
}

}  // namespace

std::variant<Value, std::string> moveValue(const Value& v, const bytecode::Module& from,
                                           const bytecode::Module& to, bytecode::DeclMap& decls) {
  switch (v.tag()) {
    case Tag::kRole: {
      const uint32_t r = findByName(from.strings, from.roles[v.asRole()].name, to.roles, to.strings);
      if (r == UINT32_MAX)
        return fmt::format("role `{}` is not in the new version", from.strings[from.roles[v.asRole()].name]);
      return Value::role(r);
    }
    case Tag::kEnum: {
      uint32_t e = UINT32_MAX;
      if (const auto it = decls.enums.find(v.enumIndex()); it != decls.enums.end()) {
        e = it->second;
      } else {
        e = findByName(from.strings, from.enums[v.enumIndex()].name, to.enums, to.strings);
      }
      const bytecode::Enum& old = from.enums[v.enumIndex()];
      if (e == UINT32_MAX)
        return fmt::format("enum `{}` is not in the new version", from.strings[old.name]);
      const std::string& member = from.strings[old.members[v.enumMember()]];
      for (uint32_t k = 0; k < to.enums[e].members.size(); ++k) {
        if (to.strings[to.enums[e].members[k]] == member) return Value::enumMember(e, k);
      }
      return fmt::format("`{}.{}` is not in the new version", from.strings[old.name], member);
    }
    case Tag::kList: {
      std::vector<Value> items;
      for (const Value& item : v.listItems()) {
        auto moved = moveValue(item, from, to, decls);
        if (auto* why = std::get_if<std::string>(&moved)) return std::move(*why);
        items.push_back(std::move(std::get<Value>(moved)));
      }
      return Value::list(std::move(items));
    }
    case Tag::kMap: {
      std::vector<MapEntry> entries;
      for (const MapEntry& entry : v.mapEntries()) {
        auto moved = moveValue(entry.value, from, to, decls);
        if (auto* why = std::get_if<std::string>(&moved)) return std::move(*why);
        entries.push_back({entry.key, std::move(std::get<Value>(moved))});
      }
      return Value::map(std::move(entries));
    }
    case Tag::kRecord: {
      const bytecode::Record& old = from.records[v.recordIndex()];
      uint32_t r = UINT32_MAX;
      if (const auto it = decls.records.find(v.recordIndex()); it != decls.records.end()) {
        r = it->second;
      } else {
        r = findByName(from.strings, old.name, to.records, to.strings);
        if (r != UINT32_MAX && to.records[r].fields.size() != old.fields.size()) r = UINT32_MAX;
      }
      if (r == UINT32_MAX)
        return fmt::format("record `{}` is not in the new version with the same fields",
                           from.strings[old.name]);
      std::vector<Value> fields;
      for (const Value& field : v.recordFields()) {
        auto moved = moveValue(field, from, to, decls);
        if (auto* why = std::get_if<std::string>(&moved)) return std::move(*why);
        fields.push_back(std::move(std::get<Value>(moved)));
      }
      return Value::record(r, std::move(fields));
    }
    default:
      return v;
  }
}

std::variant<WaitingPoint, std::string> waitingPoint(std::shared_ptr<const Program> program,
                                                     std::span<const uint8_t> bytes,
                                                     Options options) {
  auto d = decoded(std::move(program), bytes, options);
  if (auto* why = std::get_if<std::string>(&d)) return std::move(*why);
  const InstanceState& s = StateAccess::state(std::get<Instance>(d));
  auto f = movable(s);
  if (auto* why = std::get_if<std::string>(&f)) return std::move(*why);
  const Fiber& fiber = *std::get<const Fiber*>(f);
  return WaitingPoint{fiber.frames[0].function, fiber.frames[0].pc};
}

std::variant<std::vector<uint8_t>, std::string> moveState(std::shared_ptr<const Program> from,
                                                          std::shared_ptr<const Program> to,
                                                          std::span<const uint8_t> bytes,
                                                          const StateMove& move,
                                                          bytecode::DeclMap& decls,
                                                          Options options) {
  auto d = decoded(from, bytes, options);
  if (auto* why = std::get_if<std::string>(&d)) return std::move(*why);
  const InstanceState& old_state = StateAccess::state(std::get<Instance>(d));
  auto f = movable(old_state);
  if (auto* why = std::get_if<std::string>(&f)) return std::move(*why);
  const Fiber& old = *std::get<const Fiber*>(f);
  const bytecode::Module& fm = from->module();
  const bytecode::Module& tm = to->module();
  if (move.to_function >= tm.functions.size()) return std::string("the new body is not a function");
  const bytecode::Function& fn = tm.functions[move.to_function];
  const auto slots = static_cast<uint32_t>(fn.params.size() + fn.locals.size());

  InstanceState s;
  s.next_request = old_state.next_request;
  s.next_fiber = old_state.next_fiber;
  Fiber nf;
  nf.id = 0;
  nf.status = FiberStatus::kWaiting;
  nf.frames.push_back({move.to_function, move.to_pc, 0, slots});
  nf.values.resize(slots + fn.max_stack);
  nf.top = slots;
  nf.request_id = old.request_id;
  for (const bytecode::SlotFill& fill : move.fills) {
    if (fill.slot >= slots) return fmt::format("slot {} is not in the new body", fill.slot);
    if (fill.from_slot) {
      if (*fill.from_slot >= old.frames[0].stack_base)
        return fmt::format("slot {} is not in the old body", *fill.from_slot);
      auto moved = moveValue(old.values[old.frames[0].locals + *fill.from_slot], fm, tm, decls);
      if (auto* why = std::get_if<std::string>(&moved)) return std::move(*why);
      nf.values[fill.slot] = std::move(std::get<Value>(moved));
    } else if (fill.constant && *fill.constant < tm.constants.size()) {
      nf.values[fill.slot] = to->constant(*fill.constant);
    }
  }
  for (const Value& arg : old.effect_args) {
    auto moved = moveValue(arg, fm, tm, decls);
    if (auto* why = std::get_if<std::string>(&moved)) return std::move(*why);
    nf.effect_args.push_back(std::move(std::get<Value>(moved)));
  }
  s.slots = nf.values.size();
  s.fibers.emplace(0, std::move(nf));
  const Instance instance = StateAccess::make(to, options, std::move(s));
  auto encoded = encodeState(instance);
  if (auto* why = std::get_if<std::string>(&encoded)) return std::move(*why);
  std::vector<uint8_t> out = std::move(std::get<std::vector<uint8_t>>(encoded));
  // What the VM would refuse to resume is never handed out.
  auto check = decodeState(to, out, options);
  if (auto* e = std::get_if<StateError>(&check))
    return "the moved state does not fit the new version: " + e->message;
  return out;
}

}  // namespace rflow::vm
