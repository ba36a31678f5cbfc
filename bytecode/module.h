// The bytecode module: everything a deployed project is, in memory. The compiler builds
// one (codegen), the writer turns it into a .rfc file, the loader reads and verifies
// one, and the VM and engine run it. Nothing here knows the compiler or the syntax tree.
//
// File format, version 1 (all integers little endian; "varint" is unsigned LEB128,
// "svarint" zigzag LEB128; a string is a varint byte length and UTF-8 bytes):
//
//   magic            8 bytes  "RFLOWBC\0"
//   format version   u16      kFormatVersion; the loader accepts
//                             [kMinFormatVersion, kMaxFormatVersion]
//   flags            u16      0 (reserved)
//   content hash     32 bytes SHA-256 of every byte after the hash; it identifies the
//                             deployment ("version") and detects corruption
//   section count    varint
//   sections         each: kind (varint SectionKind), byte length (varint), payload
//
// Sections appear at most once, in increasing SectionKind order; a loader skips kinds
// it does not know only if they are marked optional (kind >= 1000). A section's length
// is exact (no bytes after its last entry), no bytes follow the last section, and a
// section that is absent is empty (the writer writes all of them). Each section's
// payload is a varint count followed by that many entries, as write.cpp documents per
// section. Varints are at most 10 bytes and minimal (no redundant trailing 0x80/0x00).
//
// Invariants (checked by the loader, see verify.h): every index (string, type, record,
// enum, constant, function, workflow, connector op, role) is in range; types are
// acyclic except through records; every function's code decodes into whole
// instructions, jumps land on instruction starts inside the function, the stack depth
// is the same on every path into an instruction, never negative and never above
// max_stack; local slots are < params + locals. Also: strings are valid UTF-8; a
// constant's value fits its type, and an aggregate constant only refers to constants
// before it (so constants are never cyclic and can be built in index order); the
// connectors' op ranges tile Module::ops in order; the limits below hold. verify.h
// lists every check.
//
// Persisted enums (TypeTag, SectionKind, FunctionKind, …) have explicit values that are
// never reused; a retired value stays in its enum as a comment.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace rflow::bytecode {

// Version 2 added the classifiers section (15); a version-1 module has none and loads
// as a module without classifiers. Version 3 added the figures (16) and stages (17)
// sections and the Measure opcode; older modules have neither section and load as
// modules whose workflows track and measure nothing. Version 4 added a workflow's sla
// calendar (`sla 2d in StoreHours`, bit 16 of a workflow's present parts); older modules
// load as modules whose slas count plain time. Version 5 added the wait places (18), what
// migrating a waiting instance to another version needs (intelligence.md §4); older
// modules have none, so none of their instances can be migrated. Version 6 added a wait
// place's calendar (`due 4h in StoreHours`), so the engine can show the wait's age in
// business time; older modules' places have none and their waits count plain time.
inline constexpr uint16_t kFormatVersion = 6;
inline constexpr uint16_t kMinFormatVersion = 1;
inline constexpr uint16_t kMaxFormatVersion = 6;
inline constexpr std::array<uint8_t, 8> kMagic = {'R', 'F', 'L', 'O', 'W', 'B', 'C', 0};
// Bytes before the first section: magic, version, flags, content hash.
inline constexpr size_t kHeaderBytes = 8 + 2 + 2 + 32;

// Limits a module must respect. The loader rejects a module beyond them, so the VM and
// the disassembler may rely on them for their stack use and allocations. They are far
// above what the compiler produces (its own nesting limit is 256).
inline constexpr uint32_t kMaxTypeDepth = 512;              // list<list<…>>: types along elements
inline constexpr uint32_t kMaxConstantDepth = 512;          // aggregates inside aggregates
inline constexpr uint32_t kMaxSlots = 65536;                // params + locals (LoadLocal is U16)
inline constexpr uint32_t kMaxStack = 1u << 20;             // a function's max_stack
inline constexpr uint32_t kMaxCodeBytes = 1u << 26;         // one function's code (I32 jumps)
inline constexpr size_t kMaxModuleBytes = size_t{1} << 30;  // the whole file

using StringId = uint32_t;    // index into Module::strings
using TypeId = uint32_t;      // index into Module::types
using ConstantId = uint32_t;  // index into Module::constants
using FunctionId = uint32_t;  // index into Module::functions

// ---- Types ------------------------------------------------------------------------

