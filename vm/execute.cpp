// The instruction loop: one switch over the opcode byte, with the top frame's code, pc,
// locals and stack pointer in locals of this function. Operands are in range and stack
// depths are right (the verifier proved it for the module, decodeState for a resumed
// state); what is left to check are value tags, which a corrupt module could mix up:
// every instruction checks the tags it relies on and fails the instance rather than
// read a payload of the wrong kind.
//
// Everything that changes frames or fibers (calls, returns, raising, forks, effects)
// is in machine.cpp; around those calls the loop saves its registers (SAVE) and reloads
// them afterwards (goto reload).
#include <fmt/format.h>

#include "base/checked_int.h"
#include "vm/effects.h"
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

}  // namespace

Stop Machine::execute(Fiber& f) {
  if (f.error) {
    RaisedError error = std::move(*f.error);
    f.error.reset();
    if (const Stop stop = raise(f, std::move(error)); stop != Stop::kContinue) return stop;
  }

  uint32_t function = 0;
  const uint8_t* code = nullptr;
  uint32_t pc = 0;
  Value* base = nullptr;
  Value* sp = nullptr;
  Value* locals = nullptr;
  Value* stack = nullptr;  // the top frame's operand stack

#define SAVE() (f.top = static_cast<uint32_t>(sp - base), f.frames.back().pc = pc)
// The module mixed up types: fail the instance instead of misreading a payload.
#define NEED(cond, what)                  \
  do {                                    \
    if (!(cond)) {                        \
      SAVE();                             \
      return corrupt(function, pc, what); \
    }                                     \
  } while (0)
#define RUNTIME(message)                \
  do {                                  \
    SAVE();                             \
    return fail(function, pc, message); \
  } while (0)
#define CONTINUE_WITH(stop_expr)                \
  do {                                          \
    const Stop stop_ = (stop_expr);             \
    if (stop_ != Stop::kContinue) return stop_; \
    goto reload;                                \
  } while (0)

reload : {
  const Frame& frame = f.frames.back();
  function = frame.function;
  code = m_.functions[function].code.data();
  pc = frame.pc;
  base = f.values.data();
  sp = base + f.top;
  stack = base + frame.stack_base;
  locals = localsOf(f, f.frames.size() - 1);
}

  for (;;) {
    if (budget_ == 0)
      RUNTIME(
          fmt::format("the step ran more than {} instructions without waiting (a loop that "
                      "never ends?)",
                      o_.max_instructions));
    --budget_;
    const uint8_t* ip = code + pc;
    switch (static_cast<Opcode>(*ip)) {
      // ---- stack, constants and locals ----
      case Opcode::kNop:
        pc += 1;
        break;
      case Opcode::kPop:
        *--sp = Value();
        pc += 1;
        break;
      case Opcode::kDup:
        *sp = sp[-1];
        ++sp;
        pc += 1;
        break;
      case Opcode::kSwap:
        std::swap(sp[-1], sp[-2]);
        pc += 1;
        break;
      case Opcode::kConst:
        *sp++ = p_.constant(readU32(ip + 1));
        pc += 5;
        break;
      case Opcode::kConstNone:
        *sp++ = Value();
        pc += 1;
        break;
      case Opcode::kConstTrue:
        *sp++ = Value::boolean(true);
        pc += 1;
        break;
      case Opcode::kConstFalse:
        *sp++ = Value::boolean(false);
        pc += 1;
        break;
      case Opcode::kConstInt:
        *sp++ = Value::integer(readI32(ip + 1));
        pc += 5;
        break;
      case Opcode::kLoadLocal:
        *sp++ = locals[readU16(ip + 1)];
        pc += 3;
        break;
      case Opcode::kStoreLocal:
        locals[readU16(ip + 1)] = std::move(*--sp);
        pc += 3;
        break;

      // ---- control flow ----
      case Opcode::kJump:
        pc += 5 + readI32(ip + 1);
        break;
      case Opcode::kJumpIfFalse:
      case Opcode::kJumpIfTrue: {
        --sp;
        NEED(sp->tag() == Tag::kBool, "a conditional jump needs a bool");
        const bool jump = sp->asBool() == (*ip == static_cast<uint8_t>(Opcode::kJumpIfTrue));
        pc += 5 + (jump ? readI32(ip + 1) : 0);
        break;
      }
      case Opcode::kJumpIfNone:
        pc += 5 + (sp[-1].isNone() ? readI32(ip + 1) : 0);
        break;
      case Opcode::kJumpIfNotNone:
        pc += 5 + (sp[-1].isNone() ? 0 : readI32(ip + 1));
        break;
      case Opcode::kCall:
        SAVE();
        CONTINUE_WITH(call(f, readU32(ip + 1)));
      case Opcode::kCallNative: {
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
        break;
      }
      case Opcode::kReturn:
        SAVE();
        CONTINUE_WITH(ret(f));
      case Opcode::kFail: {
        NEED(sp[-1].tag() == Tag::kString, "Fail needs a string");
        RaisedError error{"fail", std::string(sp[-1].asString()), function, pc};
        *--sp = Value();
        SAVE();
        CONTINUE_WITH(raise(f, std::move(error)));
      }
      case Opcode::kTryBegin:
        f.handlers.push_back(Handler{static_cast<uint32_t>(f.frames.size() - 1),
                                     static_cast<uint32_t>(pc + 5 + readI32(ip + 1)),
                                     static_cast<uint32_t>(sp - stack)});
        pc += 5;
        break;
      case Opcode::kTryEnd:
        NEED(!f.handlers.empty() && f.handlers.back().frame == f.frames.size() - 1,
             "TryEnd without a TryBegin in its frame");
        f.handlers.pop_back();
        pc += 1;
        break;
      case Opcode::kFork: {
        const auto target = static_cast<uint32_t>(pc + 5 + readI32(ip + 1));
        SAVE();
        if (const Stop stop = fork(f, target); stop != Stop::kContinue) return stop;
        pc += 5;
        break;
      }
      case Opcode::kEndBranch:
        SAVE();
        return endBranch(f);
      case Opcode::kJoin:
        SAVE();
        CONTINUE_WITH(join(f));

        // ---- int ----
#define INT_BINARY(op_name, checked)                                   \
  case Opcode::op_name: {                                              \
    NEED(sp[-1].tag() == Tag::kInt && sp[-2].tag() == Tag::kInt,       \
         std::string_view(#op_name " needs two ints").substr(1));      \
    const Result<int64_t> r = checked(sp[-2].asInt(), sp[-1].asInt()); \
    if (!r) RUNTIME(std::string(base::errorPhrase(r.error())));        \
    --sp;                                                              \
    sp[-1] = Value::integer(*r);                                       \
    pc += 1;                                                           \
    break;                                                             \
  }
#define INT_COMPARE(op_name, op)                                  \
  case Opcode::op_name:                                           \
    NEED(sp[-1].tag() == Tag::kInt && sp[-2].tag() == Tag::kInt,  \
         std::string_view(#op_name " needs two ints").substr(1)); \
    --sp;                                                         \
    sp[-1] = Value::boolean(sp[-1].asInt() op sp[0].asInt());     \
    pc += 1;                                                      \
    break;

        INT_BINARY(kAddInt, base::checkedAdd)
        INT_BINARY(kSubInt, base::checkedSub)
        INT_BINARY(kMulInt, base::checkedMul)
        INT_BINARY(kDivInt, base::checkedDiv)
        INT_BINARY(kRemInt, base::checkedRem)
      case Opcode::kNegInt:
      case Opcode::kNegDur: {
        NEED(sp[-1].tag() == Tag::kInt, "negation needs an int");
        const Result<int64_t> r = base::checkedNeg(sp[-1].asInt());
        if (!r) RUNTIME(std::string(base::errorPhrase(r.error())));
        sp[-1] = Value::integer(*r);
        pc += 1;
        break;
      }
        INT_COMPARE(kLtInt, <)
        INT_COMPARE(kLeInt, <=)
        INT_COMPARE(kGtInt, >)
        INT_COMPARE(kGeInt, >=)

        // ---- decimal ----
#define DEC_BINARY(op_name, fn)                                           \
  case Opcode::op_name: {                                                 \
    NEED(sp[-1].tag() == Tag::kDecimal && sp[-2].tag() == Tag::kDecimal,  \
         std::string_view(#op_name " needs two decimals").substr(1));     \
    const Result<Decimal> r = fn(sp[-2].asDecimal(), sp[-1].asDecimal()); \
    if (!r) RUNTIME(std::string(base::errorPhrase(r.error())));           \
    --sp;                                                                 \
    sp[-1] = Value::decimal(*r);                                          \
    pc += 1;                                                              \
    break;                                                                \
  }
#define DEC_COMPARE(op_name, op)                                                        \
  case Opcode::op_name:                                                                 \
    NEED(sp[-1].tag() == Tag::kDecimal && sp[-2].tag() == Tag::kDecimal,                \
         std::string_view(#op_name " needs two decimals").substr(1));                   \
    --sp;                                                                               \
    sp[-1] = Value::boolean(base::compare(sp[-1].asDecimal(), sp[0].asDecimal()) op 0); \
    pc += 1;                                                                            \
    break;

        DEC_BINARY(kAddDec, base::add)
        DEC_BINARY(kSubDec, base::subtract)
        DEC_BINARY(kMulDec, base::multiply)
        DEC_BINARY(kDivDec, base::divide)
      case Opcode::kNegDec:
        NEED(sp[-1].tag() == Tag::kDecimal, "NegDec needs a decimal");
        sp[-1] = Value::decimal(sp[-1].asDecimal().negated());
        pc += 1;
        break;
        DEC_COMPARE(kLtDec, <)
        DEC_COMPARE(kLeDec, <=)
        DEC_COMPARE(kGtDec, >)
        DEC_COMPARE(kGeDec, >=)
      case Opcode::kIntToDec:
        NEED(sp[-1].tag() == Tag::kInt, "IntToDec needs an int");
        sp[-1] = Value::decimal(Decimal::fromInt(sp[-1].asInt()));
        pc += 1;
        break;

      // ---- money ----
      case Opcode::kAddMoney:
      case Opcode::kSubMoney: {
        NEED(sp[-1].tag() == Tag::kMoney && sp[-2].tag() == Tag::kMoney, "needs two amounts");
        const Money a = sp[-2].asMoney(), b = sp[-1].asMoney();
        const Result<Money> r =
            *ip == static_cast<uint8_t>(Opcode::kAddMoney) ? base::add(a, b) : base::subtract(a, b);
        if (!r) RUNTIME(moneyError(r.error(), a, b));
        --sp;
        sp[-1] = Value::money(*r);
        pc += 1;
        break;
      }
      case Opcode::kMulMoneyInt:
      case Opcode::kDivMoneyInt: {
        NEED(sp[-2].tag() == Tag::kMoney && sp[-1].tag() == Tag::kInt,
             "needs an amount and an int");
        const Money a = sp[-2].asMoney();
        const int64_t b = sp[-1].asInt();
        const Result<Money> r = *ip == static_cast<uint8_t>(Opcode::kMulMoneyInt)
                                    ? base::multiply(a, b)
                                    : base::divide(a, b);
        if (!r) RUNTIME(std::string(base::errorPhrase(r.error())));
        --sp;
        sp[-1] = Value::money(*r);
        pc += 1;
        break;
      }
      case Opcode::kMulMoneyDec:
      case Opcode::kDivMoneyDec: {
        NEED(sp[-2].tag() == Tag::kMoney && sp[-1].tag() == Tag::kDecimal,
             "needs an amount and a decimal");
        const Money a = sp[-2].asMoney();
        const Decimal b = sp[-1].asDecimal();
        const Result<Money> r = *ip == static_cast<uint8_t>(Opcode::kMulMoneyDec)
                                    ? base::multiply(a, b)
                                    : base::divide(a, b);
        if (!r) RUNTIME(std::string(base::errorPhrase(r.error())));
        --sp;
        sp[-1] = Value::money(*r);
        pc += 1;
        break;
      }
      case Opcode::kDivMoneyMoney: {
        NEED(sp[-1].tag() == Tag::kMoney && sp[-2].tag() == Tag::kMoney, "needs two amounts");
        const Money a = sp[-2].asMoney(), b = sp[-1].asMoney();
        const Result<Decimal> r = base::divide(a, b);
        if (!r) RUNTIME(moneyError(r.error(), a, b));
        --sp;
        sp[-1] = Value::decimal(*r);
        pc += 1;
        break;
      }
      case Opcode::kNegMoney:
        NEED(sp[-1].tag() == Tag::kMoney, "NegMoney needs an amount");
        sp[-1] = Value::money(sp[-1].asMoney().negated());
        pc += 1;
        break;
      case Opcode::kLtMoney:
      case Opcode::kLeMoney:
      case Opcode::kGtMoney:
      case Opcode::kGeMoney: {
        NEED(sp[-1].tag() == Tag::kMoney && sp[-2].tag() == Tag::kMoney, "needs two amounts");
        const Money a = sp[-2].asMoney(), b = sp[-1].asMoney();
        const Result<std::weak_ordering> order = base::compare(a, b);
        if (!order) RUNTIME(mismatchText(a, b));
        bool holds = false;
        switch (static_cast<Opcode>(*ip)) {
          case Opcode::kLtMoney:
            holds = *order < 0;
            break;
          case Opcode::kLeMoney:
            holds = *order <= 0;
            break;
          case Opcode::kGtMoney:
            holds = *order > 0;
            break;
          default:
            holds = *order >= 0;
        }
        --sp;
        sp[-1] = Value::boolean(holds);
        pc += 1;
        break;
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
      case Opcode::kNot:
        NEED(sp[-1].tag() == Tag::kBool, "Not needs a bool");
        sp[-1] = Value::boolean(!sp[-1].asBool());
        pc += 1;
        break;
      case Opcode::kConcat:
      case Opcode::kInterpolate: {
        const uint32_t n = *ip == static_cast<uint8_t>(Opcode::kConcat) ? 2 : readU16(ip + 1);
        size_t size = 0;
        for (uint32_t i = 1; i <= n; ++i) {
          NEED(sp[-static_cast<ptrdiff_t>(i)].tag() == Tag::kString, "needs strings");
          size += sp[-static_cast<ptrdiff_t>(i)].asString().size();
        }
        if (size > kMaxStringBytes)
          RUNTIME(
              fmt::format("the text would be {} bytes long, more than {}", size, kMaxStringBytes));
        std::string text;
        text.reserve(size);
        for (uint32_t i = n; i >= 1; --i)
          text += sp[-static_cast<ptrdiff_t>(i)].asString();
        for (uint32_t i = 0; i < n; ++i)
          *--sp = Value();
        *sp++ = Value::string(std::move(text));
        pc += *ip == static_cast<uint8_t>(Opcode::kConcat) ? 1 : 3;
        break;
      }
      case Opcode::kToString: {
        if (sp[-1].tag() != Tag::kString) {
          std::string text;
          if (!appendPrinted(text, sp[-1], m_, readU32(ip + 1), kMaxStringBytes))
            RUNTIME(
                fmt::format("the printed value would be longer than {} bytes", kMaxStringBytes));
          sp[-1] = Value::string(std::move(text));
        }
        pc += 5;
        break;
      }
      case Opcode::kLtStr:
      case Opcode::kLeStr:
      case Opcode::kGtStr:
      case Opcode::kGeStr: {
        NEED(sp[-1].tag() == Tag::kString && sp[-2].tag() == Tag::kString, "needs two strings");
        // Byte order of UTF-8 is code point order.
        const int c = sp[-2].asString().compare(sp[-1].asString());
        bool holds = false;
        switch (static_cast<Opcode>(*ip)) {
          case Opcode::kLtStr:
            holds = c < 0;
            break;
          case Opcode::kLeStr:
            holds = c <= 0;
            break;
          case Opcode::kGtStr:
            holds = c > 0;
            break;
          default:
            holds = c >= 0;
        }
        *--sp = Value();
        sp[-1] = Value::boolean(holds);
        pc += 1;
        break;
      }

      // ---- equality ----
      case Opcode::kEq:
      case Opcode::kNe: {
        const bool equal = valueEquals(sp[-2], sp[-1]);
        *--sp = Value();
        sp[-1] = Value::boolean(equal == (*ip == static_cast<uint8_t>(Opcode::kEq)));
        pc += 5;
        break;
      }

      // ---- lists, maps, records ----
      case Opcode::kMakeList: {
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
        break;
      }
      case Opcode::kMakeMap: {
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
        break;
      }
      case Opcode::kMakeRecord: {
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
        break;
      }
      case Opcode::kGetField: {
        const uint32_t i = readU16(ip + 1);
        NEED(sp[-1].tag() == Tag::kRecord && i < sp[-1].recordFields().size(),
             "GetField needs a record with that field");
        Value field = sp[-1].recordFields()[i];
        sp[-1] = std::move(field);
        pc += 3;
        break;
      }
      case Opcode::kIndexList:
      case Opcode::kListAt: {
        NEED(sp[-2].tag() == Tag::kList && sp[-1].tag() == Tag::kInt, "needs a list and an int");
        const int64_t i = sp[-1].asInt();
        const size_t n = sp[-2].listLength();
        if (i < 0 || static_cast<uint64_t>(i) >= n)
          RUNTIME(fmt::format("index {} is out of range for a list of {} item{}", i, n,
                              n == 1 ? "" : "s"));
        Value item = sp[-2].listItems()[static_cast<size_t>(i)];
        --sp;
        sp[-1] = std::move(item);
        pc += 1;
        break;
      }
      case Opcode::kIndexMap: {
        NEED(sp[-2].tag() == Tag::kMap && sp[-1].tag() == Tag::kString,
             "IndexMap needs a map and a string");
        const Value* found = mapFind(sp[-2], sp[-1].asString());
        Value item = found ? *found : Value();
        *--sp = Value();
        sp[-1] = std::move(item);
        pc += 1;
        break;
      }
      case Opcode::kInList: {
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
        break;
      }
      case Opcode::kListLength:
        NEED(sp[-1].tag() == Tag::kList, "ListLength needs a list");
        sp[-1] = Value::integer(static_cast<int64_t>(sp[-1].listLength()));
        pc += 1;
        break;

      // ---- effects ----
      case Opcode::kCallConnector:
      case Opcode::kApproval:
      case Opcode::kTask:
      case Opcode::kAwait:
      case Opcode::kSleep:
      case Opcode::kSleepUntil:
      case Opcode::kStartChild:
      case Opcode::kSpawn:
      case Opcode::kNote:
      case Opcode::kNotify:
      case Opcode::kNow:
      case Opcode::kMock:
      case Opcode::kMockFails:
      case Opcode::kStartRun:
      case Opcode::kAdvance:
      case Opcode::kDecide:
      case Opcode::kSend:
      case Opcode::kExpect:
      case Opcode::kExpectCalled:
      case Opcode::kRunField: {
        SAVE();
        const bytecode::Instruction in =
            *bytecode::decodeInstruction(m_.functions[function].code, pc);
        return effect(f, in);
      }
      default:
        NEED(false, fmt::format("byte {:#04x} is not an opcode", *ip));
    }
  }
#undef INT_BINARY
#undef INT_COMPARE
#undef DEC_BINARY
#undef DEC_COMPARE
#undef CONTINUE_WITH
#undef RUNTIME
#undef NEED
#undef SAVE
}

}  // namespace rflow::vm::detail
