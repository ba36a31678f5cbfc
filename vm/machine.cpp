// The Machine's scheduling and control transfers: calls and returns, raising and
// catching, forking and joining branches, stopping at effects, and failing.
#include "vm/machine.h"

#include <fmt/format.h>

#include "vm/effects.h"

namespace rflow::vm::detail {

using bytecode::Opcode;

namespace {

constexpr uint32_t kCallSize = 5;  // Call f: opcode + U32
constexpr uint32_t kJoinSize = 1;

}  // namespace

Outcome Machine::runReady() {
  const uint64_t fresh_from = s_.next_request;
  while (!s_.ready.empty()) {
    const uint32_t id = s_.ready.front();
    s_.ready.pop_front();
    const auto it = s_.fibers.find(id);
    if (it == s_.fibers.end() || it->second.status != FiberStatus::kReady) continue;
    const Stop stop = execute(it->second);
    if (stop == Stop::kCompleted || stop == Stop::kFailed) {
      s_.fibers.clear();
      s_.ready.clear();
      if (stop == Stop::kCompleted) return std::get<Completed>(*s_.finished);
      return std::get<Failure>(*s_.finished);
    }
  }
  Waiting waiting{pending(fresh_from)};
  if (waiting.requests.empty()) {
    // Unreachable for a consistent state: something always waits or runs.
    s_.finished =
        Failure{"runtime", "the instance has nothing to run and waits for nothing", "", 0, ""};
    s_.fibers.clear();
    return std::get<Failure>(*s_.finished);
  }
  return waiting;
}

std::vector<PendingRequest> Machine::pending(uint64_t fresh_from) const {
  std::vector<PendingRequest> out;
  for (const auto& [id, f] : s_.fibers) {
    if (f.status != FiberStatus::kWaiting) continue;
    const Frame& frame = f.frames.back();
    const bytecode::Instruction in =
        *bytecode::decodeInstruction(m_.functions[frame.function].code, frame.pc);
    std::variant<Request, EffectError> r = makeRequest(p_, in, f.effect_args);
    // A waiting fiber's request was built once already (or checked by decodeState).
    if (r.index() != 0) continue;
    out.push_back(PendingRequest{f.request_id, id, std::get<Request>(std::move(r)), frame.function,
                                 frame.pc, p_.lineAt(frame.function, frame.pc),
                                 f.request_id >= fresh_from});
  }
  return out;
}

Value* Machine::localsOf(Fiber& f, size_t frame) {
  if (frame == 0 && f.parent != kNoFiber)
    return s_.fibers.at(f.shared_owner).values.data() + f.shared_locals;
  return f.values.data() + f.frames[frame].locals;
}

bool Machine::grow(Fiber& f, size_t need) {
  if (f.values.size() >= need) return true;
  const size_t more = need - f.values.size();
  if (s_.slots + more > kMaxStackSlots) return false;
  f.values.resize(need);
  s_.slots += more;
  return true;
}

void Machine::freeValues(Fiber& f) {
  cut(f, 0);
  s_.slots -= f.values.size();
  f.values.clear();
  f.values.shrink_to_fit();
}

void Machine::cut(Fiber& f, uint32_t from) {
  for (uint32_t i = from; i < f.top; ++i)
    f.values[i] = Value();
  f.top = from;
}

Stop Machine::fail(uint32_t function, uint32_t pc, std::string message) {
  s_.finished = Failure{"runtime", std::move(message), p_.fileOf(function), p_.lineAt(function, pc),
                        p_.functionName(function)};
  return Stop::kFailed;
}

Stop Machine::corrupt(uint32_t function, uint32_t pc, std::string_view what) {
  return fail(function, pc, fmt::format("the module is corrupt: {}", what));
}

Stop Machine::failAt(const Fiber& f, std::string message) {
  const Frame& frame = f.frames.back();
  return fail(frame.function, frame.pc, std::move(message));
}

Stop Machine::call(Fiber& f, uint32_t callee) {
  if (!f.forks.empty()) return failAt(f, "the module is corrupt: a Call between Fork and Join");
  if (size_t{f.depth_base} + f.frames.size() >= o_.max_call_depth)
    return failAt(f, fmt::format("the call depth is above {} (a recursion that does not end?)",
                                 o_.max_call_depth));
  const bytecode::Function& fn = m_.functions[callee];
  const auto params = static_cast<uint32_t>(fn.params.size());
  const uint32_t locals = f.top - params;
  const uint32_t stack_base = locals + params + static_cast<uint32_t>(fn.locals.size());
  if (!grow(f, size_t{stack_base} + fn.max_stack))
    return failAt(f, fmt::format("the instance needs more than {} stack slots", kMaxStackSlots));
  // Slots above top hold no references but may hold stale scalars: locals start as none.
  for (uint32_t i = locals + params; i < stack_base; ++i)
    f.values[i] = Value();
  f.frames.push_back(Frame{callee, 0, locals, stack_base});
  f.top = stack_base;
  return Stop::kContinue;
}

Stop Machine::ret(Fiber& f) {
  const size_t k = f.frames.size() - 1;
  const bool branch = f.parent != kNoFiber;
  if (k == 0 && branch)
    return failAt(f, "the module is corrupt: Return in a parallel branch (it ends with EndBranch)");
  if (!f.forks.empty()) return failAt(f, "the module is corrupt: a Return between Fork and Join");
  Value result = std::move(f.values[--f.top]);
  while (!f.handlers.empty() && f.handlers.back().frame == k)
    f.handlers.pop_back();
  const Frame frame = f.frames.back();
  cut(f, frame.locals);
  if (k == 0) {
    s_.finished = Completed{std::move(result)};
    return Stop::kCompleted;
  }
  f.frames.pop_back();
  f.values[f.top++] = std::move(result);
  f.frames.back().pc += kCallSize;
  return Stop::kContinue;
}

Stop Machine::raise(Fiber& f, RaisedError error) {
  if (!f.forks.empty())
    return fail(error.function, error.pc,
                "the module is corrupt: an error was raised between Fork and Join");
  if (!f.handlers.empty()) {
    const Handler h = f.handlers.back();
    f.handlers.pop_back();
    const std::optional<uint32_t> record = p_.errorRecord();
    if (!record)
      return fail(error.function, error.pc,
                  "the module is corrupt: a try handler needs the rflow.Error record");
    // The operands the handler's frame holds now: below its callee's locals, if any.
    const uint32_t frame_top = h.frame + 1 < f.frames.size() ? f.frames[h.frame + 1].locals : f.top;
    if (frame_top < f.frames[h.frame].stack_base + h.depth)
      return fail(error.function, error.pc,
                  "the module is corrupt: the stack is below its depth at TryBegin");
    while (f.frames.size() > h.frame + 1)
      f.frames.pop_back();
    Frame& frame = f.frames.back();
    cut(f, frame.stack_base + h.depth);
    std::vector<Value> fields;
    fields.reserve(2);
    fields.push_back(Value::string(std::move(error.kind)));
    fields.push_back(Value::string(std::move(error.message)));
    f.values[f.top++] = Value::record(*record, std::move(fields));
    frame.pc = h.pc;
    return Stop::kContinue;
  }
  if (f.parent == kNoFiber) {
    s_.finished =
        Failure{std::move(error.kind), std::move(error.message), p_.fileOf(error.function),
                p_.lineAt(error.function, error.pc), p_.functionName(error.function)};
    return Stop::kFailed;
  }
  freeValues(f);
  f.frames.clear();
  f.status = FiberStatus::kRaised;
  f.error = std::move(error);
  branchDone(f);
  return Stop::kStopped;
}

Stop Machine::fork(Fiber& f, uint32_t target) {
  if (s_.fibers.size() >= kMaxBranches)
    return failAt(f, fmt::format("more than {} parallel branches at once", kMaxBranches));
  if (s_.next_fiber == kNoFiber) return failAt(f, "the instance has forked too many branches");
  const uint32_t id = s_.next_fiber++;
  const Frame& top = f.frames.back();
  Fiber b;
  b.id = id;
  b.parent = f.id;
  b.status = FiberStatus::kForked;
  if (f.frames.size() == 1 && f.parent != kNoFiber) {
    b.shared_owner = f.shared_owner;
    b.shared_locals = f.shared_locals;
  } else {
    b.shared_owner = f.id;
    b.shared_locals = top.locals;
  }
  b.depth_base = f.depth_base + static_cast<uint32_t>(f.frames.size()) - 1;
  if (!grow(b, m_.functions[top.function].max_stack))
    return failAt(f, fmt::format("the instance needs more than {} stack slots", kMaxStackSlots));
  b.frames.push_back(Frame{top.function, target, 0, 0});
  f.forks.push_back(id);
  s_.fibers.emplace(id, std::move(b));
  return Stop::kContinue;
}

Stop Machine::join(Fiber& f) {
  Frame& frame = f.frames.back();
  if (f.forks.empty()) {
    frame.pc += kJoinSize;
    return Stop::kContinue;
  }
  f.status = FiberStatus::kJoining;
  // Run next, in Fork order, before anything already waiting in the queue.
  for (auto it = f.forks.rbegin(); it != f.forks.rend(); ++it) {
    s_.fibers.at(*it).status = FiberStatus::kReady;
    s_.ready.push_front(*it);
  }
  return Stop::kStopped;
}

Stop Machine::endBranch(Fiber& f) {
  if (f.parent == kNoFiber || f.frames.size() != 1)
    return failAt(f, "the module is corrupt: EndBranch outside a parallel branch");
  if (!f.forks.empty()) return failAt(f, "the module is corrupt: EndBranch between Fork and Join");
  freeValues(f);
  f.frames.clear();
  f.handlers.clear();
  f.status = FiberStatus::kEnded;
  branchDone(f);
  return Stop::kStopped;
}

void Machine::branchDone(Fiber& f) {
  Fiber& parent = s_.fibers.at(f.parent);
  std::optional<RaisedError> first;
  for (uint32_t id : parent.forks) {
    const Fiber& b = s_.fibers.at(id);
    if (b.status != FiberStatus::kEnded && b.status != FiberStatus::kRaised) return;
  }
  for (uint32_t id : parent.forks) {
    Fiber& b = s_.fibers.at(id);
    if (!first && b.status == FiberStatus::kRaised) first = std::move(b.error);
  }
  // `f` is one of them: it must not be used after this.
  for (uint32_t id : parent.forks)
    s_.fibers.erase(id);
  parent.forks.clear();
  parent.status = FiberStatus::kReady;
  if (first) {
    parent.error = std::move(first);
  } else {
    parent.frames.back().pc += kJoinSize;
  }
  s_.ready.push_back(parent.id);
}

Stop Machine::effect(Fiber& f, const bytecode::Instruction& in) {
  Frame& frame = f.frames.back();
  if (!f.forks.empty()) return corrupt(frame.function, frame.pc, "an effect between Fork and Join");
  const uint32_t pops = effectPops(p_, in);
  f.effect_args.clear();
  f.effect_args.reserve(pops);
  for (uint32_t i = f.top - pops; i < f.top; ++i)
    f.effect_args.push_back(std::move(f.values[i]));
  f.top -= pops;
  const std::variant<Request, EffectError> r = makeRequest(p_, in, f.effect_args);
  if (const auto* e = std::get_if<EffectError>(&r)) {
    if (e->corrupt) return corrupt(frame.function, frame.pc, e->message);
    return fail(frame.function, frame.pc, e->message);
  }
  if (s_.next_request == UINT64_MAX)
    return fail(frame.function, frame.pc, "the instance has made too many requests");
  f.status = FiberStatus::kWaiting;
  f.request_id = s_.next_request++;
  return Stop::kStopped;
}

}  // namespace rflow::vm::detail
