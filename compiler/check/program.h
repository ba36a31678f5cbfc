// The checked program: what name resolution and type checking know about a project,
// and everything code generation needs. Built by check::checkProject (check.h).
//
// Declarations live in per-kind tables (records, enums, functions, workflows …) indexed
// by plain integers; a module's scope maps names to Symbols pointing into them. Facts
// about expressions (their type, what a name refers to, which operation an operator
// is) are kept per file in vectors indexed by syntax::Expr::id, so the syntax tree stays
// untouched. Every body that becomes one bytecode function is a CodeUnit with its own
// local slots.
//
// Invariants: a declaration with a syntax error is entered in its module's scope (so
// uses of it do not cascade) but its body is never checked; the prelude (module
// `rflow`, stdlib/prelude.rflow) is module 0, and its names are visible everywhere.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "calendar/calendar.h"
#include "check/const_value.h"
#include "check/types.h"
#include "source/span.h"
#include "syntax/ast.h"

namespace rflow::check {

using source::Location;

// ---- Declarations --------------------------------------------------------------------

enum class SymbolKind : uint8_t {
  kRecord,      // index: Program::records (records and signals)
  kEnum,        // Program::enums
  kConst,       // Program::consts
  kRole,        // Program::roles
  kConnector,   // Program::connectors
  kFunction,    // Program::functions (fn and decision)
  kPolicy,      // Program::policies
  kWorkflow,    // Program::workflows
  kModule,      // an import alias; index: Program::modules
  kClassifier,  // Program::classifiers (also names its result record type)
  kCalendar,    // Program::calendars
};

struct Symbol {
  SymbolKind kind;
  uint32_t index;
};

// kClassification: the record a `classifier` declares (its result; intelligence.md §1).
enum class RecordKind : uint8_t { kRecord, kSignal, kBuiltin, kForm, kData, kClassification };

struct FieldInfo {
  std::string name;
  TypeId type = 0;
  std::optional<ConstValue> default_value;
  std::string doc;
  Location location;
};

// Facts shared by every kind of declaration.
struct DeclHeader {
  std::string name;        // qualified: "retail.common.Store"
  std::string short_name;  // "Store"
  uint32_t module = 0;
  std::string doc;
  Location location;                   // the declaration's name
  const syntax::Decl* decl = nullptr;  // null for synthesized and built-in entries
};

struct RecordInfo {
  DeclHeader header;
  RecordKind kind = RecordKind::kRecord;
  std::vector<FieldInfo> fields;

  // The index of field `name`, or -1.
  int fieldIndex(std::string_view field) const;
};

struct EnumMemberInfo {
  std::string name;
  std::string doc;
  Location location;
};

struct EnumInfo {
  DeclHeader header;
  std::vector<EnumMemberInfo> members;

