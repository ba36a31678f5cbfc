// encodeState and decodeState (the format and what decoding checks: state_codec.h).
#include "vm/state_codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "vm/effects.h"
#include "vm/instance_state.h"
#include "vm/value_check.h"
#include "vm/value_codec.h"

namespace rflow::vm {
namespace detail {

namespace {

using bytecode::Opcode;

std::optional<FiberCode> codeOf(FiberStatus status) {
  switch (status) {
    case FiberStatus::kWaiting:
      return FiberCode::kWaiting;
    case FiberStatus::kJoining:
      return FiberCode::kJoining;
    case FiberStatus::kEnded:
      return FiberCode::kEnded;
    case FiberStatus::kRaised:
      return FiberCode::kRaised;
    default:
      return std::nullopt;
  }
}

// ---- decoding ---------------------------------------------------------------------------

class Decoder {
 public:
  Decoder(const Program& program, std::span<const uint8_t> bytes, const Options& options)
      : p_(program),
        m_(program.module()),
        r_(bytes, program.module()),
        o_(options),
        size_(bytes.size()) {}

  std::optional<InstanceState> run() {
    if (size_ > kMaxStateBytes) {
      r_.fail(fmt::format("the state is {} bytes long, more than {}", size_, kMaxStateBytes));
      return std::nullopt;
    }
    if (!header() || !counters()) return std::nullopt;
    const std::optional<size_t> n = r_.count(3, kMaxBranches, "branches");
    if (!n) return std::nullopt;
    if (*n == 0) return failed("the state has no main line");
    for (size_t i = 0; i < *n; ++i) {
      if (!fiber(i == 0)) return std::nullopt;
    }
    if (r_.remaining() != 0) return failed("bytes follow the last branch");
    if (!forks()) return std::nullopt;
    return std::move(s_);
  }

  const ByteReader& reader() const { return r_; }

 private:
  std::nullopt_t failed(std::string message) {
    r_.fail(std::move(message));
    return std::nullopt;
  }
  bool bad(std::string message) { return r_.fail(std::move(message)); }

  bool header() {
    const std::span<const uint8_t> magic = r_.take(kStateMagic.size());
    if (!r_.ok()) return false;
    if (!std::equal(magic.begin(), magic.end(), kStateMagic.begin()))
      return bad("these bytes are not an rflow instance state (the magic is wrong)");
    const std::optional<uint16_t> version = r_.u16();
    if (!version) return false;
    if (*version < kMinStateFormatVersion || *version > kMaxStateFormatVersion)
      return bad(fmt::format("state format version {} is not supported (this rflow reads {} to {})",
                             *version, kMinStateFormatVersion, kMaxStateFormatVersion));
    const std::optional<uint16_t> flags = r_.u16();
    if (!flags) return false;
    if (*flags != 0) return bad(fmt::format("unknown flags {:#06x}", *flags));
    const std::span<const uint8_t> hash = r_.take(32);
    if (!r_.ok()) return false;
    if (!std::equal(hash.begin(), hash.end(), m_.content_hash.begin()))
      return bad("the state belongs to another version of the module (its content hash differs)");
    return true;
  }

  bool counters() {
    const std::optional<uint64_t> next_request = r_.varint();
    const std::optional<uint64_t> next_fiber = r_.varint();
    if (!next_request || !next_fiber) return false;
    if (*next_fiber == 0 || *next_fiber > kNoFiber)
      return bad("the next branch id is out of range");
    s_.next_request = *next_request;
    s_.next_fiber = static_cast<uint32_t>(*next_fiber);
    return true;
  }

