#include "bytecode/disasm.h"

#include <fmt/format.h>

#include <span>
#include <string_view>

#include "bytecode/hash.h"
#include "bytecode/names.h"
#include "bytecode/natives.h"
#include "bytecode/operands.h"

namespace rflow::bytecode {
namespace {

constexpr int64_t kMillisPerDay = 86'400'000;

// Days since 1970-01-01 -> civil date (proleptic Gregorian; H. Hinnant's algorithm).
void civilFromDays(int64_t days, int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
}

// UTC milliseconds as RFC 3339: 2024-03-01T09:00:00Z (with .mmm when not whole seconds).
std::string timeText(int64_t ms) {
  int64_t days = ms / kMillisPerDay;
  int64_t rest = ms % kMillisPerDay;
  if (rest < 0) {
    rest += kMillisPerDay;
    --days;
  }
  int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  civilFromDays(days, year, month, day);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", year, month, day,
                                rest / 3'600'000, rest / 60'000 % 60, rest / 1000 % 60);
  if (rest % 1000 != 0) out += fmt::format(".{:03}", rest % 1000);
  return out + "Z";
}

class Lister {
 public:
  Lister(const Module& m, DisasmOptions options) : m_(m), options_(options) {}

  std::string run() {
    if (!options_.tables) {
      for (size_t i = 0; i < m_.functions.size(); ++i)
        function(i);
      return std::move(out_);
    }
    header();
    files();
    types();
    records();
    enums();
    roles();
    constants();
    connectors();
    workflows();
    policies();
    triggers();
    tests();
    classifiers();
    figures();
    stages();
    waits();
    functions();
    return std::move(out_);
  }

 private:
  template <typename... Args>
  void line(fmt::format_string<Args...> format, Args&&... args) {
    out_ += fmt::format(format, std::forward<Args>(args)...);
    out_ += '\n';
  }

  std::string str(uint32_t id) const { return stringText(m_, id); }
  std::string type(TypeId id) const { return typeName(m_, id); }

  std::string fileName(uint32_t file) const {
    if (file >= m_.files.size()) return fmt::format("file#{}?", file);
    return str(m_.files[file].path);
  }

  std::string paramList(const std::vector<Param>& params) const {
    std::string out = "(";
    for (size_t i = 0; i < params.size(); ++i) {
      if (i > 0) out += ", ";
      out += str(params[i].name) + ": " + type(params[i].type);
    }
    return out + ")";
  }

  std::string typeList(const std::vector<TypeId>& types) const {
    std::string out = "(";
    for (size_t i = 0; i < types.size(); ++i) {
      if (i > 0) out += ", ";
      out += type(types[i]);
    }
    return out + ")";
  }

  // The type inside the optionals around `t`, when there is one within reach.
  std::optional<TypeId> unwrapped(TypeId t) const {
    for (uint32_t depth = 0; t < m_.types.size() && depth < kMaxShownTypeDepth; ++depth) {
      if (m_.types[t].tag != TypeTag::kOptional) return t;
      t = m_.types[t].element;
    }
    return std::nullopt;
  }
  TypeTag valueTag(TypeId t) const {
    const std::optional<TypeId> inner = unwrapped(t);
    return inner ? m_.types[*inner].tag : TypeTag::kVoid;
  }

  // A constant's value without its type: `1000.00 USD`, `"text"`, `[#1, #2]`.
  std::string value(ConstantId id) const {
    if (id >= m_.constants.size()) return fmt::format("#{}?", id);
    const Constant& c = m_.constants[id];
    const TypeTag tag = valueTag(c.type);
    switch (static_cast<ConstantKind>(c.value.index())) {
      case ConstantKind::kNone:
        return "none";
      case ConstantKind::kBool:
        return std::get<bool>(c.value) ? "true" : "false";
      case ConstantKind::kInt: {
        const int64_t v = std::get<int64_t>(c.value);
        if (tag == TypeTag::kDuration) return fmt::format("{}ms", v);
        if (tag == TypeTag::kTime) return timeText(v);
        return fmt::format("{}", v);
      }
      case ConstantKind::kDecimal:
        return escapeText(std::get<DecimalConstant>(c.value).digits, false);
      case ConstantKind::kMoney: {
        const MoneyConstant& money = std::get<MoneyConstant>(c.value);
        return escapeText(money.amount, false) + " " +
               escapeText(std::string_view(money.currency.data(), money.currency.size()), false);
      }
      case ConstantKind::kString: {
        const StringId s = std::get<StringId>(c.value);
        if (s >= m_.strings.size()) return fmt::format("#{}?", s);
        return escapeText(m_.strings[s], true);
      }
      case ConstantKind::kEnum: {
        const EnumConstant& e = std::get<EnumConstant>(c.value);
        if (e.enum_index >= m_.enums.size()) return fmt::format("enum#{}?", e.enum_index);
        // The type in front of the value already names the enum.
        const Enum& en = m_.enums[e.enum_index];
        return e.member < en.members.size() ? str(en.members[e.member])
                                            : fmt::format("#{}?", e.member);
      }
      case ConstantKind::kRole: {
        const uint32_t role = std::get<RoleConstant>(c.value).role;
        return role < m_.roles.size() ? str(m_.roles[role].name) : fmt::format("role#{}?", role);
      }
      case ConstantKind::kAggregate:
        return aggregate(c.type, std::get<AggregateConstant>(c.value));
    }
    return "?";
  }

