// The symbol index: for every user file, each place a name is written (its occurrence)
// and what it names (its symbol), built from the syntax trees and the checker's facts.
// It is what hover, definition, references, rename, completion in scope and the
// outline are answered from.
//
// A symbol is identified by where it is declared (file + byte span of its name):
// declarations, record fields, enum members, connector operations, parameters and
// local bindings all have one, so two occurrences name the same thing exactly when
// their symbol locations are equal. Built-in names of the prelude are symbols too
// (declared in file 0); natives and built-in types have no symbol.
//
// Invariants: occurrences of a file are sorted by span and do not overlap; each one's
// span covers exactly the identifier as written (rename replaces it). Declarations with
// a syntax error still contribute their declarations and bindings; their expressions
// have no facts and so contribute no uses.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "driver/check.h"
#include "stdlib/functions.h"

namespace rflow::lsp::service {

enum class SymbolKind : uint8_t {
  kModule,
  kRecord,
  kSignal,
  kEnum,
  kEnumMember,
  kField,
  kConst,
  kRole,
  kConnector,
  kOperation,
  kFunction,
  kDecision,
  kPolicy,
  kTrigger,
  kWorkflow,
  kTest,
  kClassifier,
  kCalendar,
  kParameter,
  kLocal,
};

struct SymbolInfo {
  source::Location location;  // the declared name
  SymbolKind kind;
  std::string name;       // as written ("Store", "on_hand")
  std::string container;  // the module, record, enum or connector it belongs to
  std::string signature;  // one line of rflow: `fn reorder_qty(daily: int, days: int) -> int`
  std::string doc;        // its doc comment, markers stripped
};

struct Occurrence {
  source::Span span;
  source::Location symbol;  // where the symbol is declared
  bool is_declaration = false;
};

// A local binding or parameter, visible in [visible.begin, visible.end) of its file.
struct Binding {
  std::string name;
  source::Location symbol;
  source::Span visible;
  std::string type;  // empty when unknown
};

struct SymbolKey {
  source::FileId file;
  uint32_t begin;
  friend auto operator<=>(const SymbolKey&, const SymbolKey&) = default;
};
inline SymbolKey keyOf(const source::Location& l) {
  return {l.file, l.span.begin};
}

// A call of a standard library function: hover shows its doc from stdlib/functions.def.
struct StdlibCall {
  source::Span name;                 // the callee as written
  const stdlib::Function* function;  // never null
  const stdlib::Overload* overload;  // the one the checker chose; null when none fits
};

// A use of a field declared by no text of its own: the fields of the record a classifier
// declares, whose locations are all the classifier's name. Hover shows the field; it is
// no occurrence, so that references and rename of the classifier never reach it.
struct UnplacedField {
  source::Span span;  // the field's name as written at the use
  SymbolInfo info;
};

// A `stage "name"` clause of an approval or task (intelligence.md §2): hover says which
// stage the wait is counted in.
struct StageClause {
  source::Span span;  // from the keyword to the end of the name
  std::string name;   // as written, quotes included
};

// A workflow declaration's extent and the measures it names (header clauses, then
// statements, each where it is first named): completion after `measure` offers them. From
// the syntax, so that a body that does not parse while a statement is typed still has them.
struct WorkflowSite {
  source::Span span;
  std::vector<std::pair<std::string, source::Location>> measures;
};

// `object.member` where the object checked: what completion after the `.` offers.
struct MemberSite {
  uint32_t member_begin;  // byte offset just after the `.`
  check::ExprFact object;
};

class Index {
 public:
  // Indexes every file of `result` (which must outlive the index).
  explicit Index(const compiler::CheckResult& result);

  const std::vector<Occurrence>& occurrences(source::FileId file) const;
  // The occurrence whose span contains `offset` (or ends at it, for a cursor just past
  // a name), if any.
  const Occurrence* occurrenceAt(source::FileId file, uint32_t offset) const;
  const SymbolInfo* symbol(const source::Location& location) const;
  const std::map<SymbolKey, SymbolInfo>& symbols() const { return symbols_; }
  // Bindings visible at `offset`, innermost last.
  std::vector<const Binding*> bindingsAt(source::FileId file, uint32_t offset) const;
  // Every occurrence of the symbol declared at `location`, in file and position order.
  std::vector<source::Location> references(const source::Location& location) const;
  // The member access whose member starts at `offset`, if its object checked.
  const MemberSite* memberAt(source::FileId file, uint32_t offset) const;
  // The stdlib call whose callee's name contains `offset` (or ends at it), if any.
  const StdlibCall* stdlibCallAt(source::FileId file, uint32_t offset) const;
  // The use of an unplaced field whose name contains `offset` (or ends at it), if any.
  const UnplacedField* unplacedFieldAt(source::FileId file, uint32_t offset) const;
  // The stage clause containing `offset` (or ending at it), if any.
  const StageClause* stageAt(source::FileId file, uint32_t offset) const;
  // The workflow whose declaration contains `offset`, if any.
  const WorkflowSite* workflowAt(source::FileId file, uint32_t offset) const;
  // The type of the innermost checked expression around `offset`, if any.
  std::optional<std::pair<source::Span, check::TypeId>> typeAt(source::FileId file,
                                                               uint32_t offset) const;

 private:
  friend class IndexBuilder;
  std::vector<std::vector<Occurrence>> occurrences_;                        // by FileId
  std::vector<std::vector<Binding>> bindings_;                              // by FileId
  std::vector<std::vector<MemberSite>> members_;                            // by FileId
  std::vector<std::vector<StdlibCall>> stdlib_calls_;                       // by FileId
  std::vector<std::vector<UnplacedField>> unplaced_fields_;                 // by FileId
  std::vector<std::vector<StageClause>> stages_;                            // by FileId
  std::vector<std::vector<WorkflowSite>> workflows_;                        // by FileId
  std::vector<std::vector<std::pair<source::Span, check::TypeId>>> types_;  // by FileId
  std::map<SymbolKey, SymbolInfo> symbols_;
};

// The module scope of a file and name lookups through it (shared by the index and
// completion): a name in the file's module, then the prelude; `alias.Name` through an
// import.
const check::ModuleInfo* moduleOfFile(const check::Program& program, source::FileId file);
std::optional<check::Symbol> lookup(const check::Program& program, const check::ModuleInfo* module,
                                    const syntax::Path& path);
// Where a program symbol is declared, when it is declared somewhere.
std::optional<source::Location> declaredAt(const check::Program& program, check::Symbol symbol);

}  // namespace rflow::lsp::service