  bool fiber(bool first) {
    Fiber f;
    const std::optional<uint64_t> id = r_.varint();
    if (!id) return false;
    if (first ? *id != 0 : (*id <= last_id_ || *id >= s_.next_fiber))
      return bad(first ? "the first branch is not the main line (id 0)"
                       : fmt::format("branch id {} is out of order or not below the next id {}",
                                     *id, s_.next_fiber));
    f.id = static_cast<uint32_t>(*id);
    last_id_ = f.id;
    const std::optional<uint64_t> parent = r_.varint();
    if (!parent) return false;
    if (first != (*parent == 0))
      return bad(first ? "the main line has a parent" : "a branch has no parent");
    const std::optional<uint8_t> code = r_.u8();
    if (!code) return false;
    if (!first) {
      const uint64_t parent_id = *parent - 1;
      const auto it =
          s_.fibers.find(static_cast<uint32_t>(std::min<uint64_t>(parent_id, kNoFiber)));
      if (parent_id >= f.id || it == s_.fibers.end())
        return bad(fmt::format("branch {} names a parent that does not come before it", f.id));
      if (it->second.status != FiberStatus::kJoining)
        return bad(fmt::format("branch {}'s parent is not waiting at a Join", f.id));
      f.parent = static_cast<uint32_t>(parent_id);
    }
    switch (*code) {
      case static_cast<uint8_t>(FiberCode::kWaiting):
        f.status = FiberStatus::kWaiting;
        break;
      case static_cast<uint8_t>(FiberCode::kJoining):
        f.status = FiberStatus::kJoining;
        break;
      case static_cast<uint8_t>(FiberCode::kEnded):
        f.status = FiberStatus::kEnded;
        break;
      case static_cast<uint8_t>(FiberCode::kRaised):
        f.status = FiberStatus::kRaised;
        break;
      default:
        return bad(fmt::format("branch status {} is not known", *code));
    }
    if (first && (f.status == FiberStatus::kEnded || f.status == FiberStatus::kRaised))
      return bad("the main line has ended: a finished instance is not a state");
    bool ok = true;
    if (f.status == FiberStatus::kWaiting || f.status == FiberStatus::kJoining) {
      ok =
          frames(f) && stack(f) && handlers(f) && (f.status != FiberStatus::kWaiting || request(f));
    } else if (f.status == FiberStatus::kRaised) {
      ok = raisedError(f);
    }
    if (!ok) return false;
    const uint32_t fid = f.id;
    s_.fibers.emplace(fid, std::move(f));
    return true;
  }

