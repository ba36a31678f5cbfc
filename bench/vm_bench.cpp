// bench_vm: the interpreter and the state codec on hand-built modules (no compiler),
// best of RUNS runs, printed as a table. Rows:
//
//   int loop            while i < n { s = s + i; i = i + 1 }: instructions per second
//   money loop          total = total + price * qty; rate = rate + 0.075: loop turns/s
//   record building     Line { sku, qty, price } then .price: records per second
//   list append         xs = append(xs, i): appends per second
//   calls               fib(25), recursive: calls per second
//   interpolation       "{sku}: {qty} x {price}" with ToString: strings per second
//   suspend round trip  connector call -> Waiting -> encodeState -> decodeState ->
//                       resume -> run, for the parallel sample of 3 branches: round
//                       trips per second, and the bytes of one suspended state
//
// Usage: bench_vm [SCALE] [RUNS] (SCALE multiplies the loop counts, default 1).
#include <fmt/format.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bytecode/emit.h"
#include "vm/interpreter.h"
#include "vm/program.h"
#include "vm/state_codec.h"

namespace {

using namespace rflow;
using bytecode::InstructionWriter;
using bytecode::TypeId;
using bytecode::TypeTag;
using O = bytecode::Opcode;

// A module under construction, just enough for these benchmarks.
struct Builder {
  bytecode::Module m;

  Builder() {
    m.strings.push_back("bench.rflow");
    m.files.push_back({0, 0});
  }
  uint32_t str(std::string s) {
    m.strings.push_back(std::move(s));
    return static_cast<uint32_t>(m.strings.size() - 1);
  }
  TypeId type(TypeTag tag, uint32_t element_or_decl = 0) {
    bytecode::Type t{tag};
    if (tag == TypeTag::kList || tag == TypeTag::kMap || tag == TypeTag::kOptional)
      t.element = element_or_decl;
    if (tag == TypeTag::kRecord || tag == TypeTag::kEnum) t.decl = element_or_decl;
    m.types.push_back(t);
    return static_cast<TypeId>(m.types.size() - 1);
  }
  template <typename V>
  uint32_t constant(TypeId type, V value) {
    bytecode::Constant& c = m.constants.emplace_back();
    c.type = type;
    c.value.template emplace<V>(std::move(value));
    return static_cast<uint32_t>(m.constants.size() - 1);
  }
  uint32_t function(std::string name, std::vector<TypeId> params, TypeId result,
                    std::vector<TypeId> locals, const std::function<void(InstructionWriter&)>& body,
                    bytecode::FunctionKind kind = bytecode::FunctionKind::kFn) {
    bytecode::Function f;
    f.name = str(std::move(name));
    f.kind = kind;
    f.params = std::move(params);
    f.result = result;
    f.locals = std::move(locals);
    f.max_stack = 16;
    InstructionWriter w;
    w.setLine(1);
    body(w);
    w.finish(f);
    m.functions.push_back(std::move(f));
    return static_cast<uint32_t>(m.functions.size() - 1);
  }
  std::shared_ptr<const vm::Program> program() {
    auto loaded = vm::Program::load(m);
    if (auto* error = std::get_if<std::string>(&loaded)) {
      fmt::print(stderr, "bench module does not load: {}\n", *error);
      std::exit(1);
    }
    return std::get<std::shared_ptr<const vm::Program>>(loaded);
  }
};

double seconds(const std::function<void()>& work, int runs) {
  return bench::bestSeconds(runs, work);
}

vm::Value runToEnd(const std::shared_ptr<const vm::Program>& p, uint32_t f,
                   std::vector<vm::Value> args) {
  vm::Options options;
  options.max_instructions = UINT64_MAX;
  auto started = vm::Instance::start(p, f, std::move(args), options);
  vm::Instance instance = std::get<vm::Instance>(std::move(started));
  vm::Outcome o = instance.run();
  if (auto* c = std::get_if<vm::Completed>(&o)) return c->result;
  if (auto* fail = std::get_if<vm::Failure>(&o)) fmt::print(stderr, "failed: {}\n", fail->text());
  std::exit(1);
}

// while i < n { body(i) ; i = i + 1 } with i in slot `i`, n in slot 0.
void loop(InstructionWriter& w, uint16_t i, const std::function<void()>& body) {
  w.emit(O::kConstInt, 0);
  w.emit(O::kStoreLocal, i);
  const uint32_t head = w.offset();
  w.emit(O::kLoadLocal, i);
  w.emit(O::kLoadLocal, 0);
  w.emit(O::kLtInt);
  const uint32_t exit = w.emitJump(O::kJumpIfFalse);
  body();
  w.emit(O::kLoadLocal, i);
  w.emit(O::kConstInt, 1);
  w.emit(O::kAddInt);
  w.emit(O::kStoreLocal, i);
  w.emitJumpTo(O::kJump, head);
  w.patchJumpHere(exit);
}

struct Row {
  std::string name;
  double per_second;
  std::string unit;
  std::string note;
};

}  // namespace

