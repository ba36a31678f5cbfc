// IndexBuilder: one pass over the program's tables (declared symbols and their
// signatures) and one walk over each user file (occurrences and local bindings).
#include "lsp/service/index.h"

#include <fmt/format.h>

#include <algorithm>

#include "syntax/box.h"

namespace rflow::lsp::service {

using check::ExprRef;
using source::FileId;
using source::Location;
using source::Span;
using namespace syntax;

const check::ModuleInfo* moduleOfFile(const check::Program& program, FileId file) {
  for (const check::ModuleInfo& m : program.modules)
    if (m.file == file && m.syntax != nullptr) return &m;
  return nullptr;
}

std::optional<check::Symbol> lookup(const check::Program& program, const check::ModuleInfo* module,
                                    const Path& path) {
  if (path.empty()) return std::nullopt;
  if (path.size() == 1) {
    if (module != nullptr) {
      if (auto it = module->names.find(path[0].text); it != module->names.end()) return it->second;
      if (auto it = module->imports.find(path[0].text); it != module->imports.end())
        return check::Symbol{check::SymbolKind::kModule, it->second.module};
    }
    if (!program.modules.empty()) {
      const auto& prelude = program.modules[0].names;
      if (auto it = prelude.find(path[0].text); it != prelude.end()) return it->second;
    }
    return std::nullopt;
  }
  if (path.size() == 2 && module != nullptr) {
    auto imp = module->imports.find(path[0].text);
    if (imp == module->imports.end()) return std::nullopt;
    const auto& names = program.modules[imp->second.module].names;
    if (auto it = names.find(path[1].text); it != names.end()) return it->second;
  }
  return std::nullopt;
}

std::optional<Location> declaredAt(const check::Program& p, check::Symbol s) {
  using K = check::SymbolKind;
  switch (s.kind) {
    case K::kRecord:
      return p.records[s.index].header.location;
    case K::kEnum:
      return p.enums[s.index].header.location;
    case K::kConst:
      return p.consts[s.index].header.location;
    case K::kRole:
      return p.roles[s.index].header.location;
    case K::kConnector:
      return p.connectors[s.index].header.location;
    case K::kFunction:
      return p.functions[s.index].header.location;
    case K::kPolicy:
      return p.policies[s.index].header.location;
    case K::kWorkflow:
      return p.workflows[s.index].header.location;
    case K::kClassifier:
      return p.classifiers[s.index].header.location;
    case K::kCalendar:
      return p.calendars[s.index].header.location;
    case K::kModule: {
      const check::ModuleInfo& m = p.modules[s.index];
      if (m.syntax == nullptr || m.syntax->module.empty()) return std::nullopt;
      return Location{m.file, m.syntax->module.back().span};
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------

class IndexBuilder {
 public:
  IndexBuilder(const compiler::CheckResult& r, Index& index)
      : r_(r), p_(r.program), index_(index) {}

  void build() {
    index_.occurrences_.resize(r_.sources.size());
    index_.bindings_.resize(r_.sources.size());
    index_.members_.resize(r_.sources.size());
    index_.stdlib_calls_.resize(r_.sources.size());
    index_.unplaced_fields_.resize(r_.sources.size());
    index_.stages_.resize(r_.sources.size());
    index_.workflows_.resize(r_.sources.size());
    index_.types_.resize(r_.sources.size());
    tables();
    for (const File& file : r_.files)
      indexFile(file);
    for (auto& occ : index_.occurrences_) {
      std::sort(occ.begin(), occ.end(),
                [](const Occurrence& a, const Occurrence& b) { return a.span < b.span; });
      // Keep one occurrence per place (a name may be reached twice, e.g. a declaration
      // and its table entry).
      std::vector<Occurrence> kept;
      for (const Occurrence& o : occ) {
        if (!kept.empty() && kept.back().span.end > o.span.begin) {
          if (o.is_declaration) kept.back() = o;
          continue;
        }
        kept.push_back(o);
      }
      occ = std::move(kept);
    }
  }

 private:
  std::string type(check::TypeId t) const { return p_.typeName(t); }
  std::string params(const std::vector<check::ParamInfo>& ps) const {
    std::string out;
    for (size_t i = 0; i < ps.size(); ++i)
      out += fmt::format("{}{}: {}", i ? ", " : "", ps[i].name, type(ps[i].type));
    return out;
  }
  std::string result(check::TypeId t) const {
    return p_.types.kind(t) == check::TypeKind::kVoid ? "" : " -> " + type(t);
  }
  std::string moduleName(uint32_t m) const {
    return m < p_.modules.size() ? p_.modules[m].name : "";
  }

  void add(SymbolInfo info) {
    const SymbolKey key = keyOf(info.location);
    index_.symbols_.try_emplace(key, std::move(info));
  }
  SymbolInfo fieldSymbol(const check::RecordInfo& rec, const check::FieldInfo& f) const {
    return {f.location,
            SymbolKind::kField,
            f.name,
            rec.header.short_name,
            fmt::format("{}.{}: {}", rec.header.short_name, f.name, type(f.type)),
            f.doc};
  }
  // A classifier's record has no text of its own: its fields are all "declared" at the
  // classifier's name, where they would stand for the classifier in references and rename.
  static bool unplaced(const check::RecordInfo& rec) {
    return rec.kind == check::RecordKind::kClassification;
  }
  void fieldUse(Span span, const check::RecordInfo& rec, size_t field) {
    if (field >= rec.fields.size()) return;
    if (unplaced(rec)) {
      if (!span.empty())
        index_.unplaced_fields_[file_].push_back({span, fieldSymbol(rec, rec.fields[field])});
      return;
    }
    use(span, rec.fields[field].location);
  }

  void header(const check::DeclHeader& h, SymbolKind kind, std::string signature) {
    add({h.location, kind, h.short_name, moduleName(h.module), std::move(signature), h.doc});
  }
  void paramSymbols(const std::vector<check::ParamInfo>& ps, const std::string& container) {
    for (const auto& pi : ps)
      add({pi.location, SymbolKind::kParameter, pi.name, container,
           fmt::format("{}: {}", pi.name, type(pi.type)), ""});
  }

  void tables() {
    for (const auto& rec : p_.records) {
      const bool signal = rec.kind == check::RecordKind::kSignal;
      std::string sig =
          fmt::format("{} {} {{", signal ? "signal" : "record", rec.header.short_name);
      for (const auto& f : rec.fields)
        sig += fmt::format("\n  {}: {}", f.name, type(f.type));
      sig += rec.fields.empty() ? "}" : "\n}";
      if (rec.kind == check::RecordKind::kRecord || signal ||
          rec.kind == check::RecordKind::kBuiltin)
        header(rec.header, signal ? SymbolKind::kSignal : SymbolKind::kRecord, sig);
      if (unplaced(rec)) continue;
      for (const auto& f : rec.fields)
        add(fieldSymbol(rec, f));
    }
    for (const auto& e : p_.enums) {
      std::string sig = fmt::format("enum {} {{ ", e.header.short_name);
      for (size_t i = 0; i < e.members.size(); ++i)
        sig += (i ? ", " : "") + e.members[i].name;
      header(e.header, SymbolKind::kEnum, sig + " }");
      for (const auto& m : e.members)
        add({m.location, SymbolKind::kEnumMember, m.name, e.header.short_name,
             fmt::format("{}.{}", e.header.short_name, m.name), m.doc});
    }
    for (const auto& c : p_.consts)
      header(c.header, SymbolKind::kConst,
             fmt::format("const {}: {}", c.header.short_name, type(c.type)));
    for (const auto& role : p_.roles)
      header(role.header, SymbolKind::kRole,
             fmt::format("role {} \"{}\"", role.header.short_name, role.title));
    for (const auto& c : p_.connectors) {
      std::string sig = fmt::format("connector {} {{", c.header.short_name);
      for (uint32_t i = 0; i < c.op_count; ++i) {
        const auto& op = p_.ops[c.first_op + i];
        const std::string op_sig =
            fmt::format("fn {}({}){}", op.name, params(op.params), result(op.result));
        sig += "\n  " + op_sig;
        add({op.location, SymbolKind::kOperation, op.name, c.header.short_name,
             fmt::format("fn {}.{}({}){}", c.header.short_name, op.name, params(op.params),
                         result(op.result)),
             op.doc});
        paramSymbols(op.params, c.header.short_name + "." + op.name);
      }
      header(c.header, SymbolKind::kConnector, sig + (c.op_count ? "\n}" : "}"));
    }
    for (const auto& f : p_.functions) {
      const bool decision = f.kind == check::FunctionKind::kDecision;
      header(f.header, decision ? SymbolKind::kDecision : SymbolKind::kFunction,
             fmt::format("{} {}({}){}", decision ? "decision" : "fn", f.header.short_name,
                         params(f.params), result(f.result)));
      paramSymbols(f.params, f.header.short_name);
    }
    for (const auto& w : p_.workflows) {
      header(w.header, SymbolKind::kWorkflow,
             fmt::format("workflow {}({}){}", w.header.short_name, params(w.params),
                         result(w.result)));
      paramSymbols(w.params, w.header.short_name);
      figureSymbols(w);
    }
    for (const auto& c : p_.classifiers) {
      // Hover shows what the classifier sorts into and when it labels (intelligence.md §1).
      std::string labels;
      if (c.labels) {
        for (const auto& m : p_.enums[*c.labels].members)
          labels += (labels.empty() ? "" : ", ") + m.name;
      }
      header(
          c.header, SymbolKind::kClassifier,
          fmt::format("classifier {} -> {} {{ threshold {} }}\n// labels: {}", c.header.short_name,
                      c.labels ? p_.enums[*c.labels].header.short_name : "?",
                      c.threshold.toString(), labels));
    }
    for (const auto& c : p_.calendars) {
      // Hover shows the calendar's lines as written (intelligence.md §3).
      std::string sig = "calendar " + c.header.short_name + " {";
      if (const auto* d = c.header.decl != nullptr ? c.header.decl->as<CalendarDecl>() : nullptr) {
        sig += fmt::format("\n  zone \"{}\"", d->zone.value_or("UTC"));
        for (const CalendarOpen& o : d->open)
          sig += "\n  open " + spelling(o);
        if (!d->closed.empty()) {
          sig += "\n  closed ";
          for (size_t i = 0; i < d->closed.size(); ++i)
            sig += (i > 0 ? ", " : "") + spelling(d->closed[i]);
        }
      }
      header(c.header, SymbolKind::kCalendar, sig + "\n}");
    }
    for (const auto& pol : p_.policies)
      header(pol.header, SymbolKind::kPolicy,
             fmt::format("policy {} on {}", pol.header.short_name,
                         pol.kind == check::PolicyKind::kApproval ? "approval" : "task"));
  }

  // What a workflow tracks and measures, as the checker recorded them: a measure that
  // only statements name is declared where it is first set, and hover says what each is
  // for (intelligence.md §2).
  void figureSymbols(const check::WorkflowInfo& w) {
    const std::string& name = w.header.short_name;
    for (const auto& t : w.tracks)
      add({t.location, SymbolKind::kField, t.name, name,
           fmt::format("track {}: {}", t.name, type(t.type)),
           fmt::format("A tracked dimension, fixed at start from the parameters and kept with "
                       "the instance. List the instances by it with `GET "
                       "/v1/instances?workflow={}&{}=…`; insights count them by it with "
                       "`by={}`.",
                       name, t.name, t.name)});
    for (const auto& m : w.measures)
      add({m.location, SymbolKind::kField, m.name, name,
           fmt::format("measure {}: {}", m.name, type(m.type)),
           fmt::format("A measure, {}; `measure {} = …` statements replace it. The instance "
                       "keeps its latest value, audited; insights sum and average it per "
                       "value of a tracked dimension.",
                       m.unit ? "set at start by the header's clause"
                              : "set by the first `measure` statement that runs",
                       m.name)});
  }

  // ---- per file ----------------------------------------------------------------------

  void use(Span span, std::optional<Location> target) {
    if (!target || span.empty()) return;
    index_.occurrences_[file_].push_back({span, *target, false});
  }
  void declare(Span span) {
    if (span.empty()) return;
    index_.occurrences_[file_].push_back({span, Location{file_, span}, true});
  }
  // A parameter or local: a symbol (unless the tables have it), a declaration
  // occurrence, and a binding visible over `visible`.
  void bind(const Ident& name, SymbolKind kind, std::string type_text, Span visible,
            std::string container = {}) {
    if (name.text.empty()) return;
    const Location loc{file_, name.span};
    add({loc, kind, name.text, std::move(container),
         fmt::format("{}{}{}", kind == SymbolKind::kLocal ? "let " : "", name.text,
                     type_text.empty() ? "" : ": " + type_text),
         ""});
    declare(name.span);
    index_.bindings_[file_].push_back({name.text, loc, visible, std::move(type_text)});
    if (!scopes_.empty()) scopes_.back().push_back({name.text, loc});
  }
  std::optional<Location> local(const std::string& name) const {
    for (auto s = scopes_.rbegin(); s != scopes_.rend(); ++s)
      for (auto b = s->rbegin(); b != s->rend(); ++b)
        if (b->first == name) return b->second;
    return std::nullopt;
  }
  const check::ExprFact* fact(const Expr& e) const {
    if (file_ >= p_.facts.size()) return nullptr;
    const auto& exprs = p_.facts[file_].exprs;
    if (e.id >= exprs.size() || !exprs[e.id].checked) return nullptr;
    return &exprs[e.id];
  }
  std::string text(Span s) const { return std::string(r_.sources.file(file_).text(s)); }

  void indexFile(const File& file) {
    file_ = file.file;
    module_ = moduleOfFile(p_, file_);
    if (!file.module.empty()) declare(file.module.back().span);
    for (const ImportDecl& imp : file.imports) {
      const Ident& name = imp.alias ? *imp.alias : (imp.path.empty() ? Ident{} : imp.path.back());
      if (name.text.empty()) continue;
      // The alias names the imported module; its symbol is the module's own name.
      if (auto sym = lookup(p_, module_, Path{name});
          sym && sym->kind == check::SymbolKind::kModule) {
        const auto target = declaredAt(p_, *sym);
        for (const Ident& seg : imp.path)
          if (&seg == &imp.path.back()) use(seg.span, target);
        if (imp.alias) use(imp.alias->span, target);
      }
    }
    for (const Decl& d : file.decls)
      declaration(d);
  }

  // The first name of `alias.Name`: a use of the imported module.
  void alias(const Ident& name) {
    if (auto m = lookup(p_, module_, Path{name}); m && m->kind == check::SymbolKind::kModule)
      use(name.span, declaredAt(p_, *m));
  }

  void typeRef(const TypeRef& t) {
    if (t.kind == TypeRef::Kind::kNamed && !t.path.empty()) {
      if (auto sym = lookup(p_, module_, t.path)) {
        if (t.path.size() == 2) alias(t.path[0]);
        use(t.path.back().span, declaredAt(p_, *sym));
      }
    }
    for (const TypeRef& a : t.args)
      typeRef(a);
  }
  void typeRef(const std::optional<TypeRef>& t) {
    if (t) typeRef(*t);
  }
  void fields(const std::vector<FieldDecl>& fs) {
    for (const FieldDecl& f : fs) {
      declare(f.name.span);
      typeRef(f.type);
      opt(f.default_value);
    }
  }
  void params(const std::vector<Param>& ps, Span visible, const std::string& container) {
    for (const Param& pa : ps) {
      typeRef(pa.type);
      bind(pa.name, SymbolKind::kParameter, text(pa.type.span), visible, container);
    }
  }

  void declaration(const Decl& d) {
    declare(d.name.span);
    scopes_.assign(1, {});
    std::visit(Overloaded{
                   [&](const RecordDecl& x) { fields(x.fields); },
                   [&](const SignalDecl& x) { fields(x.fields); },
                   [&](const EnumDecl& x) {
                     for (const EnumMember& m : x.members)
                       declare(m.name.span);
                   },
                   [&](const ConstDecl& x) {
                     typeRef(x.type);
                     opt(x.value);
                   },
                   [&](const RoleDecl& x) { opt(x.title); },
                   [&](const ConnectorDecl& x) {
                     for (const ConnectorOp& op : x.ops) {
                       declare(op.name.span);
                       for (const Param& pa : op.params) {
                         typeRef(pa.type);
                         declare(pa.name.span);
                       }
                       typeRef(op.result);
                     }
                   },
                   [&](const FnDecl& x) {
                     params(x.params, d.span, d.name.text);
                     typeRef(x.result);
                     if (x.body) block(*x.body);
                     opt(x.expr_body);
                   },
                   [&](const DecisionDecl& x) {
                     params(x.params, d.span, d.name.text);
                     typeRef(x.result);
                     for (const DecisionRule& rule : x.rules) {
                       opt(rule.cond);
                       opt(rule.result);
                     }
                   },
                   [&](const PolicyDecl& x) {
                     bind(x.param, SymbolKind::kParameter,
                          x.kind == PolicyKind::kApproval ? "ApprovalDecision" : "TaskCompletion",
                          d.span, d.name.text);
                     opt(x.when);
                     block(x.body);
                   },
                   [&](const TriggerDecl& x) {
                     params(x.params, d.span, d.name.text);
                     opt(x.cron);
                     path(x.workflow);
                     for (const Expr& a : x.args)
                       expr(a);
                   },
                   [&](const WorkflowDecl& x) {
                     workflow_.reset();
                     if (auto w = lookup(p_, module_, Path{d.name});
                         w && w->kind == check::SymbolKind::kWorkflow)
                       workflow_ = w->index;
                     index_.workflows_[file_].push_back({d.span, {}});
                     params(x.params, d.span, d.name.text);
                     typeRef(x.result);
                     opt(x.owner);
                     opt(x.key);
                     if (x.sla) {
                       opt(x.sla->duration);
                       if (x.sla->breach) block(*x.sla->breach);
                     }
                     figures(d, x);
                     block(x.body);
                     workflow_.reset();
                   },
                   [&](const TestDecl& x) {
                     opt(x.title);
                     block(x.body);
                   },
                   [&](const ClassifierDecl& x) {
                     typeRef(x.labels);
                     opt(x.threshold);
                   },
                   [&](const CalendarDecl&) {},
               },
               d.data);
    scopes_.clear();
  }

  // A path naming a declaration (`W`, `alias.W`, `conn.op`, `alias.conn.op`).
  void path(const Path& pth) {
    if (pth.empty()) return;
    if (auto sym = lookup(p_, module_, pth)) {
      if (pth.size() == 2) alias(pth[0]);
      use(pth.back().span, declaredAt(p_, *sym));
      return;
    }
    // conn.op / alias.conn.op
    if (pth.size() >= 2) {
      Path head(pth.begin(), pth.end() - 1);
      auto conn = lookup(p_, module_, head);
      if (!conn || conn->kind != check::SymbolKind::kConnector) return;
      path(head);
      const auto& c = p_.connectors[conn->index];
      for (uint32_t i = 0; i < c.op_count; ++i)
        if (p_.ops[c.first_op + i].name == pth.back().text)
          use(pth.back().span, p_.ops[c.first_op + i].location);
    }
  }

  void pattern(const Pattern& pat) {
    if (pat.kind != Pattern::Kind::kEnumMember || pat.path.size() < 2) return;
    Path head(pat.path.begin(), pat.path.end() - 1);
    auto e = lookup(p_, module_, head);
    if (!e || e->kind != check::SymbolKind::kEnum) return;
    path(head);
    const auto& info = p_.enums[e->index];
    const int m = info.memberIndex(pat.path.back().text);
    if (m >= 0) use(pat.path.back().span, info.members[static_cast<size_t>(m)].location);
  }

  void block(const Block& b) {
    scopes_.emplace_back();
    const Span saved = block_;
    block_ = b.span;
    for (const Stmt& s : b.stmts)
      stmt(s);
    block_ = saved;
    scopes_.pop_back();
  }
  Span visibleAfter(Span name) const { return {name.end, std::max(name.end, block_.end)}; }

  void opt(const Box<Expr>& e) {
    if (e) expr(*e);
  }

  std::string typeOf(const Box<Expr>& e) const {
    if (!e) return {};
    const check::ExprFact* f = fact(*e);
    return f && !p_.types.isError(f->type) ? type(f->type) : std::string{};
  }

  // A workflow's tracked values and header measures: symbols of the workflow, so that
  // hover shows what each is and of which type.
  void figures(const Decl& d, const WorkflowDecl& w) {
    const auto figure = [&](const NamedValue& v, std::string_view word) {
      opt(v.value);
      if (v.name.text.empty()) return;
      add({Location{file_, v.name.span}, SymbolKind::kField, v.name.text, d.name.text,
           fmt::format("{} {}{}", word, v.name.text,
                       typeOf(v.value).empty() ? "" : ": " + typeOf(v.value)),
           ""});
      declare(v.name.span);
    };
    for (const NamedValue& v : w.tracks)
      figure(v, "track");
    for (const NamedValue& v : w.measures) {
      figure(v, "measure");
      noteMeasure(v.name);
    }
  }

  // A measure named in the workflow being walked, kept where it is first named.
  void noteMeasure(const Ident& name) {
    if (index_.workflows_[file_].empty() || name.text.empty()) return;
    auto& named = index_.workflows_[file_].back().measures;
    if (std::none_of(named.begin(), named.end(), [&](const auto& m) { return m.first == name.text; }))
      named.emplace_back(name.text, Location{file_, name.span});
  }

  // The name of a `measure` statement: the measure's declaration where the checker
  // recorded it first, a use of it otherwise.
  void measureName(const Ident& name) {
    if (name.text.empty()) return;
    noteMeasure(name);
    if (!workflow_) return;
    for (const auto& m : p_.workflows[*workflow_].measures) {
      if (m.name != name.text) continue;
      if (m.location.file == file_ && m.location.span == name.span) {
        declare(name.span);
      } else {
        use(name.span, m.location);
      }
      return;
    }
  }

  void stmt(const Stmt& s) {
    std::visit(Overloaded{
                   [&](const LetStmt& x) {
                     opt(x.value);
                     typeRef(x.type);
                     bind(x.name, SymbolKind::kLocal, x.type ? text(x.type->span) : typeOf(x.value),
                          visibleAfter(x.name.span));
                   },
                   [&](const AssignStmt& x) {
                     opt(x.target);
                     opt(x.value);
                   },
                   [&](const IfStmt& x) {
                     for (const IfBranch& b : x.branches) {
                       opt(b.cond);
                       block(b.body);
                     }
                     if (x.else_block) block(*x.else_block);
                   },
                   [&](const MatchStmt& x) {
                     opt(x.subject);
                     for (const MatchArm& a : x.arms) {
                       for (const Pattern& pat : a.patterns)
                         pattern(pat);
                       block(a.body);
                     }
                   },
                   [&](const ForStmt& x) {
                     opt(x.iterable);
                     scopes_.emplace_back();
                     std::string elem;
                     if (x.iterable) {
                       if (const auto* f = fact(*x.iterable);
                           f && p_.types.kind(f->type) == check::TypeKind::kList)
                         elem = type(p_.types.get(f->type).element);
                     }
                     bind(x.var, SymbolKind::kLocal, elem, {x.var.span.end, x.body.span.end});
                     block(x.body);
                     scopes_.pop_back();
                   },
                   [&](const WhileStmt& x) {
                     opt(x.cond);
                     block(x.body);
                   },
                   [&](const ReturnStmt& x) { opt(x.value); },
                   [&](const FailStmt& x) { opt(x.message); },
                   [&](const TryStmt& x) {
                     block(x.body);
                     scopes_.emplace_back();
                     bind(x.error_name, SymbolKind::kLocal, "Error",
                          {x.error_name.span.end, x.handler.span.end});
                     block(x.handler);
                     scopes_.pop_back();
                   },
                   [&](const ParallelStmt& x) {
                     for (const ParallelBranch& b : x.branches) {
                       opt(b.value);
                       typeRef(b.type);
                     }
                     for (const ParallelBranch& b : x.branches)
                       bind(b.name, SymbolKind::kLocal,
                            b.type ? text(b.type->span) : typeOf(b.value),
                            visibleAfter(b.name.span));
                   },
                   [&](const SleepStmt& x) { opt(x.value); },
                   [&](const RequireStmt& x) {
                     opt(x.cond);
                     opt(x.message);
                   },
                   [&](const NoteStmt& x) { opt(x.text); },
                   [&](const NotifyStmt& x) {
                     opt(x.target);
                     opt(x.text);
                   },
                   [&](const ExprStmt& x) { opt(x.expr); },
                   [&](const MockStmt& x) {
                     path(x.op);
                     scopes_.emplace_back();
                     for (const Ident& b : x.binders)
                       bind(b, SymbolKind::kLocal, "", {b.span.end, s.span.end});
                     opt(x.result);
                     opt(x.fails);
                     opt(x.confidence);
                     scopes_.pop_back();
                   },
                   [&](const LearnStmt& x) {
                     path(x.classifier);
                     for (const Expr& a : x.args)
                       expr(a);
                   },
                   [&](const AdvanceStmt& x) { opt(x.duration); },
                   [&](const DecideStmt& x) {
                     opt(x.target);
                     opt(x.by);
                     opt(x.comment);
                     for (const FieldInit& fi : x.with)
                       opt(fi.value);
                   },
                   [&](const SendStmt& x) {
                     opt(x.run);
                     opt(x.signal);
                   },
                   [&](const ExpectStmt& x) {
                     opt(x.cond);
                     opt(x.message);
                   },
                   [&](const ExpectCalledStmt& x) {
                     path(x.op);
                     opt(x.times);
                   },
                   [&](const MeasureStmt& x) {
                     opt(x.measure.value);
                     measureName(x.measure.name);
                   },
               },
               s.data);
  }

  std::optional<Location> refTarget(const check::ExprFact& f) const {
    switch (f.ref) {
      case ExprRef::kConst:
        return p_.consts[f.a].header.location;
      case ExprRef::kRole:
        return p_.roles[f.a].header.location;
      case ExprRef::kEnumMember:
        return p_.enums[f.a].members[f.b].location;
      case ExprRef::kEnumType:
        return p_.enums[f.a].header.location;
      case ExprRef::kRecordType:
        return p_.records[f.a].header.location;
      case ExprRef::kModule:
        return declaredAt(p_, {check::SymbolKind::kModule, f.a});
      case ExprRef::kConnector:
        return p_.connectors[f.a].header.location;
      case ExprRef::kConnectorOp:
        return p_.ops[f.a].location;
      case ExprRef::kFunction:
        return p_.functions[f.a].header.location;
      case ExprRef::kWorkflow:
        return p_.workflows[f.a].header.location;
      case ExprRef::kCalendar:
        return p_.calendars[f.a].header.location;
      default:
        return std::nullopt;
    }
  }

  const check::RecordInfo* recordOf(check::TypeId t) const {
    t = p_.types.unwrap(t);
    if (p_.types.kind(t) != check::TypeKind::kRecord) return nullptr;
    return &p_.records[p_.types.get(t).decl];
  }

  void fieldInits(const check::RecordInfo* rec, const std::vector<FieldInit>& inits) {
    for (const FieldInit& fi : inits) {
      if (rec != nullptr) {
        const int i = rec->fieldIndex(fi.name.text);
        if (i >= 0) fieldUse(fi.name.span, *rec, static_cast<size_t>(i));
      }
      opt(fi.value);
    }
  }

  // A callee the checker took for a stdlib function: one it resolved to an overload, or
  // one it checked without resolving to anything (the arguments fit no overload).
  void stdlibCall(const Expr& callee) {
    const auto* name = callee.as<NameExpr>();
    const check::ExprFact* f = fact(callee);
    if (name == nullptr || f == nullptr) return;
    const stdlib::Function* function = stdlib::findFunction(name->name);
    if (function == nullptr) return;
    const stdlib::Overload* overload = nullptr;
    switch (f->ref) {
      case ExprRef::kNative:
      case ExprRef::kConversion:
      case ExprRef::kNow:
        if (f->b < std::size(stdlib::kOverloads)) overload = &stdlib::kOverloads[f->b];
        break;
      case ExprRef::kNone:
        break;
      default:
        return;
    }
    index_.stdlib_calls_[file_].push_back({callee.span, function, overload});
  }

  void expr(const Expr& e) {
    const check::ExprFact* f = fact(e);
    if (f != nullptr && !p_.types.isError(f->type))
      index_.types_[file_].push_back({e.span, f->type});
    std::visit(Overloaded{
                   [&](const NameExpr& x) {
                     if (f == nullptr) return;
                     if (f->ref == ExprRef::kLocal) {
                       use(e.span, local(x.name));
                     } else {
                       use(e.span, refTarget(*f));
                     }
                   },
                   [&](const MemberExpr& x) {
                     opt(x.object);
                     if (x.object) {
                       if (const check::ExprFact* of = fact(*x.object))
                         index_.members_[file_].push_back({x.member.span.begin, *of});
                     }
                     if (f == nullptr) return;
                     if (f->ref == ExprRef::kField && x.object) {
                       const check::ExprFact* of = fact(*x.object);
                       if (of == nullptr) return;
                       if (const auto* rec = recordOf(of->type))
                         fieldUse(x.member.span, *rec, f->a);
                     } else {
                       use(x.member.span, refTarget(*f));
                     }
                   },
                   [&](const StringExpr& x) {
                     for (const StringPart& part : x.parts)
                       opt(part.expr);
                   },
                   [&](const IndexExpr& x) {
                     opt(x.object);
                     opt(x.index);
                   },
                   [&](const CallExpr& x) {
                     opt(x.callee);
                     if (x.callee) stdlibCall(*x.callee);
                     for (const Expr& a : x.args)
                       expr(a);
                     if (x.options) {
                       opt(x.options->retry);
                       opt(x.options->every);
                       opt(x.options->backoff);
                       opt(x.options->timeout);
                     }
                   },
                   [&](const UnaryExpr& x) { opt(x.operand); },
                   [&](const BinaryExpr& x) {
                     opt(x.lhs);
                     opt(x.rhs);
                   },
                   [&](const ConditionalExpr& x) {
                     opt(x.cond);
                     opt(x.then_expr);
                     opt(x.else_expr);
                   },
                   [&](const ListExpr& x) {
                     for (const Expr& el : x.elements)
                       expr(el);
                   },
                   [&](const MapExpr& x) {
                     if (x.value_type) typeRef(*x.value_type);
                     for (const MapEntry& m : x.entries) {
                       opt(m.key);
                       opt(m.value);
                     }
                   },
                   [&](const RecordExpr& x) {
                     const check::RecordInfo* rec = f ? recordOf(f->type) : nullptr;
                     if (rec != nullptr && !x.type.empty()) {
                       if (x.type.size() == 2) alias(x.type[0]);
                       use(x.type.back().span, rec->header.location);
                     }
                     fieldInits(rec, x.fields);
                   },
                   [&](const ApprovalExpr& x) {
                     opt(x.title);
                     clauses(x.clauses);
                   },
                   [&](const TaskExpr& x) {
                     opt(x.title);
                     clauses(x.clauses);
                   },
                   [&](const AwaitExpr& x) {
                     path(x.signal);
                     opt(x.timeout);
                   },
                   [&](const StartExpr& x) {
                     path(x.workflow);
                     for (const Expr& a : x.args)
                       expr(a);
                   },
                   [&](const ClassifyExpr& x) {
                     path(x.classifier);
                     for (const Expr& a : x.args)
                       expr(a);
                   },
                   [&](const InCalendarExpr& x) {
                     opt(x.duration);
                     path(x.calendar);
                   },
                   [](const auto&) {},
               },
               e.data);
  }

  void clauses(const std::vector<Clause>& cs) {
    for (const Clause& c : cs) {
      if (c.kind == syntax::ClauseKind::kStage && c.value)
        index_.stages_[file_].push_back(
            {c.keyword_span.to(c.value->span), text(c.value->span)});
      opt(c.value);
      opt(c.target);
      for (const FieldInit& fi : c.data)
        opt(fi.value);
      fields(c.form);
    }
  }

  const compiler::CheckResult& r_;
  const check::Program& p_;
  Index& index_;
  FileId file_ = 0;
  const check::ModuleInfo* module_ = nullptr;
  Span block_;
  std::optional<uint32_t> workflow_;  // the workflow being walked, as the checker knows it
  std::vector<std::vector<std::pair<std::string, Location>>> scopes_;
};

Index::Index(const compiler::CheckResult& result) {
  IndexBuilder(result, *this).build();
}

const std::vector<Occurrence>& Index::occurrences(FileId file) const {
  static const std::vector<Occurrence> kNone;
  return file < occurrences_.size() ? occurrences_[file] : kNone;
}

const Occurrence* Index::occurrenceAt(FileId file, uint32_t offset) const {
  const auto& occ = occurrences(file);
  auto it = std::upper_bound(occ.begin(), occ.end(), offset,
                             [](uint32_t o, const Occurrence& x) { return o < x.span.begin; });
  if (it == occ.begin()) return nullptr;
  --it;
  return offset <= it->span.end ? &*it : nullptr;
}

const SymbolInfo* Index::symbol(const Location& location) const {
  auto it = symbols_.find(keyOf(location));
  return it == symbols_.end() ? nullptr : &it->second;
}

std::vector<const Binding*> Index::bindingsAt(FileId file, uint32_t offset) const {
  std::vector<const Binding*> out;
  if (file >= bindings_.size()) return out;
  for (const Binding& b : bindings_[file])
    if (b.visible.begin <= offset && offset <= b.visible.end) out.push_back(&b);
  return out;
}

const MemberSite* Index::memberAt(FileId file, uint32_t offset) const {
  if (file >= members_.size()) return nullptr;
  for (const MemberSite& m : members_[file])
    if (m.member_begin == offset) return &m;
  return nullptr;
}

const StdlibCall* Index::stdlibCallAt(FileId file, uint32_t offset) const {
  if (file >= stdlib_calls_.size()) return nullptr;
  for (const StdlibCall& c : stdlib_calls_[file])
    if (c.name.begin <= offset && offset <= c.name.end) return &c;
  return nullptr;
}

const UnplacedField* Index::unplacedFieldAt(FileId file, uint32_t offset) const {
  if (file >= unplaced_fields_.size()) return nullptr;
  for (const UnplacedField& u : unplaced_fields_[file])
    if (u.span.begin <= offset && offset <= u.span.end) return &u;
  return nullptr;
}

const StageClause* Index::stageAt(FileId file, uint32_t offset) const {
  if (file >= stages_.size()) return nullptr;
  for (const StageClause& c : stages_[file])
    if (c.span.begin <= offset && offset <= c.span.end) return &c;
  return nullptr;
}

const WorkflowSite* Index::workflowAt(FileId file, uint32_t offset) const {
  if (file >= workflows_.size()) return nullptr;
  for (const WorkflowSite& w : workflows_[file])
    if (w.span.begin <= offset && offset <= w.span.end) return &w;
  return nullptr;
}

std::optional<std::pair<Span, check::TypeId>> Index::typeAt(FileId file, uint32_t offset) const {
  std::optional<std::pair<Span, check::TypeId>> best;
  if (file >= types_.size()) return best;
  for (const auto& [span, type] : types_[file]) {
    if (span.begin <= offset && offset < span.end && (!best || span.size() < best->first.size()))
      best = {span, type};
  }
  return best;
}

std::vector<Location> Index::references(const Location& location) const {
  std::vector<Location> out;
  for (FileId f = 0; f < occurrences_.size(); ++f)
    for (const Occurrence& o : occurrences_[f])
      if (keyOf(o.symbol) == keyOf(location)) out.push_back({f, o.span});
  return out;
}

}  // namespace rflow::lsp::service
