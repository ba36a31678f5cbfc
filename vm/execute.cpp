// The instruction loop: threaded dispatch (each handler jumps straight to the next
// instruction's handler through a table, GCC's computed goto), with the top frame's
// code, pc, locals, stack pointer and the step's budget in locals of this function. It
// runs the quickened code (quicken.h), whose fused instructions (fused.def) do a common
// sequence in one dispatch, while the budget allows, and the module's code otherwise.
// Calls and returns between ordinary frames are done here; the rare cases go to
// machine.cpp. Most fused instructions' handlers are in execute_fused.inc, included in the
// loop's body.
//
// Operands are in range and stack depths are right (the verifier proved it for the module,
// decodeState for a resumed state); what is left to check are value tags, which a corrupt module
// could mix up: every instruction checks the tags it relies on and fails the instance rather than
// read a payload of the wrong kind.
//
// Everything else that changes frames or fibers (raising, forks, effects, and calls and
// returns out of the ordinary) is in machine.cpp; around those calls the loop saves its
// registers (SAVE) and reloads them afterwards (goto reload).
#include <fmt/format.h>

#include <array>
#include <compare>
#include <cstring>
#include <iterator>

#include "base/checked_int.h"
#include "vm/effects.h"
#include "vm/fused.h"
#include "vm/machine.h"
#include "vm/natives.h"
#include "vm/print.h"

