// bench_vm: rflow against Lua 5.4 on the same four programs, then a few interpreter and
// state-codec rows on hand-built modules.
//
// The four programs are real sources in bench/vm/, each once in rflow (X.rflow, entry
// `run(n: int)`) and once in Lua (X.lua, the same algorithm, run by `lua5.4 X.lua N RUNS`
// through harness.lua):
//
//   fib             recursive fib(32)
//   int_loop        a while loop of 50 million checked integer additions
//   decision_table  5 million evaluations of a six-rule decision table over records
//                   (amount, category, region), counting outcomes
//   concat          one million small string concatenations
//
// rflow's side compiles the source in-process (the compile time is a column of its own),
// loads the module, then times Instance::start + run of `run(n)`. Lua's side times
// run(n) inside the interpreter. Both clocks are the process's CPU time (os.clock in Lua,
// CLOCK_PROCESS_CPUTIME_ID here), best of RUNS, so neither interpreter start-up nor the
// other jobs of a shared machine count. Each side's answer is printed and compared: a
// difference fails the benchmark (exit 1). Without lua5.4 only rflow's column is printed.
//
// The other rows (hand-built modules, no compiler): a money and decimal loop, record
// building, list append, interpolation, and a suspend round trip (three parallel
// branches wait, the state is encoded and decoded, all three are resumed).
//
// Usage: bench_vm [--runs N] [--dir DIR] [--lua PROGRAM] [--divide K] [--only NAME]
//   --runs    best of N runs (default 5)
//   --dir     the folder of the programs (default: bench/vm in the source tree)
//   --lua     the Lua 5.4 interpreter (default: lua5.4 on PATH)
//   --divide  divides every program's n by K, for a quick check (default 1)
//   --only    runs only that program (e.g. for a profiler), and no hand-built rows
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bytecode/emit.h"
#include "diagnostics/render.h"
#include "driver/build.h"
#include "vm/interpreter.h"
#include "vm/program.h"
#include "vm/state_codec.h"

#ifndef RFLOW_SOURCE_DIR
#error "bench_vm needs RFLOW_SOURCE_DIR (set in bench/CMakeLists.txt)"
#endif

namespace {

using namespace rflow;
using bytecode::InstructionWriter;
using bytecode::TypeId;
using bytecode::TypeTag;
using O = bytecode::Opcode;

// ---- the four programs ----

struct BenchProgram {
  const char* name;  // X of X.rflow and X.lua
  int64_t n;         // run(n)
  const char* work;  // what run(n) does, for the table
};

constexpr BenchProgram kPrograms[] = {
    {"fib", 32, "fib(32), recursive"},
    {"int_loop", 50'000'000, "50M checked int additions"},
    {"decision_table", 5'000'000, "5M six-rule decisions"},
    {"concat", 1'000'000, "1M string concatenations"},
};

double cpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// The least CPU time of `runs` calls of `f`, in seconds.
template <typename F>
double bestCpuSeconds(int runs, F&& f) {
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    const double start = cpuSeconds();
    f();
    best = std::min(best, cpuSeconds() - start);
  }
  return best;
}

[[noreturn]] void die(const std::string& message) {
  fmt::print(stderr, "bench_vm: {}\n", message);
  std::exit(1);
}

struct Compiled {
  std::shared_ptr<const vm::Program> program;
  bytecode::FunctionId run = 0;
  double compile_seconds = 0;  // wall clock: parse, check, build
};

Compiled compileProgram(const std::string& path) {
  Compiled c;
  std::optional<compiler::BuildResult> built;
  c.compile_seconds = bench::bestSeconds(1, [&] {
    const std::string paths[] = {path};
    built = compiler::buildPaths(paths);
  });
  if (!built->module) {
    std::string text;
    for (const diagnostics::Diagnostic& d : built->check.diagnostics)
      text += diagnostics::renderText(d, built->check.sources);
    die(fmt::format("{} does not build:\n{}", path, text));
  }
  const bytecode::Module& m = *built->module;
  bool found = false;
  for (size_t i = 0; i < m.functions.size(); ++i) {
    const std::string& name = m.strings[m.functions[i].name];
    if (name.size() >= 4 && name.ends_with(".run")) {
      c.run = static_cast<bytecode::FunctionId>(i);
      found = true;
    }
  }
  if (!found) die(path + " has no function `run`");
  auto loaded = vm::Program::load(std::move(*built->module));
  if (auto* error = std::get_if<std::string>(&loaded))
    die(fmt::format("{} does not load: {}", path, *error));
  c.program = std::get<std::shared_ptr<const vm::Program>>(std::move(loaded));
  return c;
}