  // The frames and their layout (instance_state.h), checked against the code.
  bool frames(Fiber& f) {
    const std::optional<size_t> n = r_.count(2, UINT32_MAX, "frames");
    if (!n) return false;
    if (*n == 0) return bad(fmt::format("branch {} has no frames", f.id));
    if (f.parent != kNoFiber) {
      const Fiber& parent = s_.fibers.at(f.parent);
      f.depth_base = parent.depth_base + static_cast<uint32_t>(parent.frames.size()) - 1;
      if (parent.frames.size() == 1 && parent.parent != kNoFiber) {
        f.shared_owner = parent.shared_owner;
        f.shared_locals = parent.shared_locals;
      } else {
        f.shared_owner = parent.id;
        f.shared_locals = parent.frames.back().locals;
      }
    }
    if (f.depth_base + *n > o_.max_call_depth)
      return bad(fmt::format("the call depth {} is above the limit {}", f.depth_base + *n,
                             o_.max_call_depth));
    size_t need = 0;
    for (size_t k = 0; k < *n; ++k) {
      const std::optional<uint32_t> function = r_.index(m_.functions.size(), "function");
      if (!function) return false;
      const std::optional<uint64_t> pc = r_.varint();
      if (!pc) return false;
      if (*pc >= UINT32_MAX || p_.stackDepth(*function, static_cast<uint32_t>(*pc)) < 0)
        return bad(fmt::format("pc {} is not a reachable instruction of `{}`", *pc,
                               p_.functionName(*function)));
      const bytecode::Function& fn = m_.functions[*function];
      const auto params = static_cast<uint32_t>(fn.params.size());
      const auto slots = static_cast<uint32_t>(params + fn.locals.size());
      Frame frame{*function, static_cast<uint32_t>(*pc), 0, 0};
      if (k == 0) {
        if (f.parent == kNoFiber) {
          frame.stack_base = slots;
        } else if (*function != s_.fibers.at(f.parent).frames.back().function) {
          return bad("a branch runs another function than the frame it was forked from");
        }
      } else {
        // The caller's Call, whose arguments became this frame's parameters.
        const Frame& caller = f.frames.back();
        const bytecode::Instruction call =
            *bytecode::decodeInstruction(m_.functions[caller.function].code, caller.pc);
        if (call.opcode != Opcode::kCall || call.a != *function)
          return bad(fmt::format("a caller frame of `{}` is not at a Call of `{}`",
                                 p_.functionName(caller.function), p_.functionName(*function)));
        frame.locals = caller.stack_base +
                       static_cast<uint32_t>(p_.stackDepth(caller.function, caller.pc)) - params;
        frame.stack_base = frame.locals + slots;
      }
      need = std::max(need, size_t{frame.stack_base} + fn.max_stack);
      if (s_.slots + need > kMaxStackSlots)
        return bad(fmt::format("the state needs more than {} stack slots", kMaxStackSlots));
      f.frames.push_back(frame);
    }
    const Frame& top = f.frames.back();
    const bytecode::Instruction in =
        *bytecode::decodeInstruction(m_.functions[top.function].code, top.pc);
    if (f.status == FiberStatus::kWaiting && !isEffect(in.opcode))
      return bad(fmt::format("a waiting branch is not at an effect instruction ({} at {})",
                             bytecode::opcodeInfo(static_cast<uint8_t>(in.opcode))->name, top.pc));
    if (f.status == FiberStatus::kJoining && in.opcode != Opcode::kJoin)
      return bad("a joining branch is not at a Join");
    f.values.resize(need);
    s_.slots += need;
    return true;
  }

  // Operands on frame k's stack while stopped (a caller's depth less the arguments it
  // passed; the top frame's less what its effect popped).
  uint32_t operands(const Fiber& f, size_t k, const bytecode::Instruction& top_in) const {
    const Frame& frame = f.frames[k];
    const auto depth = static_cast<uint32_t>(p_.stackDepth(frame.function, frame.pc));
    if (k + 1 < f.frames.size())
      return depth - static_cast<uint32_t>(m_.functions[f.frames[k + 1].function].params.size());
    if (f.status == FiberStatus::kWaiting) return depth - effectPops(p_, top_in);
    return depth;
  }

  bool stack(Fiber& f) {
    const Frame& top = f.frames.back();
    const bytecode::Instruction top_in =
        *bytecode::decodeInstruction(m_.functions[top.function].code, top.pc);
    for (size_t k = 0; k < f.frames.size(); ++k) {
      const Frame& frame = f.frames[k];
      const bytecode::Function& fn = m_.functions[frame.function];
      if (k > 0 || f.parent == kNoFiber) {
        // Locals, against their declared types (none is any local not yet assigned).
        for (size_t i = 0; i < fn.params.size() + fn.locals.size(); ++i) {
          const bytecode::TypeId type =
              i < fn.params.size() ? fn.params[i] : fn.locals[i - fn.params.size()];
          std::optional<Value> v = r_.value();
          if (!v) return false;
          if (!v->isNone()) {
            if (std::optional<std::string> problem = checkValue(*v, m_, type))
              return bad(fmt::format("local {} of `{}`: {}", i, p_.functionName(frame.function),
                                     *problem));
          }
          f.values[frame.locals + i] = std::move(*v);
        }
      }
      const uint32_t n = operands(f, k, top_in);
      for (uint32_t i = 0; i < n; ++i) {
        std::optional<Value> v = r_.value();
        if (!v) return false;
        if (std::optional<std::string> problem = checkWellFormed(*v, m_))
          return bad(
              fmt::format("an operand of `{}`: {}", p_.functionName(frame.function), *problem));
        f.values[frame.stack_base + i] = std::move(*v);
      }
      f.top = frame.stack_base + n;
    }
    return true;
  }