enum class TypeTag : uint8_t {
  kVoid = 0,  // "no value": the result of a workflow or function without `-> T`
  kBool = 1,
  kInt = 2,
  kDecimal = 3,
  kMoney = 4,
  kString = 5,
  kDuration = 6,
  kTime = 7,
  kUser = 8,
  kRole = 9,
  kAssignee = 10,  // a role or a user
  kList = 11,      // element
  kMap = 12,       // element (keys are strings)
  kOptional = 13,  // element
  kRecord = 14,    // decl: index into Module::records (records, signals, forms, built-ins)
  kEnum = 15,      // decl: index into Module::enums
  kRun = 16,       // element: the workflow's result type (tests only)
  kNone = 17,      // the type of `none` itself (only before it meets an optional)
};

// The field a tag does not use is 0: the file does not store it, so a type is equal to
// itself after a round trip.
struct Type {
  TypeTag tag = TypeTag::kVoid;
  TypeId element = 0;  // kList, kMap, kOptional, kRun
  uint32_t decl = 0;   // kRecord, kEnum

  friend bool operator==(const Type&, const Type&) = default;
};

// The tags whose types have an element type (Type::element): the writer stores it, the
// verifier checks it.
inline bool hasElement(TypeTag tag) {
  return tag == TypeTag::kList || tag == TypeTag::kMap || tag == TypeTag::kOptional ||
         tag == TypeTag::kRun;
}

enum class RecordKind : uint8_t {
  kRecord = 0,          // declared with `record`
  kSignal = 1,          // declared with `signal`
  kBuiltin = 2,         // from the prelude (Approval, Error, Task, ApprovalRequest …)
  kForm = 3,            // the result of a `task` with a `form` (fields + completed_by)
  kData = 4,            // the `data { … }` of an approval or task
  kClassification = 5,  // the result of a `classifier` (label, best, confidence, runner_up,
                        // runner_up_confidence, model; in this order)
};

struct Field {
  StringId name;
  TypeId type;
  std::optional<ConstantId> default_value;

  friend bool operator==(const Field&, const Field&) = default;
};

struct Record {
  StringId name;  // qualified: "retail.common.Store"; built-ins "rflow.Approval"
  RecordKind kind = RecordKind::kRecord;
  std::vector<Field> fields;

  friend bool operator==(const Record&, const Record&) = default;
};

struct Enum {
  StringId name;  // qualified
  std::vector<StringId> members;

  friend bool operator==(const Enum&, const Enum&) = default;
};

struct Role {
  StringId name;   // qualified: "retail.common.StoreManager"
  StringId title;  // the display name ("Store manager"), or the short name

  friend bool operator==(const Role&, const Role&) = default;
};

// ---- Constants ----------------------------------------------------------------------

// Decimal and money amounts are stored as canonical text ("1000.00"), which round-trips
// exactly through rflow_base's Decimal.
struct DecimalConstant {
  std::string digits;

  friend bool operator==(const DecimalConstant&, const DecimalConstant&) = default;
};
struct MoneyConstant {
  std::string amount;
  std::array<char, 3> currency;

  friend bool operator==(const MoneyConstant&, const MoneyConstant&) = default;
};
struct EnumConstant {
  uint32_t enum_index;
  uint32_t member;

  friend bool operator==(const EnumConstant&, const EnumConstant&) = default;
};
struct RoleConstant {
  uint32_t role;

  friend bool operator==(const RoleConstant&, const RoleConstant&) = default;
};
// A list, map (keys are the even elements), or record (one element per field) built of
// other constants.
struct AggregateConstant {
  std::vector<ConstantId> elements;

  friend bool operator==(const AggregateConstant&, const AggregateConstant&) = default;
};

// Which alternative of Constant::value a constant holds. PERSISTED: the writer stores it
// before the payload, so its values equal the variant's alternative indices forever
// (write.cpp checks this at compile time).
enum class ConstantKind : uint8_t {
  kNone = 0,
  kBool = 1,
  kInt = 2,  // int, duration (milliseconds), time (UTC milliseconds since 1970)
  kDecimal = 3,
  kMoney = 4,
  kString = 5,  // string, user
  kEnum = 6,
  kRole = 7,
  kAggregate = 8,
};

