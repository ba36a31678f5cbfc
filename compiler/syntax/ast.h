// The syntax tree: rflow's own representation of one parsed file.
//
// Built from ANTLR's parse tree in exactly one place (compiler/parse/tree_builder.cpp);
// nothing downstream sees ANTLR. Every node carries the byte Span of its source text.
// Declarations, record fields, enum members and connector operations carry their doc
// comment (`///` lines directly above them, markers stripped).
//
// Invariants:
//  - A part that failed to parse is an ErrorExpr (or an empty Box / TypeRef::kError),
//    and the enclosing declaration has has_syntax_error set: later phases skip it, so a
//    syntax error never causes semantic diagnostics.
//  - Expr::id is unique within a File and < File::expr_count, so later phases can keep
//    per-expression facts in vectors.
//  - Binary chains are folded: left-associative except `??` (right); chained comparisons
//    have been rejected by the builder.
//  - No expression is nested deeper than kMaxNestingDepth (limits.h).
//  - The tree is a value: copyable, movable, no back pointers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "source/span.h"
#include "syntax/box.h"

namespace rflow::syntax {

using source::Span;

enum class DeclKind : uint8_t {
#define RFLOW_DECL_KIND(Name) k##Name,
#include "syntax/node_kinds.def"
};
enum class StmtKind : uint8_t {
#define RFLOW_STMT_KIND(Name) k##Name,
#include "syntax/node_kinds.def"
};
enum class ExprKind : uint8_t {
#define RFLOW_EXPR_KIND(Name) k##Name,
#include "syntax/node_kinds.def"
};

std::string_view kindName(DeclKind kind);
std::string_view kindName(StmtKind kind);
std::string_view kindName(ExprKind kind);

// A name as written, with where it was written.
struct Ident {
  std::string text;
  Span span;
};

// `a.b.c`: module paths, qualified type names, `conn.op` in mocks.
using Path = std::vector<Ident>;

// ---------------------------------------------------------------------------------------
// Types as written.

struct TypeRef {
  enum class Kind : uint8_t {
    kError,     // failed to parse
    kNamed,     // int, Store, common.Store, Run<Outcome>
    kList,      // list<T>
    kMap,       // map<T>
    kOptional,  // T?
  };
  Kind kind = Kind::kError;
  Span span;
  Path path;                  // kNamed
  std::vector<TypeRef> args;  // kNamed: generic arguments; kList/kMap/kOptional: the element
};

// ---------------------------------------------------------------------------------------
// Expressions.

struct Expr;
struct FieldDecl;

enum class UnaryOp : uint8_t { kNeg, kNot };
enum class BinaryOp : uint8_t {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kRem,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kAnd,
  kOr,
  kCoalesce,
};
std::string_view spelling(UnaryOp op);
std::string_view spelling(BinaryOp op);

struct ErrorExpr {};
struct IntExpr {
  int64_t value = 0;
};
// Exact decimal literal as canonical text: digits and one `.`, no `_` ("5000.00").
struct DecimalExpr {
  std::string digits;
};
struct MoneyExpr {
  std::string amount;  // canonical like DecimalExpr ("1000.00", "25")
  std::string currency;
  Span currency_span;
};
struct DurationExpr {
  int64_t millis = 0;
};
struct BoolExpr {
  bool value = false;
};
struct NoneExpr {};

// A piece of a string literal: literal text (escapes resolved) or an interpolation.
struct StringPart {
  std::string text;
  Box<Expr> expr;  // set for `{expr}` parts
  Span span;
};
struct StringExpr {
  std::vector<StringPart> parts;  // adjacent text parts are merged
};

struct NameExpr {
  std::string name;
};
// `object.member` or `object?.member`.
struct MemberExpr {
  Box<Expr> object;
  Ident member;
  bool optional_chain = false;
};
struct IndexExpr {
  Box<Expr> object;
  Box<Expr> index;
};
// `retry N every d backoff f timeout d` after a connector call.
struct CallOptions {
  Box<Expr> retry;
  Box<Expr> every;
  Box<Expr> backoff;
  Box<Expr> timeout;
  Span span;
};
struct CallExpr {
  Box<Expr> callee;
  std::vector<Expr> args;
  Span args_span;  // from `(` to `)`
  std::optional<CallOptions> options;
};
struct UnaryExpr {
  UnaryOp op;
  Span op_span;
  Box<Expr> operand;
};
struct BinaryExpr {
  BinaryOp op;
  Span op_span;
  Box<Expr> lhs;
  Box<Expr> rhs;
};
// `if c then a else b`
struct ConditionalExpr {
  Box<Expr> cond;
  Box<Expr> then_expr;
  Box<Expr> else_expr;
};
struct ListExpr {
  std::vector<Expr> elements;
};
struct MapEntry {
  Box<Expr> key;
  Box<Expr> value;
  Span span;
};
struct MapExpr {
  std::optional<TypeRef> value_type;  // map<T>{…}
  std::vector<MapEntry> entries;
};
struct FieldInit {
  Ident name;
  Box<Expr> value;
  Span span;
};
// `Store { id: "S1" }`
struct RecordExpr {
  Path type;
  std::vector<FieldInit> fields;
};

// A clause of `approval "…" { … }` or `task "…" { … }`.
enum class ClauseKind : uint8_t {
  kAssign,
  kRequestedBy,
  kAmount,
  kApprovers,
  kDue,
  kEscalate,
  kData,
  kForm,
  kStage,
};
std::string_view spelling(ClauseKind kind);

struct Clause {
  ClauseKind kind;
  Span span;
  Span keyword_span;
  Box<Expr> value;   // assign, requested_by, amount, approvers, due, stage; escalate: the delay
  Box<Expr> target;  // escalate: who it goes to
  std::vector<FieldInit> data;  // data { … }
  std::vector<FieldDecl> form;  // form { … }
};
struct ApprovalExpr {
  Box<Expr> title;  // a StringExpr
  std::vector<Clause> clauses;
};
struct TaskExpr {
  Box<Expr> title;
  std::vector<Clause> clauses;
};
// `await Signal timeout d`
struct AwaitExpr {
  Path signal;
  Box<Expr> timeout;
};
// `start W(args)` (the parent waits) or `spawn W(args)` (fire and forget).
struct StartExpr {
  bool spawn = false;
  Path workflow;
  std::vector<Expr> args;
};

// `classify IssueKind(text)`
struct ClassifyExpr {
  Path classifier;
  std::vector<Expr> args;
};

// `4h in StoreHours`: a waiting duration counted in a calendar's open time. Built only
// where a waiting duration is written (`due`, `escalate after`, `sla`, `sleep`, `await …
// timeout`); its value is the real duration from the step's time to the instant when
// `duration` of open time has passed (intelligence.md §3).
struct InCalendarExpr {
  Box<Expr> duration;
  Path calendar;
};

struct Expr {
  using Data =
      std::variant<ErrorExpr, IntExpr, DecimalExpr, MoneyExpr, DurationExpr, BoolExpr, NoneExpr,
                   StringExpr, NameExpr, MemberExpr, IndexExpr, CallExpr, UnaryExpr, BinaryExpr,
                   ConditionalExpr, ListExpr, MapExpr, RecordExpr, ApprovalExpr, TaskExpr,
                   AwaitExpr, StartExpr, ClassifyExpr, InCalendarExpr>;
  Span span;
  uint32_t id = 0;
  Data data;

