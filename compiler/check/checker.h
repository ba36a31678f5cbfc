// The Checker: the state shared by the checker's passes while one project is checked.
// Internal to compiler/check.
//
// Passes, in order (check.cpp):
//  1. declare.cpp     modules, their top-level names, imports and import cycles;
//  2. signatures.cpp  record fields, enums, roles, connectors, function and workflow
//                     signatures, consts (folded in dependency order);
//  3. bodies.cpp      every body (functions, decisions, policies, workflows, triggers,
//                     tests), with statements (stmts.cpp), expressions (exprs.cpp),
//                     calls and effects (calls.cpp, effects.cpp);
//  4. lints.cpp       the governance warnings.
//
// Expressions are checked with an optional expected type (for `[]`, `none`, `map{}`
// and empty bodies) and record an ExprFact; a failed expression gets the error type,
// which converts to everything, so nothing more is said about it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "check/check.h"
#include "check/fold.h"
#include "diagnostics/diagnostic.h"

namespace rflow::check {

// What the code being checked may do.
struct Context {
  UnitKind unit_kind = UnitKind::kFn;
  uint32_t unit = 0;
  std::string what;        // "fn `reorder_qty`", "workflow `Replenish`", "this test"
  TypeId return_type = 0;  // the void type when `return` takes no value
  bool effects = false;    // connector calls, approvals, tasks, start, spawn, note …
  bool waits = false;      // effects that suspend (everything above but note/notify/now/spawn)
  bool test_statements = false;
  bool policy = false;               // `require` allowed
  bool policy_when = false;          // ordering comparisons with optional operands allowed
  std::optional<uint32_t> workflow;  // the workflow whose body this is (`measure` needs it)
};

struct Binding {
  std::string name;
  uint32_t slot = 0;
  TypeId type = 0;
  bool is_var = false;
  bool is_param = false;
  Location location;
};

// Local names of one block; `boundary` marks where a mock body's scope meets the test's
// (names found beyond it are captured by value).
// `index` finds a binding by name in constant time: a block may declare thousands.
struct Scope {
  Scope* parent = nullptr;
  std::vector<Binding> bindings;
  std::unordered_map<std::string, size_t> index;  // name -> position in bindings
  bool boundary = false;

  const Binding* find(std::string_view name) const {
    auto it = index.find(std::string(name));
    return it == index.end() ? nullptr : &bindings[it->second];
  }
};

// What a name (or dotted path) refers to before it is used.
struct NameTarget {
  enum class Kind : uint8_t {
    kNotFound,
    kLocal,
    kSymbol,  // symbol, in module `module`
    kBuiltinType,
    kNative,  // a stdlib function name
  };
  Kind kind = Kind::kNotFound;
  Binding* local = nullptr;
  Symbol symbol{SymbolKind::kRecord, 0};
  uint32_t module = 0;
  TypeId type = 0;          // kBuiltinType
  std::string_view native;  // kNative
  bool captured = false;    // a local found across a mock boundary
};

// The built-in type called `name` (`int`, `User` …), if there is one.
std::optional<TypeId> builtinTypeNamed(const TypeTable& types, std::string_view name);

// `a.b.c` as written.
std::string joinPath(const syntax::Path& path);

// When one of `candidates` is close to `name`, adds "did you mean `x`?" and a fix that
// replaces `name` at `location` with it.
void suggestClosest(diagnostics::DiagnosticBuilder& d, std::string_view name,
                    std::span<const std::string_view> candidates, Location location);

class Checker {
 public:
  Checker(const source::SourceSet& sources, const std::vector<syntax::File>& files,
          diagnostics::DiagnosticConsumer& consumer, const CheckOptions& options);

  Program run();