  // Elements by reference, never expanded: a constant shared a thousand times (or nested
  // deeply) costs one line.
  std::string aggregate(TypeId t, const AggregateConstant& a) const {
    const TypeTag tag = valueTag(t);
    std::string out;
    if (tag == TypeTag::kMap) {
      out = "{";
      for (size_t i = 0; i < a.elements.size(); ++i) {
        out += i == 0 ? "" : i % 2 == 0 ? ", " : ": ";
        out += fmt::format("#{}", a.elements[i]);
      }
      return out + "}";
    }
    const Record* record = nullptr;
    if (tag == TypeTag::kRecord) {
      const uint32_t decl = m_.types[*unwrapped(t)].decl;
      if (decl < m_.records.size()) record = &m_.records[decl];
    }
    out = record ? "{" : "[";
    for (size_t i = 0; i < a.elements.size(); ++i) {
      if (i > 0) out += ", ";
      if (record && i < record->fields.size()) out += str(record->fields[i].name) + ": ";
      out += fmt::format("#{}", a.elements[i]);
    }
    return out + (record ? "}" : "]");
  }

  // `money 1000.00 USD`
  std::string constant(ConstantId id) const {
    if (id >= m_.constants.size()) return fmt::format("#{}?", id);
    return type(m_.constants[id].type) + " " + value(id);
  }

  void header() {
    std::string counts = fmt::format(
        "strings {}, types {}, records {}, enums {}, roles {}, constants {}, functions {}, "
        "workflows {}, connectors {}, ops {}, policies {}, triggers {}, tests {}, files {}",
        m_.strings.size(), m_.types.size(), m_.records.size(), m_.enums.size(), m_.roles.size(),
        m_.constants.size(), m_.functions.size(), m_.workflows.size(), m_.connectors.size(),
        m_.ops.size(), m_.policies.size(), m_.triggers.size(), m_.tests.size(), m_.files.size());
    if (!m_.classifiers.empty()) counts += fmt::format(", classifiers {}", m_.classifiers.size());
    if (!m_.figures.empty()) counts += fmt::format(", figures {}", m_.figures.size());
    if (!m_.stages.empty()) counts += fmt::format(", stages {}", m_.stages.size());
    if (options_.show_hash) {
      line("rflow module, format {}, hash {}", kFormatVersion,
           hashHex(m_.content_hash).substr(0, 12));
    } else {
      line("rflow module, format {}", kFormatVersion);
    }
    line("{}", counts);
  }

  void section(std::string_view name, size_t count) {
    if (count > 0) line("\n{}", name);
  }

  void files() {
    section("files", m_.files.size());
    for (size_t i = 0; i < m_.files.size(); ++i)
      line("  #{} {} (module {})", i, str(m_.files[i].path), str(m_.files[i].module));
  }

  void types() {
    section("types", m_.types.size());
    for (size_t i = 0; i < m_.types.size(); ++i)
      line("  #{} {}", i, type(static_cast<TypeId>(i)));
  }