  ExprKind kind() const { return static_cast<ExprKind>(data.index()); }
  template <typename T>
  const T* as() const {
    return std::get_if<T>(&data);
  }
  template <typename T>
  T* as() {
    return std::get_if<T>(&data);
  }
};

// ---------------------------------------------------------------------------------------
// Statements.

struct Stmt;

struct Block {
  std::vector<Stmt> stmts;
  Span span;  // from `{` to `}`
};

// `let x: T = e` / `var x = e`
struct LetStmt {
  bool is_var = false;
  Ident name;
  std::optional<TypeRef> type;
  Box<Expr> value;
};
// `x = e`
struct AssignStmt {
  Box<Expr> target;
  Span op_span;
  Box<Expr> value;
};
// `if c1 { } else if c2 { } else { }`: one branch per condition, kept flat so that a long
// else-if chain is not a deep tree.
struct IfBranch {
  Box<Expr> cond;
  Block body;
  Span span;  // from `if` to the end of the block
};
struct IfStmt {
  std::vector<IfBranch> branches;  // at least one
  std::optional<Block> else_block;
};
struct Pattern {
  enum class Kind : uint8_t { kError, kInt, kString, kEnumMember, kWildcard };
  Kind kind = Kind::kError;
  Span span;
  int64_t int_value = 0;
  std::string string_value;
  Path path;  // kEnumMember: `Category.Pricing` or `tc.Category.Pricing`
};
struct MatchArm {
  std::vector<Pattern> patterns;
  Block body;
  bool braced = false;  // false: a single statement after `=>`
  Span span;
};
struct MatchStmt {
  Box<Expr> subject;
  std::vector<MatchArm> arms;
};
struct ForStmt {
  Ident var;
  Box<Expr> iterable;
  Block body;
};
struct WhileStmt {
  Box<Expr> cond;
  Block body;
};
struct ReturnStmt {
  Box<Expr> value;
};
struct FailStmt {
  Box<Expr> message;
};
struct TryStmt {
  Block body;
  Ident error_name;
  Block handler;
};
struct ParallelBranch {
  Ident name;
  std::optional<TypeRef> type;
  Box<Expr> value;
  Span span;
};
struct ParallelStmt {
  std::vector<ParallelBranch> branches;
};
// `sleep 2h` / `sleep until t`
struct SleepStmt {
  bool until = false;
  Box<Expr> value;
};
// `require c else "message"` (policies)
struct RequireStmt {
  Box<Expr> cond;
  Box<Expr> message;
};
struct NoteStmt {
  Box<Expr> text;
};
struct NotifyStmt {
  Box<Expr> target;
  Box<Expr> text;
};
struct ExprStmt {
  Box<Expr> expr;
};
// `mock conn.op(a, b) => e` / `mock conn.op(a, b) fails "reason"` /
// `mock classify Name(text) => E.Member confidence d` (classify set; `op` names the
// classifier, `result` the member and `confidence` its confidence).
struct MockStmt {
  Path op;
  std::vector<Ident> binders;
  Box<Expr> result;
  Box<Expr> fails;
  bool classify = false;
  Box<Expr> confidence;
};
struct AdvanceStmt {
  Box<Expr> duration;
};
enum class DecisionKind : uint8_t { kApprove, kReject, kComplete };
std::string_view spelling(DecisionKind kind);
// `approve T by U comment s`, `reject …`, `complete T by U with { … }`, optionally under
// `expect refused`.
struct DecideStmt {
  DecisionKind decision;
  bool expect_refused = false;
  Box<Expr> target;
  Box<Expr> by;
  Box<Expr> comment;
  std::vector<FieldInit> with;
};
// `send run Signal { … }`
struct SendStmt {
  Box<Expr> run;
  Box<Expr> signal;
};
// `expect cond else "message"`
struct ExpectStmt {
  Box<Expr> cond;
  Box<Expr> message;
};
// `expect called conn.op times N` / `expect learned Classifier times N` (learned set).
struct ExpectCalledStmt {
  Path op;
  Box<Expr> times;
  bool learned = false;
};
// `learn IssueKind(text, label)`
struct LearnStmt {
  Path classifier;
  std::vector<Expr> args;
  Span args_span;
};
// `name = e`: one tracked value or measure.
struct NamedValue {
  Ident name;
  Box<Expr> value;
  Span span;
};
// `measure exception_cost = total - paid` after the header: sets or replaces a measure.
struct MeasureStmt {
  NamedValue measure;
};

struct Stmt {
  using Data = std::variant<LetStmt, AssignStmt, IfStmt, MatchStmt, ForStmt, WhileStmt, ReturnStmt,
                            FailStmt, TryStmt, ParallelStmt, SleepStmt, RequireStmt, NoteStmt,
                            NotifyStmt, ExprStmt, MockStmt, AdvanceStmt, DecideStmt, SendStmt,
                            ExpectStmt, ExpectCalledStmt, LearnStmt, MeasureStmt>;
  Span span;
  Data data;