  bool handlers(Fiber& f) {
    const std::optional<size_t> n = r_.count(3, UINT32_MAX, "try handlers");
    if (!n) return false;
    const Frame& top = f.frames.back();
    const bytecode::Instruction top_in =
        *bytecode::decodeInstruction(m_.functions[top.function].code, top.pc);
    for (size_t i = 0; i < *n; ++i) {
      const std::optional<uint32_t> frame = r_.index(f.frames.size(), "frame");
      const std::optional<uint64_t> pc = r_.varint();
      const std::optional<uint64_t> depth = r_.varint();
      if (!frame || !pc || !depth) return false;
      if (!f.handlers.empty() && *frame < f.handlers.back().frame)
        return bad("try handlers are not in frame order");
      const uint32_t function = f.frames[*frame].function;
      if (*depth > operands(f, *frame, top_in))
        return bad("a try handler's depth is above its frame's operands");
      if (*pc >= UINT32_MAX ||
          p_.stackDepth(function, static_cast<uint32_t>(*pc)) != static_cast<int64_t>(*depth) + 1)
        return bad(fmt::format("pc {} of `{}` is not handler code for depth {}", *pc,
                               p_.functionName(function), *depth));
      f.handlers.push_back(
          Handler{*frame, static_cast<uint32_t>(*pc), static_cast<uint32_t>(*depth)});
    }
    return true;
  }

  bool request(Fiber& f) {
    const std::optional<uint64_t> id = r_.varint();
    if (!id) return false;
    if (*id >= s_.next_request || !request_ids_.insert(*id).second)
      return bad(fmt::format("request id {} is repeated or not below the next id", *id));
    f.request_id = *id;
    const Frame& top = f.frames.back();
    const bytecode::Instruction in =
        *bytecode::decodeInstruction(m_.functions[top.function].code, top.pc);
    const uint32_t pops = effectPops(p_, in);
    f.effect_args.reserve(std::min<size_t>(pops, r_.remaining()));
    for (uint32_t i = 0; i < pops; ++i) {
      std::optional<Value> v = r_.value();
      if (!v) return false;
      if (std::optional<std::string> problem = checkWellFormed(*v, m_))
        return bad(fmt::format("an effect's value: {}", *problem));
      f.effect_args.push_back(std::move(*v));
    }
    const std::variant<Request, EffectError> r = makeRequest(p_, in, f.effect_args);
    if (const auto* e = std::get_if<EffectError>(&r))
      return bad(fmt::format("the waiting effect is not valid: {}", e->message));
    return true;
  }

  bool raisedError(Fiber& f) {
    std::optional<std::string> kind = r_.text("an error's kind");
    std::optional<std::string> message = r_.text("an error's message");
    const std::optional<uint32_t> function = r_.index(m_.functions.size(), "function");
    const std::optional<uint64_t> pc = r_.varint();
    if (!kind || !message || !function || !pc) return false;
    if (kind->empty()) return bad("an error has no kind");
    if (*pc >= UINT32_MAX || p_.stackDepth(*function, static_cast<uint32_t>(*pc)) < 0)
      return bad(fmt::format("an error was raised at pc {}, not an instruction of `{}`", *pc,
                             p_.functionName(*function)));
    f.error =
        RaisedError{std::move(*kind), std::move(*message), *function, static_cast<uint32_t>(*pc)};
    return true;
  }

  // Every joining branch's forks are its children, in id order; at least one of them is
  // still waiting or joining (else the Join would have completed).
  bool forks() {
    for (auto& [id, f] : s_.fibers) {
      if (f.parent != kNoFiber) s_.fibers.at(f.parent).forks.push_back(id);
    }
    for (const auto& [id, f] : s_.fibers) {
      if (f.status != FiberStatus::kJoining) continue;
      bool live = false;
      for (uint32_t b : f.forks) {
        const FiberStatus st = s_.fibers.at(b).status;
        live = live || st == FiberStatus::kWaiting || st == FiberStatus::kJoining;
      }
      if (!live) return bad(fmt::format("branch {} waits at a Join for no live branch", id));
    }
    return true;
  }