int main(int argc, char** argv) {
  const int64_t scale = argc > 1 ? std::max<int64_t>(1, std::atoll(argv[1])) : 1;
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  std::vector<Row> rows;

  Builder b;
  const TypeId t_int = b.type(TypeTag::kInt);
  const TypeId t_decimal = b.type(TypeTag::kDecimal);
  const TypeId t_money = b.type(TypeTag::kMoney);
  const TypeId t_string = b.type(TypeTag::kString);
  const TypeId t_int_list = b.type(TypeTag::kList, t_int);
  const uint32_t line_record = static_cast<uint32_t>(b.m.records.size());
  b.m.records.push_back({b.str("bench.Line"),
                         bytecode::RecordKind::kRecord,
                         {{b.str("sku"), t_string, std::nullopt},
                          {b.str("qty"), t_int, std::nullopt},
                          {b.str("price"), t_money, std::nullopt}}});
  const TypeId t_line = b.type(TypeTag::kRecord, line_record);
  const uint32_t c_price = b.constant(t_money, bytecode::MoneyConstant{"3.20", {'U', 'S', 'D'}});
  const uint32_t c_zero_usd = b.constant(t_money, bytecode::MoneyConstant{"0.00", {'U', 'S', 'D'}});
  const uint32_t c_rate = b.constant(t_decimal, bytecode::DecimalConstant{"0.075"});
  const uint32_t c_zero = b.constant(t_decimal, bytecode::DecimalConstant{"0"});
  const uint32_t c_sku = b.constant(t_string, b.str("A-1"));
  const uint32_t c_colon = b.constant(t_string, b.str(": "));
  const uint32_t c_times = b.constant(t_string, b.str(" x "));

  // Instructions per turn of `loop` around a body of k instructions: 4 head + k + 5 tail.
  const uint32_t int_loop =
      b.function("bench.ints", {t_int}, t_int, {t_int, t_int}, [&](InstructionWriter& w) {
        w.emit(O::kConstInt, 0);
        w.emit(O::kStoreLocal, 2);
        loop(w, 1, [&] {
          w.emit(O::kLoadLocal, 2);
          w.emit(O::kLoadLocal, 1);
          w.emit(O::kAddInt);
          w.emit(O::kStoreLocal, 2);
        });
        w.emit(O::kLoadLocal, 2);
        w.emit(O::kReturn);
      });
  const uint32_t money_loop = b.function("bench.money", {t_int}, t_money,
                                         {t_int, t_money, t_decimal}, [&](InstructionWriter& w) {
                                           w.emit(O::kConst, c_zero_usd);
                                           w.emit(O::kStoreLocal, 2);
                                           w.emit(O::kConst, c_zero);
                                           w.emit(O::kStoreLocal, 3);
                                           loop(w, 1, [&] {
                                             w.emit(O::kLoadLocal, 2);
                                             w.emit(O::kConst, c_price);
                                             w.emit(O::kConstInt, 7);
                                             w.emit(O::kMulMoneyInt);
                                             w.emit(O::kAddMoney);
                                             w.emit(O::kStoreLocal, 2);
                                             w.emit(O::kLoadLocal, 3);
                                             w.emit(O::kConst, c_rate);
                                             w.emit(O::kAddDec);
                                             w.emit(O::kStoreLocal, 3);
                                           });
                                           w.emit(O::kLoadLocal, 2);
                                           w.emit(O::kReturn);
                                         });
  const uint32_t records =
      b.function("bench.records", {t_int}, t_int, {t_int, t_int}, [&](InstructionWriter& w) {
        loop(w, 1, [&] {
          w.emit(O::kConst, c_sku);
          w.emit(O::kLoadLocal, 1);
          w.emit(O::kConst, c_price);
          w.emit(O::kMakeRecord, t_line);
          w.emit(O::kGetField, 1);
          w.emit(O::kStoreLocal, 2);
        });
        w.emit(O::kLoadLocal, 2);
        w.emit(O::kReturn);
      });
  const uint32_t appends =
      b.function("bench.append", {t_int}, t_int, {t_int, t_int_list}, [&](InstructionWriter& w) {
        w.emit(O::kMakeList, t_int_list, 0);
        w.emit(O::kStoreLocal, 2);
        loop(w, 1, [&] {
          w.emit(O::kLoadLocal, 2);
          w.emit(O::kLoadLocal, 1);
          w.emit(O::kCallNative, 13, 2);
          w.emit(O::kStoreLocal, 2);
        });
        w.emit(O::kLoadLocal, 2);
        w.emit(O::kListLength);
        w.emit(O::kReturn);
      });
  const auto fib = static_cast<uint32_t>(b.m.functions.size());
  (void)b.function("bench.fib", {t_int}, t_int, {}, [&](InstructionWriter& w) {
    w.emit(O::kLoadLocal, 0);
    w.emit(O::kConstInt, 2);
    w.emit(O::kLtInt);
    const uint32_t recurse = w.emitJump(O::kJumpIfFalse);
    w.emit(O::kLoadLocal, 0);
    w.emit(O::kReturn);
    w.patchJumpHere(recurse);
    w.emit(O::kLoadLocal, 0);
    w.emit(O::kConstInt, 1);
    w.emit(O::kSubInt);
    w.emit(O::kCall, fib);
    w.emit(O::kLoadLocal, 0);
    w.emit(O::kConstInt, 2);
    w.emit(O::kSubInt);
    w.emit(O::kCall, fib);
    w.emit(O::kAddInt);
    w.emit(O::kReturn);
  });
  const uint32_t strings =
      b.function("bench.strings", {t_int}, t_int, {t_int, t_string}, [&](InstructionWriter& w) {
        loop(w, 1, [&] {
          w.emit(O::kConst, c_sku);
          w.emit(O::kConst, c_colon);
          w.emit(O::kLoadLocal, 1);
          w.emit(O::kToString, t_int);
          w.emit(O::kConst, c_times);
          w.emit(O::kConst, c_price);
          w.emit(O::kToString, t_money);
          w.emit(O::kInterpolate, 5);
          w.emit(O::kStoreLocal, 2);
        });
        w.emit(O::kConstInt, 0);
        w.emit(O::kReturn);
      });
  // parallel { a = get("a"); b = get("b"); c = get("c") } in a loop of n turns, then a+b+c.
  b.m.connectors.push_back({b.str("bench.sys"), 0, 1});
  b.m.ops.push_back({b.str("get"), {{b.str("sku"), t_string}}, t_int});
  const uint32_t waits = b.function(
      "bench.waits", {t_int}, t_int, {t_int, t_int, t_int, t_int, t_int},
      [&](InstructionWriter& w) {
        w.emit(O::kConstInt, 0);
        w.emit(O::kStoreLocal, 5);
        loop(w, 1, [&] {
          const uint32_t f1 = w.emitJump(O::kFork);
          const uint32_t f2 = w.emitJump(O::kFork);
          const uint32_t f3 = w.emitJump(O::kFork);
          w.emit(O::kJoin);
          const uint32_t after = w.emitJump(O::kJump);
          const uint32_t forks[] = {f1, f2, f3};
          for (uint16_t k = 0; k < 3; ++k) {
            w.patchJumpHere(forks[k]);
            w.emit(O::kConst, c_sku);
            w.emit(O::kCallConnector, 0, 0);
            w.emit(O::kStoreLocal, 2 + k);
            w.emit(O::kEndBranch);
          }
          w.patchJumpHere(after);
          w.emit(O::kLoadLocal, 5);
          w.emit(O::kLoadLocal, 2);
          w.emit(O::kAddInt);
          w.emit(O::kLoadLocal, 3);
          w.emit(O::kAddInt);
          w.emit(O::kLoadLocal, 4);
          w.emit(O::kAddInt);
          w.emit(O::kStoreLocal, 5);
        });
        w.emit(O::kLoadLocal, 5);
        w.emit(O::kReturn);
      },
      bytecode::FunctionKind::kWorkflow);
  const auto program = b.program();

  const int64_t n = 2'000'000 * scale;
  {
    const double s =
        seconds([&] { (void)runToEnd(program, int_loop, {vm::Value::integer(n)}); }, runs);
    const double instructions = static_cast<double>(n) * (4 + 4 + 5) + 6;
    rows.push_back({"int loop", instructions / s, "instructions/s",
                    fmt::format("{:.1f} ns per loop turn", s / n * 1e9)});
  }
  {
    const int64_t k = n / 4;
    const double s =
        seconds([&] { (void)runToEnd(program, money_loop, {vm::Value::integer(k)}); }, runs);
    rows.push_back({"money + decimal loop", k / s, "turns/s",
                    "MulMoneyInt, AddMoney, AddDec and 7 loads/stores per turn"});
  }
  {
    const int64_t k = n / 4;
    const double s =
        seconds([&] { (void)runToEnd(program, records, {vm::Value::integer(k)}); }, runs);
    rows.push_back({"record building", k / s, "records/s", "MakeRecord of 3 fields + GetField"});
  }
  {
    const int64_t k = n / 4;
    const double s =
        seconds([&] { (void)runToEnd(program, appends, {vm::Value::integer(k)}); }, runs);
    rows.push_back({"list append", k / s, "appends/s",
                    fmt::format("xs = append(xs, i), {} items at the end", k)});
  }
  {
    const int64_t calls = 242'785;  // fib(25) makes this many calls
    const double s = seconds([&] { (void)runToEnd(program, fib, {vm::Value::integer(25)}); }, runs);
    rows.push_back({"calls", calls / s, "calls/s", "fib(25), recursive"});
  }
  {
    const int64_t k = n / 10;
    const double s =
        seconds([&] { (void)runToEnd(program, strings, {vm::Value::integer(k)}); }, runs);
    rows.push_back({"interpolation", k / s, "strings/s", "\"{sku}: {qty} x {price}\""});
  }
  {
    // Each turn: 3 branches wait; the state is encoded and decoded; the 3 results come
    // back in one resume.
    const int64_t turns = std::max<int64_t>(1, n / 200);
    size_t state_bytes = 0;
    const double s = seconds(
        [&] {
          vm::Instance instance = std::get<vm::Instance>(
              vm::Instance::start(program, waits, {vm::Value::integer(turns)}));
          vm::Outcome o = instance.run();
          while (auto* w = std::get_if<vm::Waiting>(&o)) {
            const auto bytes = std::get<std::vector<uint8_t>>(vm::encodeState(instance));
            state_bytes = bytes.size();
            instance = std::get<vm::Instance>(vm::decodeState(program, bytes));
            std::vector<vm::Resumption> answers;
            for (const vm::PendingRequest& p : w->requests)
              answers.push_back({p.branch, vm::Value::integer(1)});
            if (instance.resume(std::move(answers))) std::exit(1);
            o = instance.run();
          }
        },
        runs);
    rows.push_back({"suspend round trip", turns / s, "round trips/s",
                    fmt::format("3 waiting branches; {} bytes per state", state_bytes)});
  }

  fmt::print("{:<22} {:>16}  {:<16} {}\n", "benchmark", "per second", "unit", "note");
  for (const Row& r : rows)
    fmt::print("{:<22} {:>16.0f}  {:<16} {}\n", r.name, r.per_second, r.unit, r.note);
  return 0;
}