namespace rflow::vm::detail {

using base::ArithmeticError;
using base::Decimal;
using base::Money;
using base::Result;
using bytecode::Opcode;

namespace {

inline uint32_t readU16(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8;
}
inline uint32_t readU32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
inline int32_t readI32(const uint8_t* p) {
  return static_cast<int32_t>(readU32(p));
}

std::string mismatchText(const Money& a, const Money& b) {
  return fmt::format("the amounts are in different currencies ({} and {})", a.currency().text(),
                     b.currency().text());
}

std::string moneyError(ArithmeticError e, const Money& a, const Money& b) {
  if (e == ArithmeticError::kCurrencyMismatch) return mismatchText(a, b);
  return std::string(base::errorPhrase(e));
}

constexpr uint32_t kCallSize = 5;  // Call f: opcode + U32

// The dispatch table's index of each byte: 0 for a byte that is no instruction, then
// the opcodes in opcodes.def's order, then the fused instructions in fused.def's (whose
// values fused.h checks to be free).
constexpr std::array<uint8_t, 256> kHandlerIndex = [] {
  std::array<uint8_t, 256> index{};
  uint8_t next = 1;
#define RFLOW_OPCODE(Name, value, operands, pops, pushes) index[value] = next++;
#include "bytecode/opcodes.def"
#undef RFLOW_OPCODE
  for (const FusedInfo& fused : kFused)
    index[fused.value] = next++;
  return index;
}();
constexpr size_t kHandlerCount = [] {
  size_t n = 0;
  for (const uint8_t i : kHandlerIndex)
    n = std::max<size_t>(n, i);
  return n + 1;
}();

constexpr int signOf(int c) {
  return (c > 0) - (c < 0);
}
constexpr int signOf(std::weak_ordering o) {
  return (o > 0) - (o < 0);
}

// Whether comparison `which` (0 Lt, 1 Le, 2 Gt, 3 Ge: the order of every typed group in
// opcodes.def) holds for a three-way result s of -1, 0 or 1. Byte `which` of the mask has
// bit s + 1 set where it holds (<, =, >); the masks are one constant word, not an array,
// which the compiler would store to the stack each time one is read.
constexpr bool orderHoldsSign(unsigned which, int s) {
  constexpr uint32_t kMasks = 0x06'04'03'01;
  return ((kMasks >> ((which & 3) * 8 + static_cast<unsigned>(s + 1))) & 1) != 0;
}
// The same for any three-way result c.
constexpr bool orderHolds(unsigned which, int c) {
  return orderHoldsSign(which, signOf(c));
}
static_assert(orderHolds(0, -5) && !orderHolds(0, 0) && orderHolds(1, 0) && !orderHolds(1, 2) &&
              orderHolds(2, 3) && !orderHolds(2, 0) && orderHolds(3, 0) && !orderHolds(3, -1));

// valueEquals, with the common cases inline. Tests rather than a switch: this is inlined
// into every handler that compares, and each test is then predicted for its own site,
// where a switch's one jump table would be shared by all of them.
inline bool fastEquals(const Value& a, const Value& b) {
  const Tag t = a.tag();
  if (t != b.tag()) return false;
  if (t == Tag::kEnum) return a.enumIndex() == b.enumIndex() && a.enumMember() == b.enumMember();
  if (t == Tag::kInt) return a.asInt() == b.asInt();
  if (t == Tag::kString) return a.asString() == b.asString();
  if (t == Tag::kBool) return a.asBool() == b.asBool();
  if (t == Tag::kNone) return true;
  return valueEquals(a, b);
}

}  // namespace

// Computed goto (a GCC and Clang extension) is what -Wpedantic would flag here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"

Stop Machine::execute(Fiber& f) {
  if (f.error) {
    RaisedError error = std::move(*f.error);
    f.error.reset();
    if (const Stop stop = raise(f, std::move(error)); stop != Stop::kContinue) return stop;
  }

  // Handlers by kHandlerIndex: not an opcode, then opcodes.def's order, then fused.def's.
  static const void* const kHandlers[] = {
      &&L_bad,
#define RFLOW_OPCODE(Name, value, operands, pops, pushes) &&L_k##Name,
#include "bytecode/opcodes.def"
#undef RFLOW_OPCODE
#define RFLOW_FUSED(Name, value, sequence, length, budget) &&L_k##Name,
#include "vm/fused.def"
#undef RFLOW_FUSED
  };
  static_assert(std::size(kHandlers) == kHandlerCount);
  // The handler of each byte, built once.
  static const std::array<const void*, 256> kDispatch = [] {
    std::array<const void*, 256> table{};
    for (size_t b = 0; b < table.size(); ++b)
      table[b] = kHandlers[kHandlerIndex[b]];
    return table;
  }();

  const uint8_t* code = nullptr;
  uint32_t pc = 0;
  Value* base = nullptr;
  Value* sp = nullptr;
  Value* locals = nullptr;
  const uint8_t* ip = nullptr;
  // The step's budget (budget_ while the loop runs): above kMaxFusedInstructions the
  // quickened code runs, below it the module's code, one instruction at a time.
  uint64_t budget = budget_;

// The function of the top frame. Read from the frame, not kept in a local: it is needed on
// the rare paths only, and the loop is short of registers for what every handler uses.
#define FUNCTION() (f.frames.back().function)
#define SAVE() (f.top = static_cast<uint32_t>(sp - base), f.frames.back().pc = pc, budget_ = budget)
#define CODE_OF(fn) \
  (budget >= kMaxFusedInstructions ? p_.quickCode(fn) : m_.functions[fn].code.data())
// A handler that declares values with destructors keeps them in an inner block and
// dispatches after it: clang refuses an indirect goto out of such a scope, and GCC would
// jump without running the destructor.
#define DISPATCH()                                   \
  do {                                               \
    if (budget < kMaxFusedInstructions) [[unlikely]] \
      goto low_budget;                               \
    --budget;                                        \
    ip = code + pc;                                  \
    goto* kDispatch[*ip];                            \
  } while (0)
// The module mixed up types: fail the instance instead of misreading a payload.
#define NEED(cond, what)                    \
  do {                                      \
    if (!(cond)) {                          \
      SAVE();                               \
      return corrupt(FUNCTION(), pc, what); \
    }                                       \
  } while (0)
#define RUNTIME(message)                  \
  do {                                    \
    SAVE();                               \
    return fail(FUNCTION(), pc, message); \
  } while (0)
// In a fused instruction's handler, where `constexpr Fused kThis` names it: where step i
// of its sequence starts, and where that step's operands start, in bytes from ip
// (fused.h). A handler counts kFusedBudget<kThis> - 1 instructions: DISPATCH counted one.
#define STEP(i) kFusedStep<kThis, i>
#define OPERAND(i) (kFusedStep<kThis, i> + 1)
#define CONTINUE_WITH(stop_expr)                \
  do {                                          \
    const Stop stop_ = (stop_expr);             \
    if (stop_ != Stop::kContinue) return stop_; \
    goto reload;                                \
  } while (0)

reload : {
  const Frame& frame = f.frames.back();
  code = CODE_OF(frame.function);
  pc = frame.pc;
  base = f.values.data();
  sp = base + f.top;
  locals = localsOf(f, f.frames.size() - 1);
}

  DISPATCH();

low_budget:
  if (budget == 0)
    RUNTIME(
        fmt::format("the step ran more than {} instructions without waiting (a loop that "
                    "never ends?)",
                    o_.max_instructions));
  --budget;
  code = m_.functions[FUNCTION()].code.data();
  ip = code + pc;
  goto* kDispatch[*ip];

// ---- stack, constants and locals ----
L_kNop:
  pc += 1;
  DISPATCH();
L_kPop:
  *--sp = Value();
  pc += 1;
  DISPATCH();
L_kDup:
  *sp = sp[-1];
  ++sp;
  pc += 1;
  DISPATCH();
L_kSwap:
  std::swap(sp[-1], sp[-2]);
  pc += 1;
  DISPATCH();
L_kConst:
  // Heap constants: the instance's own copy, counted without atomics (constantFor).
  *sp++ = constantFor(readU32(ip + 1));
  pc += 5;
  DISPATCH();
L_kConstNone:
  *sp++ = Value();
  pc += 1;
  DISPATCH();
L_kConstTrue:
  *sp++ = Value::boolean(true);
  pc += 1;
  DISPATCH();
L_kConstFalse:
  *sp++ = Value::boolean(false);
  pc += 1;
  DISPATCH();
L_kConstInt:
  (sp++)->setInteger(readI32(ip + 1));
  pc += 5;
  DISPATCH();
L_kLoadLocal:
  *sp++ = locals[readU16(ip + 1)];
  pc += 3;
  DISPATCH();
L_kStoreLocal:
  locals[readU16(ip + 1)] = std::move(*--sp);
  pc += 3;
  DISPATCH();

// ---- control flow ----
L_kJump:
  pc += 5 + readI32(ip + 1);
  DISPATCH();
L_kJumpIfFalse:
L_kJumpIfTrue : {
  --sp;
  NEED(sp->tag() == Tag::kBool, "a conditional jump needs a bool");
  const bool jump = sp->asBool() == (*ip == static_cast<uint8_t>(Opcode::kJumpIfTrue));
  pc += 5 + (jump ? readI32(ip + 1) : 0);
  DISPATCH();
}
L_kJumpIfNone:
  pc += 5 + (sp[-1].isNone() ? readI32(ip + 1) : 0);
  DISPATCH();
L_kJumpIfNotNone:
  pc += 5 + (sp[-1].isNone() ? 0 : readI32(ip + 1));
  DISPATCH();
L_kCall : {
  // An ordinary call (no forks, within the depth, room for the callee's frame) is
  // done here; machine.cpp's call() does the rest and the checks' failures.
  const uint32_t callee = readU32(ip + 1);
  const Program::FrameShape& shape = p_.frameShape(callee);
  const auto callee_locals = static_cast<uint32_t>(sp - base) - shape.params;
  const uint32_t stack_base = callee_locals + shape.locals;
  if (!f.forks.empty() || size_t{f.depth_base} + f.frames.size() >= o_.max_call_depth ||
      base + callee_locals + shape.slots > base + f.values.size()) [[unlikely]] {
    SAVE();
    CONTINUE_WITH(call(f, callee));
  }
  f.frames.back().pc = pc;
  // Slots above top hold no references but may hold stale scalars: locals start as none.
  for (Value* v = sp; v < base + stack_base; ++v)
    *v = Value();
  f.frames.push_back(Frame{callee, 0, callee_locals, stack_base});
  code = CODE_OF(callee);
  pc = 0;
  locals = base + callee_locals;
  sp = base + stack_base;
  DISPATCH();
}
L_kCallNative : {
  {
    const uint32_t argc = ip[3];
    Value result;
    const std::optional<NativeError> error =
        callNative(readU16(ip + 1), std::span<Value>(sp - argc, argc), result);
    if (error) {
      if (error->corrupt) NEED(false, error->message);
      RUNTIME(error->message);
    }
    for (uint32_t i = 0; i < argc; ++i)
      *--sp = Value();
    *sp++ = std::move(result);
    pc += 4;
  }
  DISPATCH();
}
L_kIndexLocalRem : {
  // xs[i % k] with xs and i locals: the list's count does not go up and down.
  constexpr Fused kThis = Fused::kIndexLocalRem;
  budget -= kFusedBudget<kThis> - 1;
  const Value& list = locals[readU16(ip + OPERAND(0))];
  const Value& index = locals[readU16(ip + OPERAND(1))];
  if (list.tag() != Tag::kList || index.tag() != Tag::kInt) [[unlikely]] {
    pc += index.tag() != Tag::kInt ? STEP(3) : STEP(4);
    NEED(false, "needs a list and an int");
  }
  const Result<int64_t> i = base::checkedRem(index.asInt(), readI32(ip + OPERAND(2)));
  if (!i) [[unlikely]] {
    pc += STEP(3);
    RUNTIME(std::string(base::errorPhrase(i.error())));
  }
  const size_t n = list.listLength();
  if (*i < 0 || static_cast<uint64_t>(*i) >= n) [[unlikely]] {
    pc += STEP(4);
    RUNTIME(
        fmt::format("index {} is out of range for a list of {} item{}", *i, n, n == 1 ? "" : "s"));
  }
  *sp++ = list.listItems()[static_cast<size_t>(*i)];
  pc += kFusedLength<kThis>;
  DISPATCH();
}
L_kEqConst : {
  constexpr Fused kThis = Fused::kEqConst;
  budget -= kFusedBudget<kThis> - 1;
  const bool equal = fastEquals(sp[-1], p_.constant(readU32(ip + OPERAND(0))));
  sp[-1] = Value::boolean(equal == (ip[STEP(1)] == static_cast<uint8_t>(Opcode::kEq)));
  pc += kFusedLength<kThis>;
  DISPATCH();
}
L_kConstReturn : {
  // The Const counts (in DISPATCH) and here the Return, which then runs as itself, at its
  // own pc.
  constexpr Fused kThis = Fused::kConstReturn;
  budget -= kFusedBudget<kThis> - 1;
  {
    // A scalar (a decision's enum result) is pushed as it is, without constantFor's call.
    const uint32_t k = readU32(ip + OPERAND(0));
    const Value& c = p_.constant(k);
    *sp++ = c.isHeap() ? constantFor(k) : c;
  }
  pc += STEP(1);
  ip = code + pc;
  goto L_kReturn;
}
L_kJumpReturn : {
  // The Jump counts (in DISPATCH) and here the Return, which then runs as itself, at its
  // own pc (the budget is above kMaxFusedInstructions here).
  constexpr Fused kThis = Fused::kJumpReturn;
  budget -= kFusedBudget<kThis> - 1;
  pc += kFusedLength<kThis> + readI32(ip + OPERAND(0));
  ip = code + pc;
  goto L_kReturn;
}
L_kReturn : {
  {
    // A return to a caller with no try handler of this frame and no forks is done
    // here; machine.cpp's ret() does the rest.
    const size_t k = f.frames.size() - 1;
    if (k == 0 || !f.forks.empty() || (!f.handlers.empty() && f.handlers.back().frame == k))
        [[unlikely]] {
      SAVE();
      CONTINUE_WITH(ret(f));
    }
    Value result = std::move(*--sp);
    for (Value* const frame_locals = base + f.frames.back().locals; sp > frame_locals;)
      *--sp = Value();
    f.frames.pop_back();
    *sp++ = std::move(result);
    const Frame& caller = f.frames.back();
    code = CODE_OF(caller.function);
    pc = caller.pc + kCallSize;
    locals = k == 1 && f.parent != kNoFiber ? localsOf(f, 0) : base + caller.locals;
  }
  DISPATCH();
}
L_kFail : {
  NEED(sp[-1].tag() == Tag::kString, "Fail needs a string");
  RaisedError error{"fail", std::string(sp[-1].asString()), FUNCTION(), pc};
  *--sp = Value();
  SAVE();
  CONTINUE_WITH(raise(f, std::move(error)));
}
L_kTryBegin:
  f.handlers.push_back(Handler{static_cast<uint32_t>(f.frames.size() - 1),
                               static_cast<uint32_t>(pc + 5 + readI32(ip + 1)),
                               static_cast<uint32_t>(sp - base) - f.frames.back().stack_base});
  pc += 5;
  DISPATCH();
L_kTryEnd:
  NEED(!f.handlers.empty() && f.handlers.back().frame == f.frames.size() - 1,
       "TryEnd without a TryBegin in its frame");
  f.handlers.pop_back();
  pc += 1;
  DISPATCH();
L_kFork : {
  const auto target = static_cast<uint32_t>(pc + 5 + readI32(ip + 1));
  SAVE();
  if (const Stop stop = fork(f, target); stop != Stop::kContinue) return stop;
  pc += 5;
  DISPATCH();
}
L_kEndBranch:
  SAVE();
  return endBranch(f);
L_kJoin:
  SAVE();
  CONTINUE_WITH(join(f));

  // ---- int ----
#define INT_BINARY(op_name, checked)                                   \
  L_##op_name : {                                                      \
    NEED(sp[-1].tag() == Tag::kInt && sp[-2].tag() == Tag::kInt,       \
         std::string_view(#op_name " needs two ints").substr(1));      \
    const Result<int64_t> r = checked(sp[-2].asInt(), sp[-1].asInt()); \
    if (!r) RUNTIME(std::string(base::errorPhrase(r.error())));        \
    --sp;                                                              \
    sp[-1].setInteger(*r);                                             \
    pc += 1;                                                           \
    DISPATCH();                                                        \
  }
#define INT_COMPARE(op_name, op)                                              \
  L_##op_name : NEED(sp[-1].tag() == Tag::kInt && sp[-2].tag() == Tag::kInt,  \
                     std::string_view(#op_name " needs two ints").substr(1)); \
  --sp;                                                                       \
  sp[-1] = Value::boolean(sp[-1].asInt() op sp[0].asInt());                   \
  pc += 1;                                                                    \
  DISPATCH();

  INT_BINARY(kAddInt, base::checkedAdd)
  INT_BINARY(kSubInt, base::checkedSub)
  INT_BINARY(kMulInt, base::checkedMul)
  INT_BINARY(kDivInt, base::checkedDiv)
  INT_BINARY(kRemInt, base::checkedRem)
L_kNegInt:
L_kNegDur : {
  NEED(sp[-1].tag() == Tag::kInt, "negation needs an int");
  const Result<int64_t> r = base::checkedNeg(sp[-1].asInt());
  if (!r) RUNTIME(std::string(base::errorPhrase(r.error())));
  sp[-1].setInteger(*r);
  pc += 1;
  DISPATCH();
}
  INT_COMPARE(kLtInt, <)
  INT_COMPARE(kLeInt, <=)
  INT_COMPARE(kGtInt, >)
  INT_COMPARE(kGeInt, >=)

  // ---- decimal ----
#define DEC_BINARY(op_name, fn)                                           \
  L_##op_name : {                                                         \
    NEED(sp[-1].tag() == Tag::kDecimal && sp[-2].tag() == Tag::kDecimal,  \
         std::string_view(#op_name " needs two decimals").substr(1));     \
    const Result<Decimal> r = fn(sp[-2].asDecimal(), sp[-1].asDecimal()); \
    if (!r) RUNTIME(std::string(base::errorPhrase(r.error())));           \
    --sp;                                                                 \
    sp[-1] = Value::decimal(*r);                                          \
    pc += 1;                                                              \
    DISPATCH();                                                           \
  }
#define DEC_COMPARE(op_name, op)                                                      \
  L_##op_name : NEED(sp[-1].tag() == Tag::kDecimal && sp[-2].tag() == Tag::kDecimal,  \
                     std::string_view(#op_name " needs two decimals").substr(1));     \
  --sp;                                                                               \
  sp[-1] = Value::boolean(base::compare(sp[-1].asDecimal(), sp[0].asDecimal()) op 0); \
  pc += 1;                                                                            \
  DISPATCH();

  DEC_BINARY(kAddDec, base::add)
  DEC_BINARY(kSubDec, base::subtract)
  DEC_BINARY(kMulDec, base::multiply)
  DEC_BINARY(kDivDec, base::divide)
L_kNegDec:
  NEED(sp[-1].tag() == Tag::kDecimal, "NegDec needs a decimal");
  sp[-1] = Value::decimal(sp[-1].asDecimal().negated());
  pc += 1;
  DISPATCH();
  DEC_COMPARE(kLtDec, <)
  DEC_COMPARE(kLeDec, <=)
  DEC_COMPARE(kGtDec, >)
  DEC_COMPARE(kGeDec, >=)
L_kIntToDec:
  NEED(sp[-1].tag() == Tag::kInt, "IntToDec needs an int");
  sp[-1] = Value::decimal(Decimal::fromInt(sp[-1].asInt()));
  pc += 1;
  DISPATCH();

// ---- money ----
L_kAddMoney:
L_kSubMoney : {
  NEED(sp[-1].tag() == Tag::kMoney && sp[-2].tag() == Tag::kMoney, "needs two amounts");
  const Money a = sp[-2].asMoney(), b = sp[-1].asMoney();
  const Result<Money> r =
      *ip == static_cast<uint8_t>(Opcode::kAddMoney) ? base::add(a, b) : base::subtract(a, b);
  if (!r) RUNTIME(moneyError(r.error(), a, b));
  --sp;
  sp[-1] = Value::money(*r);
  pc += 1;
  DISPATCH();
}
L_kMulMoneyInt:
L_kDivMoneyInt : {
  NEED(sp[-2].tag() == Tag::kMoney && sp[-1].tag() == Tag::kInt, "needs an amount and an int");
  const Money a = sp[-2].asMoney();
  const int64_t b = sp[-1].asInt();
  const Result<Money> r =
      *ip == static_cast<uint8_t>(Opcode::kMulMoneyInt) ? base::multiply(a, b) : base::divide(a, b);
  if (!r) RUNTIME(std::string(base::errorPhrase(r.error())));
  --sp;
  sp[-1] = Value::money(*r);
  pc += 1;
  DISPATCH();
}
L_kMulMoneyDec:
L_kDivMoneyDec : {
  NEED(sp[-2].tag() == Tag::kMoney && sp[-1].tag() == Tag::kDecimal,
       "needs an amount and a decimal");
  const Money a = sp[-2].asMoney();
  const Decimal b = sp[-1].asDecimal();
  const Result<Money> r =
      *ip == static_cast<uint8_t>(Opcode::kMulMoneyDec) ? base::multiply(a, b) : base::divide(a, b);
  if (!r) RUNTIME(std::string(base::errorPhrase(r.error())));
  --sp;
  sp[-1] = Value::money(*r);
  pc += 1;
  DISPATCH();
}
L_kDivMoneyMoney : {
  NEED(sp[-1].tag() == Tag::kMoney && sp[-2].tag() == Tag::kMoney, "needs two amounts");
  const Money a = sp[-2].asMoney(), b = sp[-1].asMoney();
  const Result<Decimal> r = base::divide(a, b);
  if (!r) RUNTIME(moneyError(r.error(), a, b));
  --sp;
  sp[-1] = Value::decimal(*r);
  pc += 1;
  DISPATCH();
}
L_kNegMoney:
  NEED(sp[-1].tag() == Tag::kMoney, "NegMoney needs an amount");
  sp[-1] = Value::money(sp[-1].asMoney().negated());
  pc += 1;
  DISPATCH();
L_kLtMoney:
L_kLeMoney:
L_kGtMoney:
L_kGeMoney : {
  NEED(sp[-1].tag() == Tag::kMoney && sp[-2].tag() == Tag::kMoney, "needs two amounts");
  const Money a = sp[-2].asMoney(), b = sp[-1].asMoney();
  const Result<std::weak_ordering> order = base::compare(a, b);
  if (!order) RUNTIME(mismatchText(a, b));
  const bool holds = orderHolds(*ip - static_cast<uint8_t>(Opcode::kLtMoney), signOf(*order));
  --sp;
  sp[-1] = Value::boolean(holds);
  pc += 1;
  DISPATCH();
}

  // ---- duration and time (int milliseconds) ----
  INT_BINARY(kAddDur, base::checkedAdd)
  INT_BINARY(kSubDur, base::checkedSub)
  INT_BINARY(kMulDurInt, base::checkedMul)
  INT_BINARY(kAddTimeDur, base::checkedAdd)
  INT_BINARY(kSubTimeDur, base::checkedSub)
  INT_BINARY(kSubTimeTime, base::checkedSub)
  INT_COMPARE(kLtDur, <)
  INT_COMPARE(kLeDur, <=)
  INT_COMPARE(kGtDur, >)
  INT_COMPARE(kGeDur, >=)
  INT_COMPARE(kLtTime, <)
  INT_COMPARE(kLeTime, <=)
  INT_COMPARE(kGtTime, >)
  INT_COMPARE(kGeTime, >=)

// ---- bool and strings ----
L_kNot:
  NEED(sp[-1].tag() == Tag::kBool, "Not needs a bool");
  sp[-1] = Value::boolean(!sp[-1].asBool());
  pc += 1;
  DISPATCH();
L_kConcat:
L_kInterpolate : {
  const uint32_t n = *ip == static_cast<uint8_t>(Opcode::kConcat) ? 2 : readU16(ip + 1);
  size_t size = 0;
  for (uint32_t i = 1; i <= n; ++i) {
    NEED(sp[-static_cast<ptrdiff_t>(i)].tag() == Tag::kString, "needs strings");
    size += sp[-static_cast<ptrdiff_t>(i)].asString().size();
  }
  if (size > kMaxStringBytes)
    RUNTIME(fmt::format("the text would be {} bytes long, more than {}", size, kMaxStringBytes));
  // Straight into the new string object: one allocation, one copy of each part.
  detail::StringObject* text = detail::makeString(size);
  char* out = text->data();
  for (uint32_t i = n; i >= 1; --i) {
    const std::string_view part = sp[-static_cast<ptrdiff_t>(i)].asString();
    if (!part.empty()) std::memcpy(out, part.data(), part.size());
    out += part.size();
  }
  for (uint32_t i = 0; i < n; ++i)
    *--sp = Value();
  *sp++ = Value::adoptString(text);
  pc += *ip == static_cast<uint8_t>(Opcode::kConcat) ? 1 : 3;
  DISPATCH();
}
L_kToString : {
  if (sp[-1].tag() != Tag::kString) {
    std::string text;
    if (!appendPrinted(text, sp[-1], m_, readU32(ip + 1), kMaxStringBytes))
      RUNTIME(fmt::format("the printed value would be longer than {} bytes", kMaxStringBytes));
    sp[-1] = Value::string(std::move(text));
  }
  pc += 5;
  DISPATCH();
}
L_kLtStr:
L_kLeStr:
L_kGtStr:
L_kGeStr : {
  NEED(sp[-1].tag() == Tag::kString && sp[-2].tag() == Tag::kString, "needs two strings");
  // Byte order of UTF-8 is code point order.
  const int c = sp[-2].asString().compare(sp[-1].asString());
  const bool holds = orderHolds(*ip - static_cast<uint8_t>(Opcode::kLtStr), c);
  *--sp = Value();
  sp[-1] = Value::boolean(holds);
  pc += 1;
  DISPATCH();
}

// ---- equality ----
L_kEq:
L_kNe : {
  const bool equal = fastEquals(sp[-2], sp[-1]);
  *--sp = Value();
  sp[-1] = Value::boolean(equal == (*ip == static_cast<uint8_t>(Opcode::kEq)));
  pc += 5;
  DISPATCH();
}

// ---- lists, maps, records ----
L_kMakeList : {
  {
    const uint32_t n = readU32(ip + 5);
    std::vector<Value> items;
    items.reserve(n);
    for (Value* v = sp - n; v < sp; ++v)
      items.push_back(std::move(*v));
    sp -= n;
    Value list = Value::list(std::move(items));
    if (list.depth() > kMaxValueDepth)
      RUNTIME(fmt::format("values nest at most {} levels deep", kMaxValueDepth));
    *sp++ = std::move(list);
    pc += 9;
  }
  DISPATCH();
}
L_kMakeMap : {
  {
    const uint32_t n = readU32(ip + 5);
    for (uint32_t i = 0; i < n; ++i)
      NEED(sp[-2 * static_cast<ptrdiff_t>(i) - 2].tag() == Tag::kString,
           "MakeMap needs string keys");
    std::vector<MapEntry> entries;
    entries.reserve(n);
    for (Value* v = sp - 2 * size_t{n}; v < sp; v += 2)
      entries.push_back(MapEntry{std::move(v[0]), std::move(v[1])});
    sp -= 2 * size_t{n};
    Value map = Value::map(std::move(entries));
    if (map.depth() > kMaxValueDepth)
      RUNTIME(fmt::format("values nest at most {} levels deep", kMaxValueDepth));
    *sp++ = std::move(map);
    pc += 9;
  }
  DISPATCH();
}
L_kMakeRecord : {
  {
    const uint32_t record = m_.types[readU32(ip + 1)].decl;
    const size_t n = m_.records[record].fields.size();
    std::vector<Value> fields;
    fields.reserve(n);
    for (Value* v = sp - n; v < sp; ++v)
      fields.push_back(std::move(*v));
    sp -= n;
    Value value = Value::record(record, std::move(fields));
    if (value.depth() > kMaxValueDepth)
      RUNTIME(fmt::format("values nest at most {} levels deep", kMaxValueDepth));
    *sp++ = std::move(value);
    pc += 5;
  }
  DISPATCH();
}
L_kGetField : {
  {
    const uint32_t i = readU16(ip + 1);
    NEED(sp[-1].tag() == Tag::kRecord && i < sp[-1].recordFields().size(),
         "GetField needs a record with that field");
    Value field = sp[-1].recordFields()[i];
    sp[-1] = std::move(field);
    pc += 3;
  }
  DISPATCH();
}
L_kIndexList:
L_kListAt : {
  {
    NEED(sp[-2].tag() == Tag::kList && sp[-1].tag() == Tag::kInt, "needs a list and an int");
    const int64_t i = sp[-1].asInt();
    const size_t n = sp[-2].listLength();
    if (i < 0 || static_cast<uint64_t>(i) >= n)
      RUNTIME(
          fmt::format("index {} is out of range for a list of {} item{}", i, n, n == 1 ? "" : "s"));
    Value item = sp[-2].listItems()[static_cast<size_t>(i)];
    --sp;
    sp[-1] = std::move(item);
    pc += 1;
  }
  DISPATCH();
}
L_kIndexMap : {
  {
    NEED(sp[-2].tag() == Tag::kMap && sp[-1].tag() == Tag::kString,
         "IndexMap needs a map and a string");
    const Value* found = mapFind(sp[-2], sp[-1].asString());
    Value item = found ? *found : Value();
    *--sp = Value();
    sp[-1] = std::move(item);
    pc += 1;
  }
  DISPATCH();
}
L_kInList : {
  NEED(sp[-1].tag() == Tag::kList, "InList needs a list");
  bool found = false;
  for (const Value& item : sp[-1].listItems()) {
    if (valueEquals(item, sp[-2])) {
      found = true;
      break;
    }
  }
  *--sp = Value();
  sp[-1] = Value::boolean(found);
  pc += 5;
  DISPATCH();
}
L_kListLength:
  NEED(sp[-1].tag() == Tag::kList, "ListLength needs a list");
  sp[-1] = Value::integer(static_cast<int64_t>(sp[-1].listLength()));
  pc += 1;
  DISPATCH();

// ---- effects ----
L_kCallConnector:
L_kApproval:
L_kTask:
L_kAwait:
L_kSleep:
L_kSleepUntil:
L_kStartChild:
L_kSpawn:
L_kNote:
L_kNotify:
L_kNow:
L_kClassify:
L_kLearn:
L_kMeasure:
L_kMock:
L_kMockFails:
L_kStartRun:
L_kAdvance:
L_kDecide:
L_kSend:
L_kExpect:
L_kExpectCalled:
L_kMockClassify:
L_kExpectLearned:
L_kRunField : {
  SAVE();
  const bytecode::Instruction in = *bytecode::decodeInstruction(m_.functions[FUNCTION()].code, pc);
  return effect(f, in);
}
L_bad:
  NEED(false, fmt::format("byte {:#04x} is not an opcode", *ip));

  // ---- fused instructions (quicken.h) ----
#include "vm/execute_fused.inc"
#undef INT_BINARY
#undef INT_COMPARE
#undef DEC_BINARY
#undef DEC_COMPARE
#undef CONTINUE_WITH
#undef OPERAND
#undef STEP
#undef RUNTIME
#undef NEED
#undef SAVE
#undef DISPATCH
#undef CODE_OF
#undef FUNCTION
}

#pragma GCC diagnostic pop

}  // namespace rflow::vm::detail