  void records() {
    section("records", m_.records.size());
    for (size_t i = 0; i < m_.records.size(); ++i) {
      const Record& r = m_.records[i];
      static constexpr std::string_view kKinds[] = {"record", "signal", "builtin", "form", "data"};
      const auto kind = static_cast<size_t>(r.kind);
      std::string text = fmt::format(
          "  #{} {} {} {{", i, kind < std::size(kKinds) ? kKinds[kind] : "kind?", str(r.name));
      for (size_t k = 0; k < r.fields.size(); ++k) {
        const Field& f = r.fields[k];
        text += fmt::format("{} {}: {}", k == 0 ? "" : ",", str(f.name), type(f.type));
        if (f.default_value) text += " = " + value(*f.default_value);
      }
      line("{} }}", text);
    }
  }

  void enums() {
    section("enums", m_.enums.size());
    for (size_t i = 0; i < m_.enums.size(); ++i) {
      std::string members;
      for (size_t k = 0; k < m_.enums[i].members.size(); ++k)
        members += (k == 0 ? " " : ", ") + str(m_.enums[i].members[k]);
      line("  #{} {} {{{} }}", i, str(m_.enums[i].name), members);
    }
  }

  void roles() {
    section("roles", m_.roles.size());
    for (size_t i = 0; i < m_.roles.size(); ++i) {
      const uint32_t title = m_.roles[i].title;
      line("  #{} {} {}", i, str(m_.roles[i].name),
           title < m_.strings.size() ? escapeText(m_.strings[title], true)
                                     : fmt::format("#{}?", title));
    }
  }

  void constants() {
    section("constants", m_.constants.size());
    for (size_t i = 0; i < m_.constants.size(); ++i)
      line("  #{} {}", i, constant(static_cast<ConstantId>(i)));
  }

  void connectors() {
    section("connectors", m_.connectors.size());
    for (const Connector& c : m_.connectors) {
      line("  {}", str(c.name));
      for (uint64_t op = c.first_op; op < uint64_t{c.first_op} + c.op_count && op < m_.ops.size();
           ++op) {
        const ConnectorOp& o = m_.ops[op];
        line("    op #{} {}{} -> {}", op, str(o.name), paramList(o.params), type(o.result));
      }
    }
  }

  void workflows() {
    section("workflows", m_.workflows.size());
    for (size_t i = 0; i < m_.workflows.size(); ++i) {
      const Workflow& w = m_.workflows[i];
      line("  #{} {}{} -> {}", i, str(w.name), paramList(w.params), type(w.result));
      std::string parts = "body " + functionName(m_, w.body);
      if (w.owner) parts += ", owner " + str(*w.owner);
      if (w.key) parts += ", key " + functionName(m_, *w.key);
      if (w.sla) parts += ", sla " + functionName(m_, *w.sla);
      if (w.breach) parts += ", breach " + functionName(m_, *w.breach);
      if (w.sla_calendar) parts += ", sla in " + str(*w.sla_calendar);
      line("    {}", parts);
    }
  }

  void policies() {
    section("policies", m_.policies.size());
    for (size_t i = 0; i < m_.policies.size(); ++i) {
      const Policy& p = m_.policies[i];
      line("  #{} {} policy {}: {}", i, p.kind == PolicyKind::kApproval ? "approval" : "task",
           str(p.name), functionName(m_, p.function));
    }
  }

  void triggers() {
    section("triggers", m_.triggers.size());
    for (size_t i = 0; i < m_.triggers.size(); ++i) {
      const Trigger& t = m_.triggers[i];
      const uint32_t s = t.source;
      line("  #{} on {} {}{} start {}: {}", i, t.kind == TriggerKind::kEvent ? "event" : "schedule",
           s < m_.strings.size() ? escapeText(m_.strings[s], true) : fmt::format("#{}?", s),
           paramList(t.params), workflowName(m_, t.workflow), functionName(m_, t.function));
    }
  }

  std::string classifierName(uint32_t c) const {
    if (c >= m_.classifiers.size()) return fmt::format("classifier#{}?", c);
    return str(m_.classifiers[c].name);
  }

  void classifiers() {
    section("classifiers", m_.classifiers.size());
    for (size_t i = 0; i < m_.classifiers.size(); ++i) {
      const Classifier& c = m_.classifiers[i];
      line("  #{} {} -> {} threshold {} (record #{})", i, str(c.name),
           c.labels < m_.enums.size() ? str(m_.enums[c.labels].name)
                                      : fmt::format("enum#{}?", c.labels),
           c.threshold.digits, c.record);
    }
  }