  const Program& p_;
  const bytecode::Module& m_;
  ByteReader r_;
  const Options& o_;
  size_t size_;
  InstanceState s_;
  uint32_t last_id_ = 0;
  std::set<uint64_t> request_ids_;
};

}  // namespace
}  // namespace detail

std::variant<std::vector<uint8_t>, std::string> encodeState(const Instance& instance) {
  using namespace detail;
  const InstanceState& s = StateAccess::state(instance);
  const bytecode::Module& m = instance.program().module();
  if (s.finished) return std::string("the instance has finished");
  if (!s.ready.empty()) return std::string("the instance is not waiting: run() it first");
  ByteWriter w;
  w.bytes(kStateMagic);
  w.u16(kStateFormatVersion);
  w.u16(0);
  w.bytes(m.content_hash);
  w.varint(s.next_request);
  w.varint(s.next_fiber);
  w.varint(s.fibers.size());
  for (const auto& [id, f] : s.fibers) {
    const std::optional<FiberCode> code = codeOf(f.status);
    if (!code) return fmt::format("branch {} is not waiting: run() the instance first", id);
    w.varint(id);
    w.varint(f.parent == kNoFiber ? 0 : uint64_t{f.parent} + 1);
    w.u8(static_cast<uint8_t>(*code));
    if (f.status == FiberStatus::kWaiting || f.status == FiberStatus::kJoining) {
      w.varint(f.frames.size());
      for (const Frame& frame : f.frames) {
        w.varint(frame.function);
        w.varint(frame.pc);
      }
      // A branch's first frame shares its parent's locals: they are written there.
      const uint32_t from = f.parent == kNoFiber ? 0 : f.frames[0].stack_base;
      for (uint32_t i = from; i < f.top; ++i)
        w.value(f.values[i]);
      w.varint(f.handlers.size());
      for (const Handler& h : f.handlers) {
        w.varint(h.frame);
        w.varint(h.pc);
        w.varint(h.depth);
      }
      if (f.status == FiberStatus::kWaiting) {
        w.varint(f.request_id);
        for (const Value& v : f.effect_args)
          w.value(v);
      }
    } else if (f.status == FiberStatus::kRaised) {
      w.text(f.error->kind);
      w.text(f.error->message);
      w.varint(f.error->function);
      w.varint(f.error->pc);
    }
    if (w.size() > kMaxStateBytes)
      return fmt::format("the state is larger than {} bytes", kMaxStateBytes);
  }
  return std::move(w.data());
}

std::variant<Instance, StateError> decodeState(std::shared_ptr<const Program> program,
                                               std::span<const uint8_t> bytes, Options options) {
  detail::Decoder decoder(*program, bytes, options);
  std::optional<detail::InstanceState> state = decoder.run();
  if (!state) {
    const detail::ByteReader& r = decoder.reader();
    return StateError{r.errorOffset(), r.error().value_or("the state is not valid")};
  }
  return detail::StateAccess::make(std::move(program), options, std::move(*state));
}

std::optional<std::array<uint8_t, 32>> stateModuleHash(std::span<const uint8_t> bytes) {
  if (bytes.size() < kStateHeaderBytes ||
      !std::equal(kStateMagic.begin(), kStateMagic.end(), bytes.begin()))
    return std::nullopt;
  const auto version = static_cast<uint16_t>(bytes[8] | bytes[9] << 8);
  if (version < kMinStateFormatVersion || version > kMaxStateFormatVersion) return std::nullopt;
  std::array<uint8_t, 32> hash{};
  std::copy(bytes.begin() + 12, bytes.begin() + 44, hash.begin());
  return hash;
}

}  // namespace rflow::vm