  int memberIndex(std::string_view member) const;
};

struct RoleInfo {
  DeclHeader header;
  std::string title;  // the display name; the short name when none is given
};

enum class ResolveState : uint8_t { kPending, kResolving, kDone };

struct ConstInfo {
  DeclHeader header;
  TypeId type = 0;
  std::optional<ConstValue> value;  // empty when the initializer had an error
  ResolveState state = ResolveState::kPending;
};

struct ParamInfo {
  std::string name;
  TypeId type = 0;
  Location location;
};

struct ConnectorOpInfo {
  std::string name;
  std::vector<ParamInfo> params;
  TypeId result = 0;  // the void type when the operation returns nothing
  std::string doc;
  Location location;
};

struct ConnectorInfo {
  DeclHeader header;
  uint32_t first_op = 0;  // Program::ops[first_op, first_op + op_count)
  uint32_t op_count = 0;
};

enum class FunctionKind : uint8_t { kFn, kDecision };

struct FunctionInfo {
  DeclHeader header;
  FunctionKind kind = FunctionKind::kFn;
  std::vector<ParamInfo> params;
  TypeId result = 0;
  uint32_t unit = 0;  // its CodeUnit
};

// A `track name = e` of a workflow: a dimension its instances are listed and counted
// by. `unit` is a pure code unit over the parameters (kind kWorkflowKey: like the key it
// is evaluated at start, before the body).
struct TrackedInfo {
  std::string name;
  TypeId type = 0;
  uint32_t unit = 0;
  Location location;
};

// A measure of a workflow: its header `measure name = e` (`unit` set, evaluated at
// start) and every `measure name = e` statement name it. The first place that names it
// fixes its type and, when it is money known when compiling, its currency.
struct MeasureInfo {
  std::string name;
  TypeId type = 0;
  std::optional<uint32_t> unit;
  Location location;
  std::optional<std::string> currency;
  Location currency_location;
};

// At most this many tracked values and this many measures per workflow
// (intelligence.md §2): each is kept with every instance and in every aggregate.
inline constexpr size_t kMaxTracked = 8;
inline constexpr size_t kMaxMeasures = 8;

struct WorkflowInfo {
  DeclHeader header;
  std::vector<ParamInfo> params;
  TypeId result = 0;
  std::optional<std::string> owner;
  std::optional<int64_t> sla_millis;  // when the sla is a constant
  uint32_t body_unit = 0;
  std::optional<uint32_t> key_unit;
  std::optional<uint32_t> sla_unit;
  std::optional<uint32_t> breach_unit;
  // `sla d in C`: the calendar whose open time the sla counts (Program::calendars).
  std::optional<uint32_t> sla_calendar;
  std::vector<TrackedInfo> tracks;
  std::vector<MeasureInfo> measures;  // the header's first, then the statements' in order
};

enum class PolicyKind : uint8_t { kApproval, kTask };

struct PolicyInfo {
  DeclHeader header;
  PolicyKind kind = PolicyKind::kApproval;
  uint32_t unit = 0;
};

struct TriggerInfo {
  DeclHeader header;  // name: the event's name, or the cron expression
  bool schedule = false;
  std::vector<ParamInfo> params;
  std::optional<uint32_t> workflow;
  uint32_t unit = 0;
};

// `classifier Name -> E { threshold d }`. `record` is the record type `Name` it declares
// (label, best, confidence, runner_up, runner_up_confidence, model; the fields are filled
// in pass 2 once E is known). `labels` is an index into Program::enums, or empty when E
// is not an enum (reported; uses of the classifier then say nothing more).
struct ClassifierInfo {
  DeclHeader header;
  uint32_t record = 0;
  std::optional<uint32_t> labels;
  base::Decimal threshold;  // in (0, 1); 0.5 when not written
};

// The default `threshold` of a classifier (intelligence.md §1).
inline constexpr std::string_view kDefaultThreshold = "0.5";

// `calendar Name { zone …; open …; closed … }` (intelligence.md §3). `value` is complete
// once resolveCalendar has run; `valid` is false when the declaration had a mistake
// (reported), and then nothing is said about its uses beyond that.
struct CalendarInfo {
  DeclHeader header;
  calendar::Calendar value;
  bool valid = false;
};

struct TestInfo {
  DeclHeader header;  // name: the test's title
  uint32_t unit = 0;
};

struct ImportInfo {
  uint32_t module = 0;
  Location location;  // the import line
};

struct ModuleInfo {
  std::string name;  // "retail.common"
  source::FileId file = 0;
  const syntax::File* syntax = nullptr;
  std::unordered_map<std::string, Symbol> names;
  std::unordered_map<std::string, ImportInfo> imports;  // alias -> module
};

// ---- Code units ---------------------------------------------------------------------

enum class UnitKind : uint8_t {
  kFn,
  kDecision,
  kWorkflow,
  kWorkflowKey,
  kWorkflowSla,
  kBreachHandler,
  kPolicy,
  kTrigger,
  kTest,
  kMock,
};

// One body that becomes one bytecode function: its parameters come first in its local
// slots, then every binding its body declares (each binding gets its own slot).
struct CodeUnit {
  UnitKind kind = UnitKind::kFn;
  std::string name;  // qualified, unique
  source::FileId file = 0;
  std::vector<TypeId> slots;  // slot types; the first `param_count` are parameters
  uint32_t param_count = 0;
  TypeId result = 0;
  const syntax::Decl* decl = nullptr;
  // What the unit runs: a block (fn, workflow, breach, policy, test) or an expression
  // (`fn … = e`, key, sla, decision rules are the decl itself, trigger args, mock body).
  const syntax::Block* block = nullptr;
  const syntax::Expr* expr = nullptr;
  // kMock: the op mocked, the unit (a test) whose slots it captures, and those slots
  // (copied into the mock's first slots when the mock is registered).
  uint32_t mock_op = 0;
  uint32_t parent = 0;
  std::vector<uint32_t> captured;
  // A `mock classify C(text) => member confidence d`: the classifier mocked; `expr` is
  // the member and `confidence` the confidence (the unit returns C's record).
  std::optional<uint32_t> mock_classifier;
  const syntax::Expr* confidence = nullptr;
};

// ---- Facts about expressions -------------------------------------------------------

// What an expression refers to or computes, beyond its type.
enum class ExprRef : uint8_t {
  kNone,
  kLocal,        // a: slot
  kConst,        // a: Program::consts
  kRole,         // a: Program::roles
  kEnumMember,   // a: enum, b: member
  kEnumType,     // a: enum (only as the object of a member access)
  kRecordType,   // a: record (only as the callee of a conversion or a literal)
  kModule,       // a: module (only as the object of a member access)
  kConnector,    // a: connector (only as the object of a member access)
  kConnectorOp,  // a: op (only as a callee)
  kFunction,     // a: Program::functions (only as a callee)
  kWorkflow,     // a: workflow
  kField,        // a: field index of the record object
  kNative,       // a: native id, b: stdlib overload (stdlib::kOverloads), as a callee
  kConversion,   // a: Conversion, b: stdlib overload, as a callee
  kNow,          // b: stdlib overload, as the callee of `now()`
  kCalendar,     // a: Program::calendars (a calendar's name used as a value)
};

// What a stdlib conversion compiles to when it is not a native (stdlib/functions.def).
enum class Conversion : uint8_t { kIntToDecimal, kToString, kIdentity };

// Implicit conversions applied after an expression is evaluated.
enum class Coercion : uint8_t { kNone, kIntToDecimal };

struct ExprFact {
  TypeId type = 0;  // the expression's own type (before any coercion)
  ExprRef ref = ExprRef::kNone;
  uint32_t a = 0;
  uint32_t b = 0;
  Coercion coercion = Coercion::kNone;
  bool checked = false;
};

// Facts about one file's expressions and bindings.
struct FileFacts {
  std::vector<ExprFact> exprs;  // indexed by syntax::Expr::id
  // Local slots of bindings, keyed by the syntax node that declares them: LetStmt,
  // ForStmt (the loop variable), TryStmt (the error), ParallelBranch, Param.
  std::unordered_map<const void*, uint32_t> slots;
};

// Limits that keep ids within the ranges the type table and bytecode assume.
inline constexpr size_t kMaxTypes = size_t{1} << 24;

struct Program {
  TypeTable types;
  std::vector<ModuleInfo> modules;  // modules[0] is the prelude
  std::vector<RecordInfo> records;
  std::vector<EnumInfo> enums;
  std::vector<RoleInfo> roles;
  std::vector<ConstInfo> consts;
  std::vector<ConnectorInfo> connectors;
  std::vector<ConnectorOpInfo> ops;
  std::vector<FunctionInfo> functions;
  std::vector<PolicyInfo> policies;
  std::vector<WorkflowInfo> workflows;
  std::vector<TriggerInfo> triggers;
  std::vector<TestInfo> tests;
  std::vector<ClassifierInfo> classifiers;
  std::vector<CalendarInfo> calendars;
  // The `stage "name"` clauses: the data record of the approval or task, and the name.
  std::vector<std::pair<uint32_t, std::string>> stages;
  std::vector<CodeUnit> units;
  std::vector<FileFacts> facts;  // indexed by FileId

  // Built-in records and enums of the prelude, found once by name.
  struct Builtins {
    uint32_t approval = 0, approval_decision = 0, task_completion = 0, task = 0, error = 0,
             escalation = 0, approval_request = 0, task_request = 0;
    uint32_t approval_outcome = 0, run_status = 0;
  } builtins;

  // A type as people read it: `list<int>`, `Store?`, `retail.common.Store` only when the
  // short name is ambiguous.
  std::string typeName(TypeId type) const;
};

}  // namespace rflow::check