// A constant's value fits its type: none for an optional (or `none`) type; otherwise the
// value of the type inside the optionals: bool; int64 for int, duration and time; decimal
// and money text (canonical: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, not negative zero, at most
// 34 significant digits; a currency of 3 ASCII capitals); StringId for string, user or
// assignee; an enum member of the type's enum; a role for role or assignee; an aggregate
// for a list (elements of the element type), a map (key constants of type string,
// values of the element type) or a record (one constant per field, of the field's type).
struct Constant {
  TypeId type;
  std::variant<std::monostate /* none */, bool, int64_t /* int, duration, time */, DecimalConstant,
               MoneyConstant, StringId /* string, user */, EnumConstant, RoleConstant,
               AggregateConstant>
      value;

  friend bool operator==(const Constant&, const Constant&) = default;
};

// ---- Functions ------------------------------------------------------------------------

enum class FunctionKind : uint8_t {
  kFn = 0,             // `fn`
  kDecision = 1,       // `decision`
  kWorkflow = 2,       // a workflow's body
  kWorkflowKey = 3,    // computes a workflow's business key from its parameters
  kWorkflowSla = 4,    // computes a workflow's SLA duration from its parameters
  kBreachHandler = 5,  // a workflow's `sla … on breach { … }`
  kPolicy = 6,         // a policy: request record -> refusal message (string?) or none
  kTrigger = 7,        // an `on event`/`on schedule` trigger: spawns the bound workflow
  kTest = 8,           // a `test` block
  kMock = 9,           // the body of a `mock … => e`
};

// Where a run of instructions came from: instructions at pc >= `pc` (up to the next
// entry) are on `line` of the function's file.
struct LineEntry {
  uint32_t pc;
  uint32_t line;

  friend bool operator==(const LineEntry&, const LineEntry&) = default;
};

struct Function {
  StringId name;  // qualified: "retail.replenishment.reorder_qty"
  FunctionKind kind = FunctionKind::kFn;
  std::vector<TypeId> params;
  TypeId result;               // kVoid for none
  std::vector<TypeId> locals;  // slots after the parameters
  uint32_t max_stack = 0;
  std::vector<uint8_t> code;
  uint32_t file = 0;             // index into Module::files
  std::vector<LineEntry> lines;  // sorted by pc, first entry at pc 0

  friend bool operator==(const Function&, const Function&) = default;
};

// ---- Workflows, connectors, policies, triggers, tests ----------------------------------

struct Param {
  StringId name;
  TypeId type;

  friend bool operator==(const Param&, const Param&) = default;
};

struct Workflow {
  StringId name;  // qualified
  std::vector<Param> params;
  TypeId result;  // kVoid for none
  FunctionId body;
  std::optional<StringId> owner;
  std::optional<FunctionId> key;     // kWorkflowKey
  std::optional<FunctionId> sla;     // kWorkflowSla
  std::optional<FunctionId> breach;  // kBreachHandler
  // `sla d in C`: the calendar the sla counts open time of, in calendar::encode's text
  // form; the engine's deadline is business_add(start, sla, C). Format version 4.
  std::optional<StringId> sla_calendar;

  friend bool operator==(const Workflow&, const Workflow&) = default;
};

struct ConnectorOp {
  StringId name;  // "availability"
  std::vector<Param> params;
  TypeId result;  // kVoid for none

  friend bool operator==(const ConnectorOp&, const ConnectorOp&) = default;
};

struct Connector {
  StringId name;      // qualified: "retail.systems.wms"
  uint32_t first_op;  // ops are numbered globally: Module::ops[first_op …]
  uint32_t op_count;

  friend bool operator==(const Connector&, const Connector&) = default;
};

enum class PolicyKind : uint8_t { kApproval = 0, kTask = 1 };

struct Policy {
  StringId name;  // qualified
  PolicyKind kind;
  FunctionId function;

  friend bool operator==(const Policy&, const Policy&) = default;
};

enum class TriggerKind : uint8_t { kEvent = 0, kSchedule = 1 };

struct Trigger {
  TriggerKind kind;
  StringId source;            // the event's name, or the cron expression
  std::vector<Param> params;  // the event's parameters
  uint32_t workflow;          // index into Module::workflows
  FunctionId function;        // kTrigger: params -> spawns the workflow

  friend bool operator==(const Trigger&, const Trigger&) = default;
};

struct Test {
  StringId title;
  FunctionId function;
  uint32_t file;
  uint32_t line;