// Runs `function` of `program` with `args` to completion; dies on a failure.
vm::Value runToEnd(const std::shared_ptr<const vm::Program>& program, bytecode::FunctionId function,
                   std::vector<vm::Value> args) {
  vm::Options options;
  options.max_instructions = UINT64_MAX;
  auto started = vm::Instance::start(program, function, std::move(args), options);
  if (auto* why = std::get_if<std::string>(&started)) die("start refused: " + *why);
  vm::Instance instance = std::get<vm::Instance>(std::move(started));
  vm::Outcome o = instance.run();
  if (auto* c = std::get_if<vm::Completed>(&o)) return std::move(c->result);
  if (auto* fail = std::get_if<vm::Failure>(&o)) die("the instance failed: " + fail->text());
  die("the instance waits for something");
}

// An answer as Lua's tostring prints it: ints in decimal, strings as themselves.
std::string answerText(const vm::Value& v) {
  switch (v.tag()) {
    case vm::Tag::kInt:
      return std::to_string(v.asInt());
    case vm::Tag::kString:
      return std::string(v.asString());
    default:
      return fmt::format("<a {}>", vm::tagName(v.tag()));
  }
}

// The interpreter to run: `lua` itself when it names a file, else the first match on
// PATH; nullopt when there is none.
std::optional<std::string> findProgram(const std::string& lua) {
  if (lua.find('/') != std::string::npos)
    return access(lua.c_str(), X_OK) == 0 ? std::optional(lua) : std::nullopt;
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/bin:/bin";
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    const std::string candidate = fmt::format("{}/{}", dir.empty() ? "." : dir, lua);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  }
  return std::nullopt;
}

struct LuaResult {
  std::string answer;
  double seconds = 0;
};