  // ---- Shared helpers (checker.cpp) ------------------------------------------------
  Program& program() { return program_; }
  TypeTable& types() { return program_.types; }
  diagnostics::DiagnosticEmitter& emitter() { return emitter_; }
  Location at(source::FileId file, source::Span span) const { return {file, span}; }
  Location at(source::Span span) const { return {file_, span}; }
  uint32_t lineOf(const Location& location) const;
  std::string typeName(TypeId type) const { return program_.typeName(type); }
  ExprFact& fact(const syntax::Expr& expr);
  // Whether `from` may be used where `to` is expected (T -> T?, none -> T?, Role and
  // User -> Assignee; the error type either way).
  bool assignable(TypeId from, TypeId to) const;
  // Reports a mismatch unless assignable; returns whether it was.
  bool expectType(const syntax::Expr& expr, TypeId found, TypeId expected,
                  std::string_view what = {});

  // ---- Pass 1: declare.cpp --------------------------------------------------------
  void declareModules();
  void findBuiltins();
  void declareNames(uint32_t module);
  void resolveImports(uint32_t module);
  void checkImportCycles();

  // ---- Pass 2: signatures.cpp -----------------------------------------------------
  void resolveSignatures(uint32_t module);
  TypeId resolveType(const syntax::TypeRef& type, uint32_t module);
  std::vector<ParamInfo> resolveParams(const std::vector<syntax::Param>& params, uint32_t module);
  void resolveConst(uint32_t index);
  void resolveRecordDefaults(uint32_t record);
  // The labels enum, result record fields and threshold of a classifier (classifiers.cpp).
  void resolveClassifier(uint32_t classifier);
  // The zone, open spans and closed dates of a calendar (calendars.cpp).
  void resolveCalendar(uint32_t calendar);

  // ---- Names ---------------------------------------------------------------------
  NameTarget lookup(std::string_view name, const Scope* scope, uint32_t module);
  // Resolves `a.b.c` as far as it names declarations: a module alias followed by a
  // declaration, or a declaration. Returns the symbol and how many segments it used.
  std::optional<std::pair<Symbol, size_t>> lookupPath(const syntax::Path& path, uint32_t module);
  std::string describe(Symbol symbol) const;  // "a record", "a role" …
  const DeclHeader& header(Symbol symbol) const;
  // Names visible from `module` (for "did you mean").
  std::vector<std::string> visibleNames(uint32_t module, const Scope* scope) const;
  void reportUnknownName(std::string_view name, Location location, uint32_t module,
                         const Scope* scope,
                         const diagnostics::DiagnosticDescriptor<std::string_view>& kind);

  // ---- Pass 3: bodies.cpp, stmts.cpp, exprs.cpp, calls.cpp, stdlib_calls.cpp, effects.cpp
  void checkBodies(uint32_t module);
  uint32_t newUnit(UnitKind kind, std::string name, TypeId result, const syntax::Decl* decl);
  uint32_t addSlot(TypeId type);
  Binding* bind(Scope& scope, const syntax::Ident& name, TypeId type, bool is_var,
                const void* node);

  // Statements return whether they always end the body (return/fail).
  bool checkBlock(const syntax::Block& block, Scope& parent);
  bool checkStmt(const syntax::Stmt& stmt, Scope& scope);
  bool checkMatch(const syntax::MatchStmt& match, const syntax::Stmt& stmt, Scope& scope);

  TypeId checkExpr(const syntax::Expr& expr, Scope& scope, TypeId expected = 0);
  // checkExpr + expectType + coercion.
  TypeId checkExprAs(const syntax::Expr& expr, Scope& scope, TypeId expected,
                     std::string_view what = {});
  void checkCondition(const syntax::Expr& expr, Scope& scope);
  TypeId checkName(const syntax::Expr& expr, const syntax::NameExpr& name, Scope& scope,
                   TypeId expected);