  StmtKind kind() const { return static_cast<StmtKind>(data.index()); }
  template <typename T>
  const T* as() const {
    return std::get_if<T>(&data);
  }
  template <typename T>
  T* as() {
    return std::get_if<T>(&data);
  }
};

// ---------------------------------------------------------------------------------------
// Declarations.

struct FieldDecl {
  Ident name;
  TypeRef type;
  Box<Expr> default_value;
  std::string doc;
  Span span;
};
struct Param {
  Ident name;
  TypeRef type;
  Span span;
};

struct RecordDecl {
  std::vector<FieldDecl> fields;
};
struct EnumMember {
  Ident name;
  std::string doc;
  Span span;
};
struct EnumDecl {
  std::vector<EnumMember> members;
};
struct ConstDecl {
  std::optional<TypeRef> type;
  Box<Expr> value;
};
struct RoleDecl {
  Box<Expr> title;  // the display name, a StringExpr; may be absent
};
struct SignalDecl {
  std::vector<FieldDecl> fields;
};
struct ConnectorOp {
  Ident name;
  std::vector<Param> params;
  std::optional<TypeRef> result;
  std::string doc;
  Span span;
};
struct ConnectorDecl {
  std::vector<ConnectorOp> ops;
};
// `fn f(p: T) -> R { … }` or `fn f(p: T) -> R = e`
struct FnDecl {
  std::vector<Param> params;
  std::optional<TypeRef> result;
  std::optional<Block> body;
  Box<Expr> expr_body;
};
struct DecisionRule {
  Box<Expr> cond;  // empty for the `else` rule
  Box<Expr> result;
  Span span;
};
struct DecisionDecl {
  std::vector<Param> params;
  TypeRef result;
  std::vector<DecisionRule> rules;
};
enum class PolicyKind : uint8_t { kApproval, kTask };
struct PolicyDecl {
  PolicyKind kind;
  Ident param;
  Box<Expr> when;
  Block body;
};
// `on event E(p: T) start W(args)` / `on schedule "cron" start W(args)`. The Decl's name
// is the event's name; schedule triggers have none.
struct TriggerDecl {
  bool schedule = false;
  std::vector<Param> params;
  Box<Expr> cron;  // a StringExpr
  Path workflow;
  std::vector<Expr> args;
};
struct SlaClause {
  Box<Expr> duration;
  std::optional<Block> breach;
  Span span;
};
struct WorkflowDecl {
  std::vector<Param> params;
  std::optional<TypeRef> result;
  Box<Expr> owner;
  Span owner_span;
  Box<Expr> key;
  Span key_span;
  std::optional<SlaClause> sla;
  std::vector<NamedValue> tracks;    // every `track` clause's names, in order
  std::vector<NamedValue> measures;  // header `measure` clauses, evaluated at start
  Block body;                        // the statements after the header clauses
};
struct TestDecl {
  Box<Expr> title;  // a StringExpr
  Block body;
};
// `classifier Name -> E { threshold 0.75 }`
struct ClassifierDecl {
  TypeRef labels;       // the enum whose members are the labels
  Box<Expr> threshold;  // absent: the default (0.5)
};

// `calendar StoreHours { zone "Europe/Berlin"; open mon-fri 08:00-20:00; closed 2026-12-24 }`
// (intelligence.md §3). The builder has read the lines: a malformed one is diagnosed there
// and left out (`malformed` is then set, so that the checker does not also report the
// calendar as having no open time).
struct CalendarOpenSpan {
  int start = 0;  // minutes after local midnight
  int end = 0;    // exclusive, at most 24:00; may be <= start (the checker diagnoses it)
  Span span;
};
struct CalendarOpen {
  std::vector<std::string> days;  // as written: "mon", "mon-fri" (lower case, no spaces)
  uint8_t weekdays = 0;           // bit 0 Monday … bit 6 Sunday
  std::vector<CalendarOpenSpan> spans;
  Span span;
};
struct CalendarClosed {
  int64_t day = 0;  // days since 1970-01-01
  Span span;
};
// `08:00-20:00`, and an `open` line without its keyword: `mon-fri 08:00-12:00, 13:00-20:00`
// (the formatter, the dump and hover print them so).
std::string spelling(const CalendarOpenSpan& span);
std::string spelling(const CalendarOpen& open);
// `2026-12-24`.
std::string spelling(const CalendarClosed& closed);

struct CalendarDecl {
  std::optional<std::string> zone;
  Span zone_span;
  std::vector<CalendarOpen> open;
  std::vector<CalendarClosed> closed;
  bool malformed = false;
};

struct Decl {
  using Data = std::variant<RecordDecl, EnumDecl, ConstDecl, RoleDecl, SignalDecl, ConnectorDecl,
                            FnDecl, DecisionDecl, PolicyDecl, TriggerDecl, WorkflowDecl, TestDecl,
                            ClassifierDecl, CalendarDecl>;
  Ident name;
  Span span;
  std::string doc;
  bool has_syntax_error = false;
  Data data;