// Runs `lua script n runs` and reads harness.lua's two lines; dies if it fails.
LuaResult runLua(const std::string& lua, const std::string& script, int64_t n, int runs) {
  int out[2];
  if (pipe(out) != 0) die("pipe failed");
  const std::string n_text = std::to_string(n), runs_text = std::to_string(runs);
  const pid_t child = fork();
  if (child < 0) die("fork failed");
  if (child == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(lua.c_str(), lua.c_str(), script.c_str(), n_text.c_str(), runs_text.c_str(),
          static_cast<char*>(nullptr));
    std::perror("exec");
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t got; (got = read(out[0], buffer, sizeof buffer)) > 0;)
    text.append(buffer, static_cast<size_t>(got));
  close(out[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    die(fmt::format("{} {} failed (status {}); its output:\n{}", lua, script, status, text));
  const size_t newline = text.find('\n');
  LuaResult r;
  r.answer = text.substr(0, newline);
  try {
    r.seconds = std::stod(text.substr(newline + 1));
  } catch (const std::exception&) {
    die(fmt::format("{} {} printed no time; its output:\n{}", lua, script, text));
  }
  return r;
}

void compareWithLua(int runs, const std::string& dir, const std::string& lua_name, int64_t divide,
                    const std::string& only) {
  const std::optional<std::string> lua = findProgram(lua_name);
  fmt::print("bench_vm: rflow and Lua 5.4 on the same programs ({}), best of {} runs, CPU time\n",
             dir, runs);
  if (!lua)
    fmt::print(
        "\n*** {} not found: printing rflow's column only (install Debian's lua5.4, "
        "scripts/setup.sh does) ***\n",
        lua_name);
  fmt::print("\n");

  struct Line {
    const BenchProgram* p;
    int64_t n;
    double compile, rflow;
    std::optional<double> lua;
    std::string answer, lua_answer;
  };
  std::vector<Line> lines;
  bool differ = false;
  for (const BenchProgram& p : kPrograms) {
    if (!only.empty() && only != p.name) continue;
    const int64_t n = std::max<int64_t>(1, p.n / divide);
    const Compiled c = compileProgram(fmt::format("{}/{}.rflow", dir, p.name));
    vm::Value result;
    const double rflow =
        bestCpuSeconds(runs, [&] { result = runToEnd(c.program, c.run, {vm::Value::integer(n)}); });
    Line line{&p, n, c.compile_seconds, rflow, std::nullopt, answerText(result), ""};
    if (lua) {
      LuaResult l = runLua(*lua, fmt::format("{}/{}.lua", dir, p.name), n, runs);
      line.lua = l.seconds;
      line.lua_answer = std::move(l.answer);
      differ = differ || line.lua_answer != line.answer;
    }
    lines.push_back(std::move(line));
  }

  fmt::print(
      "| program        | work                       | compile | rflow s | Lua s   | rflow/Lua "
      "|\n");
  fmt::print(
      "|----------------|----------------------------|---------|---------|---------|-----------|"
      "\n");
  for (const Line& l : lines) {
    const std::string work = l.n == l.p->n ? l.p->work : fmt::format("{}, n = {}", l.p->name, l.n);
    fmt::print("| {:<14} | {:<26} | {:5.1f}ms | {:7.3f} | {:>7} | {:>9} |\n", l.p->name, work,
               l.compile * 1e3, l.rflow, l.lua ? fmt::format("{:.3f}", *l.lua) : "-",
               l.lua ? fmt::format("{:.2f}", l.rflow / *l.lua) : "-");
  }
  fmt::print("\n");
  for (const Line& l : lines) {
    if (!l.lua)
      fmt::print("{:<14} answer: {}\n", l.p->name, l.answer);
    else if (l.lua_answer == l.answer)
      fmt::print("{:<14} answer: {} (the same in both)\n", l.p->name, l.answer);
    else
      fmt::print("{:<14} THE ANSWERS DIFFER: rflow {}, Lua {}\n", l.p->name, l.answer,
                 l.lua_answer);
  }
  if (lua) {
    fmt::print("\ngoal (rflow/Lua <= 1.0):");
    for (const Line& l : lines)
      fmt::print(" {} {};", l.p->name, l.rflow <= *l.lua ? "met" : "NOT met");
    fmt::print("\n");
  }
  if (differ) die("rflow and Lua computed different answers (see above)");
}

// ---- hand-built modules ----

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

void otherRows(int runs) {
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

  const int64_t n = 2'000'000;
  {
    const int64_t k = n / 4;
    const double s =
        bestCpuSeconds(runs, [&] { (void)runToEnd(program, money_loop, {vm::Value::integer(k)}); });
    rows.push_back({"money + decimal loop", k / s, "turns/s",
                    "MulMoneyInt, AddMoney, AddDec and 7 loads/stores per turn"});
  }
  {
    const int64_t k = n / 4;
    const double s =
        bestCpuSeconds(runs, [&] { (void)runToEnd(program, records, {vm::Value::integer(k)}); });
    rows.push_back({"record building", k / s, "records/s", "MakeRecord of 3 fields + GetField"});
  }
  {
    const int64_t k = n / 4;
    const double s =
        bestCpuSeconds(runs, [&] { (void)runToEnd(program, appends, {vm::Value::integer(k)}); });
    rows.push_back({"list append", k / s, "appends/s",
                    fmt::format("xs = append(xs, i), {} items at the end", k)});
  }
  {
    const int64_t k = n / 10;
    const double s =
        bestCpuSeconds(runs, [&] { (void)runToEnd(program, strings, {vm::Value::integer(k)}); });
    rows.push_back({"interpolation", k / s, "strings/s", "\"{sku}: {qty} x {price}\""});
  }
  {
    // Each turn: 3 branches wait; the state is encoded and decoded; the 3 results come
    // back in one resume.
    const int64_t turns = std::max<int64_t>(1, n / 200);
    size_t state_bytes = 0;
    const double s = bestCpuSeconds(runs, [&] {
      vm::Instance instance =
          std::get<vm::Instance>(vm::Instance::start(program, waits, {vm::Value::integer(turns)}));
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
    });
    rows.push_back({"suspend round trip", turns / s, "round trips/s",
                    fmt::format("3 waiting branches; {} bytes per state", state_bytes)});
  }

  fmt::print("\nhand-built modules, best of {} runs, CPU time\n\n", runs);
  fmt::print("{:<22} {:>16}  {:<16} {}\n", "benchmark", "per second", "unit", "note");
  for (const Row& r : rows)
    fmt::print("{:<22} {:>16.0f}  {:<16} {}\n", r.name, r.per_second, r.unit, r.note);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::string dir = RFLOW_SOURCE_DIR "/bench/vm";
  std::string lua = "lua5.4";
  int64_t divide = 1;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc)
      die(fmt::format("{} needs a value (see the usage at the top of vm_bench.cpp)", arg));
    const std::string value = argv[++i];
    if (arg == "--runs") {
      runs = std::max(1, std::atoi(value.c_str()));
    } else if (arg == "--dir") {
      dir = value;
    } else if (arg == "--lua") {
      lua = value;
    } else if (arg == "--only") {
      only = value;
    } else if (arg == "--divide") {
      divide = std::max<int64_t>(1, std::atoll(value.c_str()));
    } else {
      die("unknown option " + arg +
          "; usage: bench_vm [--runs N] [--dir DIR] [--lua PROGRAM] [--divide K] [--only NAME]");
    }
  }
  compareWithLua(runs, dir, lua, divide, only);
  if (!only.empty()) return 0;
  otherRows(runs);
  return 0;
}
