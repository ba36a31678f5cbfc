// Wait places (wait_places.h).
#include "codegen/wait_places.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "bytecode/liveness.h"
#include "bytecode/operands.h"

namespace rflow::codegen {
namespace {

using bytecode::Module;
using bytecode::Opcode;
using bytecode::WaitPlaceKind;

// The last `parts` dot-separated components of a qualified name.
std::string_view lastParts(std::string_view name, int parts) {
  size_t at = name.size();
  for (int i = 0; i < parts; ++i) {
    const size_t dot = name.rfind('.', at == 0 ? 0 : at - 1);
    if (dot == std::string_view::npos || at == 0) return name;
    at = dot;
  }
  return name.substr(at + 1);
}

std::optional<WaitPlaceKind> kindOf(Opcode op) {
  switch (op) {
    case Opcode::kApproval:
      return WaitPlaceKind::kApproval;
    case Opcode::kTask:
      return WaitPlaceKind::kTask;
    case Opcode::kAwait:
      return WaitPlaceKind::kAwait;
    case Opcode::kSleep:
    case Opcode::kSleepUntil:
      return WaitPlaceKind::kSleep;
    case Opcode::kCallConnector:
      return WaitPlaceKind::kCall;
    case Opcode::kStartChild:
      return WaitPlaceKind::kChild;
    default:
      return std::nullopt;
  }
}

// The stage name, as intelligence.md §2 and the engine's stages.cpp name it.
std::string stageName(const Module& m, const bytecode::Instruction& in, WaitPlaceKind kind) {
  switch (kind) {
    case WaitPlaceKind::kApproval:
    case WaitPlaceKind::kTask: {
      // Approval's data type is operand a, Task's operand b.
      const auto data = static_cast<bytecode::TypeId>(kind == WaitPlaceKind::kTask ? in.b : in.a);
      if (const std::string* named = bytecode::stageOf(m, data)) return *named;
      // A title that starts with an interpolation names no stage in the module.
      return bytecode::waitPlaceKindName(kind);
    }
    case WaitPlaceKind::kAwait: {
      const bytecode::Type& t = m.types[static_cast<size_t>(in.a)];
      return std::string(lastParts(m.strings[m.records[t.decl].name], 1));
    }
    case WaitPlaceKind::kSleep:
      return "sleep";
    case WaitPlaceKind::kCall: {
      const auto op = static_cast<uint32_t>(in.a);
      for (const bytecode::Connector& c : m.connectors) {
        if (op >= c.first_op && op < c.first_op + c.op_count)
          return std::string(lastParts(m.strings[c.name], 1)) + "." + m.strings[m.ops[op].name];
      }
      return m.strings[m.ops[op].name];
    }
    case WaitPlaceKind::kChild:
      return std::string(lastParts(m.strings[m.workflows[static_cast<size_t>(in.a)].name], 1));
  }
  return {};
}

bool within(const std::vector<std::pair<uint32_t, uint32_t>>& ranges, uint32_t pc) {
  for (const auto& [begin, end] : ranges) {
    if (pc >= begin && pc < end) return true;
  }
  return false;
}

// The string id of `text`, added when the module has none.
bytecode::StringId stringId(Module& m, std::map<std::string, bytecode::StringId>& ids,
                            const std::string& text) {
  if (ids.empty()) {
    for (size_t i = 0; i < m.strings.size(); ++i)
      ids.emplace(m.strings[i], static_cast<bytecode::StringId>(i));
  }
  const auto [it, added] = ids.emplace(text, static_cast<bytecode::StringId>(m.strings.size()));
  if (added) m.strings.push_back(text);
  return it->second;
}

}  // namespace

void addWaitPlaces(Module& m, const std::vector<FunctionGen::CodeFacts>& facts) {
  std::map<std::string, bytecode::StringId> ids;
  for (uint32_t w = 0; w < m.workflows.size(); ++w) {
    const bytecode::FunctionId body_id = m.workflows[w].body;
    const bytecode::Function& body = m.functions[body_id];
    const FunctionGen::CodeFacts& f = facts[body_id];
    const bytecode::Liveness liveness(body);
    std::map<std::tuple<WaitPlaceKind, std::string>, uint32_t> ordinals;
    for (uint32_t pc = 0; pc < body.code.size();) {
      const std::optional<bytecode::Instruction> in = bytecode::decodeInstruction(body.code, pc);
      if (!in) break;
      pc += in->size;
      const std::optional<WaitPlaceKind> kind = kindOf(in->opcode);
      if (!kind) continue;
      bytecode::WaitPlace place;
      place.workflow = w;
      place.pc = in->offset;
      place.kind = *kind;
      const std::string stage = stageName(m, *in, *kind);
      place.stage = stringId(m, ids, stage);
      place.ordinal = ordinals[{*kind, stage}]++;
      place.flags = (within(f.parallel_ranges, in->offset) ? bytecode::kWaitInParallel : 0) |
                    (within(f.try_ranges, in->offset) ? bytecode::kWaitInTry : 0);
      for (uint32_t slot : liveness.liveAfter(in->offset)) {
        bytecode::LiveLocal live;
        live.slot = slot;
        live.type =
            slot < body.params.size() ? body.params[slot] : body.locals[slot - body.params.size()];
        std::string name;
        if (slot < m.workflows[w].params.size()) {
          name = m.strings[m.workflows[w].params[slot].name];
        } else if (const auto it = f.slot_names.find(slot); it != f.slot_names.end()) {
          name = it->second;
        }
        // A temporary has no name: "" never matches a variable of another version.
        live.name = stringId(m, ids, name);
        if (const auto it = f.slot_defaults.find(slot);
            it != f.slot_defaults.end() && m.constants[it->second].type == live.type)
          live.default_value = it->second;
        place.live.push_back(live);
      }
      if (const auto it = f.wait_calendars.find(in->offset); it != f.wait_calendars.end())
        place.calendar = stringId(m, ids, it->second);
      m.waits.push_back(std::move(place));
    }
  }
}

}  // namespace rflow::codegen