  TypeId checkMember(const syntax::Expr& expr, const syntax::MemberExpr& member, Scope& scope);
  TypeId checkBinary(const syntax::Expr& expr, const syntax::BinaryExpr& binary, Scope& scope);
  TypeId checkUnary(const syntax::Expr& expr, const syntax::UnaryExpr& unary, Scope& scope);
  TypeId checkRecordLiteral(const syntax::Expr& expr, const syntax::RecordExpr& record,
                            Scope& scope);
  TypeId checkRecordFields(const syntax::Expr& expr, uint32_t record,
                           const std::vector<syntax::FieldInit>& fields, Scope& scope,
                           bool defaults_allowed);
  TypeId checkCall(const syntax::Expr& expr, const syntax::CallExpr& call, Scope& scope,
                   TypeId expected);
  // A call of stdlib function `name` (stdlib_calls.cpp).
  TypeId checkNativeCall(const syntax::Expr& expr, const syntax::CallExpr& call,
                         std::string_view name, Scope& scope, TypeId expected);
  TypeId checkConnectorCall(const syntax::Expr& expr, const syntax::CallExpr& call, uint32_t op,
                            Scope& scope);
  TypeId checkApproval(const syntax::Expr& expr, const std::vector<syntax::Clause>& clauses,
                       const syntax::Expr* title, bool is_task, Scope& scope);
  TypeId checkAwait(const syntax::Expr& expr, const syntax::AwaitExpr& await, Scope& scope);
  TypeId checkStart(const syntax::Expr& expr, const syntax::StartExpr& start, Scope& scope);
  // `classify C(text)` and `learn C(text, label)` (classifiers.cpp).
  TypeId checkClassify(const syntax::Expr& expr, const syntax::ClassifyExpr& classify,
                       Scope& scope);
  void checkLearn(const syntax::Stmt& stmt, const syntax::LearnStmt& learn, Scope& scope);
  // The classifier `path` names, reporting when it names none.
  std::optional<uint32_t> findClassifier(const syntax::Path& path);
  // `d in C` after a waiting duration (calendars.cpp).
  TypeId checkInCalendar(const syntax::Expr& expr, const syntax::InCalendarExpr& in, Scope& scope);
  // The calendar `path` names, reporting when it names none.
  std::optional<uint32_t> findCalendar(const syntax::Path& path);
  void checkArguments(Location call, std::string_view callee, const std::vector<syntax::Expr>& args,
                      const std::vector<ParamInfo>& params, Scope& scope);
  // Effects: reports when the current context does not allow them.
  bool allowEffect(const syntax::Expr& expr, std::string_view what, bool waits);
  bool allowEffectAt(Location location, std::string_view what, bool waits);

  // Test statements (effects.cpp).
  bool checkTestStmt(const syntax::Stmt& stmt, Scope& scope);
  // Starts the code unit of a mock's body (`mock … => e`), whose parameters are `params`
  // bound to the mock's binders in `body` (a scope below `scope`), and makes it the
  // context; the caller restores its own context after checking the body.
  uint32_t openMockUnit(const syntax::MockStmt& mock, std::string_view mocked, TypeId result,
                        const std::vector<TypeId>& params, Scope& scope, Scope& body);
  // `track`, header `measure` (units over the parameters), the `measure` statement and
  // the `stage` clause (figures.cpp).
  void checkFigures(uint32_t workflow, const syntax::Decl& decl);
  void checkMeasure(const syntax::Stmt& stmt, const syntax::MeasureStmt& measure, Scope& scope);
  void checkStage(const syntax::Clause& clause, Scope& scope);
  // `mock classify C(text) => member confidence d` (classifiers.cpp).
  void mockClassify(const syntax::Stmt& stmt, const syntax::MockStmt& mock, Scope& scope);

  // ---- Constants: fold.cpp -----------------------------------------------------------
  // The value of a constant expression, or nullopt (with a diagnostic saying why when
  // `report` names what needed it).
  std::optional<ConstValue> fold(const syntax::Expr& expr, uint32_t module,
                                 std::string_view report);

  // ---- Pass 4: lints.cpp -------------------------------------------------------------
  void runLints(uint32_t module);

  // The state of the unit being checked.
  Context context_;
  uint32_t module_ = 0;      // module being checked
  source::FileId file_ = 0;  // its file

 private:
  const source::SourceSet& sources_;
  const std::vector<syntax::File>& files_;
  diagnostics::DiagnosticEmitter emitter_;
  CheckOptions options_;
  Program program_;
};

// Binds a unit's parameters as its first slots (bodies.cpp).
void bindParams(Checker& checker, Scope& scope, const std::vector<ParamInfo>& params,
                const std::vector<syntax::Param>& syntax_params);

}  // namespace rflow::check