  void figures() {
    if (m_.figures.empty()) return;
    section("figures", m_.figures.size());
    const auto figure = [&](std::string_view word, size_t i, const Figure& f) {
      line("    {} #{} {}: {}{}", word, i, str(f.name), type(f.type),
           f.function ? " = " + functionName(m_, *f.function) : "");
    };
    for (const WorkflowFigures& f : m_.figures) {
      line("  {}", workflowName(m_, f.workflow));
      for (size_t i = 0; i < f.tracks.size(); ++i)
        figure("track", i, f.tracks[i]);
      for (size_t i = 0; i < f.measures.size(); ++i)
        figure("measure", i, f.measures[i]);
    }
  }

  void waits() {
    if (m_.waits.empty()) return;
    section("waits", m_.waits.size());
    for (const WaitPlace& p : m_.waits) {
      std::string live;
      for (const LiveLocal& l : p.live)
        live += fmt::format("{}{} {}: {}{}", live.empty() ? "" : ", ", l.slot, str(l.name),
                            type(l.type),
                            l.default_value ? fmt::format(" = #{}", *l.default_value) : "");
      line("  {} {:04} {} {:?} #{}{}{}{} ({})", workflowName(m_, p.workflow), p.pc,
           waitPlaceKindName(p.kind), str(p.stage), p.ordinal,
           (p.flags & kWaitInParallel) != 0 ? " in parallel" : "",
           (p.flags & kWaitInTry) != 0 ? " in try" : "",
           p.calendar ? fmt::format(" in calendar {:?}", str(*p.calendar)) : "", live);
    }
  }

  void stages() {
    if (m_.stages.empty()) return;
    section("stages", m_.stages.size());
    for (const Stage& st : m_.stages)
      line("  {} {:?}", type(st.data_type), str(st.name));
  }

  void tests() {
    section("tests", m_.tests.size());
    for (size_t i = 0; i < m_.tests.size(); ++i) {
      const Test& t = m_.tests[i];
      line("  #{} {}: {} at {}:{}", i,
           t.title < m_.strings.size() ? escapeText(m_.strings[t.title], true)
                                       : fmt::format("#{}?", t.title),
           functionName(m_, t.function), fileName(t.file), t.line);
    }
  }

  std::string operands(const Instruction& in) const {
    const auto a = static_cast<uint32_t>(in.a);
    const auto b = static_cast<uint32_t>(in.b);
    switch (in.opcode) {
      case Opcode::kConst:
        return fmt::format(" #{} ({})", a, constant(a));
      case Opcode::kCall:
        return " " + functionName(m_, a);
      case Opcode::kCallNative: {
        const std::optional<NativeInfo> native = nativeInfo(a);
        if (!native) return fmt::format(" #{}? {}", a, b);
        if (native->arity != b) return fmt::format(" {} {}?", native->name, b);
        return fmt::format(" {}", native->name);
      }
      case Opcode::kToString:
      case Opcode::kEq:
      case Opcode::kNe:
      case Opcode::kInList:
      case Opcode::kMakeRecord:
      case Opcode::kApproval:
        return " " + type(a);
      case Opcode::kMakeList:
      case Opcode::kMakeMap:
        return fmt::format(" {} {}", type(a), b);
      case Opcode::kTask:
        return fmt::format(" {} {}", type(a), type(b));
      case Opcode::kAwait:
        return fmt::format(" {}{}", type(a), b != 0 ? " [timeout]" : "");
      case Opcode::kCallConnector: {
        std::string options;
        static constexpr std::string_view kOptions[] = {"retry", "every", "backoff", "timeout"};
        for (unsigned bit = 0; bit < 8; ++bit) {
          if ((b & (1u << bit)) == 0) continue;
          options += options.empty() ? " [" : " ";
          options += bit < 4 ? std::string(kOptions[bit]) : fmt::format("bit{}?", bit);
        }
        return " " + opName(m_, a) + options + (options.empty() ? "" : "]");
      }
      case Opcode::kStartChild:
      case Opcode::kSpawn:
      case Opcode::kStartRun:
        return " " + workflowName(m_, a);
      case Opcode::kMock:
        return fmt::format(" {} -> {} (captures {})", opName(m_, a), functionName(m_, b), in.c);
      case Opcode::kMockFails:
      case Opcode::kExpectCalled:
        return " " + opName(m_, a);
      case Opcode::kClassify:
      case Opcode::kLearn:
      case Opcode::kExpectLearned:
        return " " + classifierName(a);
      case Opcode::kMeasure:
        return fmt::format(" #{} ({})", a, measureName(a));
      case Opcode::kMockClassify:
        return fmt::format(" {} -> {} (captures {})", classifierName(a), functionName(m_, b), in.c);
      case Opcode::kRunField: {
        static constexpr std::string_view kFields[] = {"status", "result", "error",        "task",
                                                       "tasks",  "notes",  "notifications"};
        return a < std::size(kFields) ? " " + std::string(kFields[a]) : fmt::format(" {}?", a);
      }
      case Opcode::kDecide: {
        static constexpr std::string_view kKinds[] = {"approve", "reject", "complete"};
        std::string out =
            a < std::size(kKinds) ? " " + std::string(kKinds[a]) : fmt::format(" {}?", a);
        if (b & 1) out += a == 2 ? " [form]" : " [comment]";
        if (b & 2) out += " [refused]";
        if (b & ~3u) out += fmt::format(" [flags {}?]", b);
        return out;
      }
      case Opcode::kExpect: {
        std::string out = fmt::format(" #{} ({})", a, value(a));
        if (b & 1) out += " [comparison]";
        if (b & 2) out += " [message]";
        if (b & ~3u) out += fmt::format(" [flags {}?]", b);
        return out;
      }
      default:
        break;
    }
    if (const std::optional<int64_t> target = branchTarget(in))
      return fmt::format(" -> {:04}", *target);
    switch (opcodeInfo(static_cast<uint8_t>(in.opcode))->layout) {
      case OperandLayout::kNone:
        return "";
      case OperandLayout::kU8:
      case OperandLayout::kU16:
      case OperandLayout::kU32:
      case OperandLayout::kI32:
        return fmt::format(" {}", in.a);
      case OperandLayout::kU32U32U8:
        return fmt::format(" {} {} {}", in.a, in.b, in.c);
      default:
        return fmt::format(" {} {}", in.a, in.b);
    }
  }