  friend bool operator==(const Test&, const Test&) = default;
};

// `classifier Name -> E { threshold d }` (intelligence.md §1). Its result is the record
// `record` (kClassification), whose label fields hold members of enum `labels`.
struct Classifier {
  StringId name;              // qualified: "retail.triage.IssueKind"
  uint32_t labels;            // index into Module::enums
  uint32_t record;            // index into Module::records
  DecimalConstant threshold;  // canonical text, in (0, 1)

  friend bool operator==(const Classifier&, const Classifier&) = default;
};

// A tracked value or a measure of a workflow (intelligence.md §2). `function` (a
// kWorkflowKey function over the workflow's parameters) computes it at start: every
// tracked value has one; a measure only when the header gives it.
struct Figure {
  StringId name;
  TypeId type;
  std::optional<FunctionId> function;

  friend bool operator==(const Figure&, const Figure&) = default;
};

// What one workflow tracks and measures; `Measure m` in its body names measures[m].
struct WorkflowFigures {
  uint32_t workflow;  // index into Module::workflows
  std::vector<Figure> tracks;
  std::vector<Figure> measures;

  friend bool operator==(const WorkflowFigures&, const WorkflowFigures&) = default;
};

// The `stage "name"` clause of an approval or task, by the type of its data record (one
// record per approval or task written, so it names the place; it is the `data_type` of
// the Approval and Task instructions).
struct Stage {
  TypeId data_type;
  StringId name;

  friend bool operator==(const Stage&, const Stage&) = default;
};

// A place where an instance of a workflow can wait (intelligence.md §4, "Migration of
// waiting instances"): one effect instruction of the workflow's body. PERSISTED values.
enum class WaitPlaceKind : uint8_t {
  kApproval = 0,  // Approval
  kTask = 1,      // Task
  kAwait = 2,     // Await
  kSleep = 3,     // Sleep, SleepUntil
  kCall = 4,      // CallConnector
  kChild = 5,     // StartChild
};
inline constexpr uint8_t kWaitPlaceKinds = 6;

// Bits of WaitPlace::flags: where the wait sits, which decides whether a waiting instance
// can be moved at all (a migration moves only a single frame at an empty operand stack).
inline constexpr uint32_t kWaitInParallel = 1;  // inside a `parallel` branch
inline constexpr uint32_t kWaitInTry = 2;       // inside a `try` body
inline constexpr uint32_t kWaitFlagsMask = 3;

// A variable live when the wait is answered: read on some path after it before it is
// written. `default_value`: the variable's declaration initializes it with this constant
// (`let limit = 10_000.00 USD`), so an instance that never ran the declaration can be
// given it.
struct LiveLocal {
  uint32_t slot;  // in the body function's frame (parameters first)
  StringId name;
  TypeId type;  // the slot's type
  std::optional<ConstantId> default_value;

  friend bool operator==(const LiveLocal&, const LiveLocal&) = default;
};

struct WaitPlace {
  uint32_t workflow;  // index into Module::workflows
  uint32_t pc;        // the effect instruction in the workflow's body (a waiting frame's pc)
  WaitPlaceKind kind;
  // The stage name (intelligence.md §2): the `stage` clause, else the title's text before
  // its first interpolation (approval, task); the signal's name (await); "sleep"; the
  // op's "connector.op" (call); the child workflow's name (start).
  StringId stage;
  // Among the workflow's places of the same kind and stage, in pc order, from 0: what
  // tells apart two waits a process owner named alike.
  uint32_t ordinal;
  uint32_t flags;               // kWaitIn… bits
  std::vector<LiveLocal> live;  // by increasing slot
  // The calendar the wait was declared in, in calendar::encode's text form: the `in C` of
  // a task's or approval's `due` (else of its first `escalate after` in one), of a
  // `sleep`'s duration or of an `await`'s timeout. The engine keeps it with the wait and
  // shows the wait's age in C's open time. None for a wait in plain time. Format 6.
  std::optional<StringId> calendar;

  friend bool operator==(const WaitPlace&, const WaitPlace&) = default;
};

// "approval", "task", "await", "sleep", "call", "start".
inline const char* waitPlaceKindName(WaitPlaceKind kind) {
  switch (kind) {
    case WaitPlaceKind::kApproval:
      return "approval";
    case WaitPlaceKind::kTask:
      return "task";
    case WaitPlaceKind::kAwait:
      return "await";
    case WaitPlaceKind::kSleep:
      return "sleep";
    case WaitPlaceKind::kCall:
      return "call";
    case WaitPlaceKind::kChild:
      return "start";
  }
  return "unknown";
}