  DeclKind kind() const { return static_cast<DeclKind>(data.index()); }
  template <typename T>
  const T* as() const {
    return std::get_if<T>(&data);
  }
  template <typename T>
  T* as() {
    return std::get_if<T>(&data);
  }
};

struct ImportDecl {
  Path path;
  std::optional<Ident> alias;
  Span span;
};

struct Comment {
  enum class Kind : uint8_t { kLine, kDoc, kBlock };
  Kind kind;
  Span span;
};

struct File {
  source::FileId file = 0;
  Path module;  // empty when the `module` line is missing or broken
  Span module_span;
  std::vector<ImportDecl> imports;
  std::vector<Decl> decls;
  std::vector<Comment> comments;  // every comment, in source order (for the formatter)
  uint32_t expr_count = 0;
  bool has_syntax_error = false;  // anywhere in the file
};

// The variants above list their alternatives in node_kinds.def order.
#define RFLOW_DECL_KIND(Name)                                                                   \
  static_assert(std::is_same_v<                                                                 \
                std::variant_alternative_t<static_cast<size_t>(DeclKind::k##Name), Decl::Data>, \
                Name##Decl>);
#define RFLOW_STMT_KIND(Name)                                                                   \
  static_assert(std::is_same_v<                                                                 \
                std::variant_alternative_t<static_cast<size_t>(StmtKind::k##Name), Stmt::Data>, \
                Name##Stmt>);
#define RFLOW_EXPR_KIND(Name)                                                                   \
  static_assert(std::is_same_v<                                                                 \
                std::variant_alternative_t<static_cast<size_t>(ExprKind::k##Name), Expr::Data>, \
                Name##Expr>);
#include "syntax/node_kinds.def"

}  // namespace rflow::syntax