  void code(const Function& f) {
    const std::span<const uint8_t> bytes(f.code);
    size_t next_line = 0;
    std::optional<uint32_t> shown_line;
    for (uint32_t pc = 0; pc < bytes.size();) {
      while (next_line < f.lines.size() && f.lines[next_line].pc <= pc) {
        const uint32_t l = f.lines[next_line++].line;
        if (shown_line != l) {
          std::string_view text = options_.source_line ? options_.source_line(f.file, l) : "";
          while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
            text.remove_prefix(1);
          if (text.empty()) {
            line("    ; line {}", l);
          } else {
            line("    ; line {}: {}", l, escapeText(text, false, 120));
          }

          shown_line = l;
        }
      }
      const std::optional<Instruction> in = decodeInstruction(bytes, pc);
      if (!in) {
        line("    {:04}  ({} bytes that are no instruction)", pc, bytes.size() - pc);
        return;
      }
      line("    {:04}  {}{}", pc, opcodeInfo(bytes[pc])->name, operands(*in));
      pc += in->size;
    }
  }

  void functions() {
    section("functions", m_.functions.size());
    for (size_t i = 0; i < m_.functions.size(); ++i)
      function(i);
  }

  void function(size_t i) {
    const Function& f = m_.functions[i];
    function_ = static_cast<FunctionId>(i);
    line("  #{} {} {}{} -> {}", i, functionKindName(f.kind), str(f.name), typeList(f.params),
         type(f.result));
    line("    file {}, max_stack {}, locals {}", fileName(f.file), f.max_stack, typeList(f.locals));
    code(f);
  }

  // `Measure m` names measures[m] of the workflow whose body holds it (the only place the
  // checker allows the statement); elsewhere, or past its measures, "?" says so.
  std::string measureName(uint32_t measure) const {
    for (uint32_t w = 0; w < m_.workflows.size(); ++w) {
      const Workflow& wf = m_.workflows[w];
      if (wf.body != function_) continue;
      const WorkflowFigures* figures = figuresOf(m_, w);
      if (figures != nullptr && measure < figures->measures.size())
        return str(figures->measures[measure].name);
    }
    return "?";
  }

  const Module& m_;
  DisasmOptions options_;
  std::string out_;
  FunctionId function_ = 0;  // the function being listed
};

}  // namespace

std::string disassemble(const Module& module, DisasmOptions options) {
  return Lister(module, options).run();
}

}  // namespace rflow::bytecode