struct SourceFile {
  StringId path;    // as given to the compiler
  StringId module;  // the module it declares

  friend bool operator==(const SourceFile&, const SourceFile&) = default;
};

struct Module {
  std::array<uint8_t, 32> content_hash{};  // filled by the writer and the loader
  std::vector<std::string> strings;
  std::vector<Type> types;
  std::vector<Record> records;
  std::vector<Enum> enums;
  std::vector<Role> roles;
  std::vector<Constant> constants;
  std::vector<Function> functions;
  std::vector<Workflow> workflows;
  std::vector<Connector> connectors;
  std::vector<ConnectorOp> ops;
  std::vector<Policy> policies;
  std::vector<Trigger> triggers;
  std::vector<Test> tests;
  std::vector<SourceFile> files;
  std::vector<Classifier> classifiers;
  std::vector<WorkflowFigures> figures;  // by workflow, only workflows with figures
  std::vector<Stage> stages;             // by data_type
  std::vector<WaitPlace> waits;          // by workflow, then pc

  friend bool operator==(const Module&, const Module&) = default;
};

// The figures of workflow `w`, or null when it has none.
inline const WorkflowFigures* figuresOf(const Module& m, uint32_t w) {
  for (const WorkflowFigures& f : m.figures) {
    if (f.workflow == w) return &f;
  }
  return nullptr;
}

// The stage named by the approval or task whose data record has type `data_type`, or
// null when it has no `stage` clause.
inline const std::string* stageOf(const Module& m, TypeId data_type) {
  for (const Stage& s : m.stages) {
    if (s.data_type == data_type) return &m.strings[s.name];
  }
  return nullptr;
}

// The wait place of workflow `w` at `pc` of its body, or null (a module before format 5,
// or a pc that is no wait). Places are sorted by workflow, then pc (verify.h).
inline const WaitPlace* waitPlaceAt(const Module& m, uint32_t w, uint32_t pc) {
  size_t lo = 0, hi = m.waits.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const WaitPlace& p = m.waits[mid];
    if (p.workflow < w || (p.workflow == w && p.pc < pc)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < m.waits.size() && m.waits[lo].workflow == w && m.waits[lo].pc == pc) return &m.waits[lo];
  return nullptr;
}

// Section kinds, in file order.
enum class SectionKind : uint32_t {
  kStrings = 1,
  kTypes = 2,
  kRecords = 3,
  kEnums = 4,
  kRoles = 5,
  kConstants = 6,
  kFunctions = 7,
  kWorkflows = 8,
  kConnectors = 9,
  kOps = 10,
  kPolicies = 11,
  kTriggers = 12,
  kTests = 13,
  kFiles = 14,
  kClassifiers = 15,  // format version 2
  kFigures = 16,      // format version 3
  kStages = 17,       // format version 3
  kWaits = 18,        // format version 5 (a place's calendar: 6)
};
// Kinds from here up may be skipped by a loader that does not know them.
inline constexpr uint64_t kFirstOptionalSection = 1000;

// The section's name in messages and listings: "functions".
inline const char* sectionName(SectionKind kind) {
  switch (kind) {
    case SectionKind::kStrings:
      return "strings";
    case SectionKind::kTypes:
      return "types";
    case SectionKind::kRecords:
      return "records";
    case SectionKind::kEnums:
      return "enums";
    case SectionKind::kRoles:
      return "roles";
    case SectionKind::kConstants:
      return "constants";
    case SectionKind::kFunctions:
      return "functions";
    case SectionKind::kWorkflows:
      return "workflows";
    case SectionKind::kConnectors:
      return "connectors";
    case SectionKind::kOps:
      return "ops";
    case SectionKind::kPolicies:
      return "policies";
    case SectionKind::kTriggers:
      return "triggers";
    case SectionKind::kTests:
      return "tests";
    case SectionKind::kFiles:
      return "files";
    case SectionKind::kClassifiers:
      return "classifiers";
    case SectionKind::kFigures:
      return "figures";
    case SectionKind::kStages:
      return "stages";
    case SectionKind::kWaits:
      return "waits";
  }
  return "unknown";
}

}  // namespace rflow::bytecode
