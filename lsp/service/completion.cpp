// Completion and signature help. Both read the text around the cursor first, so they
// keep working while the declaration being edited does not parse: after a `.` the
// object's type comes from the current analysis, or else from an analysis of the text
// with a placeholder name completing the member access.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

#include "lsp/service/language_service.h"
#include "lsp/service/state.h"
#include "lsp/service/stdlib_docs.h"

namespace rflow::lsp::service {

namespace {

constexpr std::array<std::string_view, 7> kRunFields = {"status", "result", "error",        "task",
                                                        "tasks",  "notes",  "notifications"};

constexpr std::array<std::string_view, 39> kKeywords = {
    "module",   "import",   "record", "enum",     "const", "role",     "signal", "connector",
    "fn",       "decision", "policy", "workflow", "on",    "start",    "spawn",  "test",
    "let",      "var",      "if",     "then",     "else",  "match",    "for",    "in",
    "while",    "return",   "fail",   "try",      "catch", "parallel", "await",  "sleep",
    "approval", "task",     "when",   "require",  "and",   "or",       "not"};
constexpr std::array<std::string_view, 5> kLiterals = {"true", "false", "none", "list", "map"};
constexpr std::array<std::string_view, 21> kClauseWords = {
    "owner",      "key",      "sla",   "assign",    "requested_by", "amount",  "approvers",
    "due",        "escalate", "data",  "form",      "note",         "notify",  "timeout",
    "classifier", "classify", "learn", "threshold", "track",        "measure", "stage"};

// The word before `at` (skipping blanks): `classify` in `classify Iss|`.
std::string_view wordBefore(std::string_view txt, uint32_t at) {
  while (at > 0 && (txt[at - 1] == ' ' || txt[at - 1] == '\t'))
    --at;
  uint32_t begin = at;
  while (begin > 0 && isIdentChar(txt[begin - 1]))
    --begin;
  return txt.substr(begin, at - begin);
}

// Whether the word before `at` (wordBefore's) is the first on its line: `measure` as a
// statement or clause, not a variable called measure in an expression.
bool statementStart(std::string_view txt, uint32_t at) {
  while (at > 0 && (txt[at - 1] == ' ' || txt[at - 1] == '\t'))
    --at;
  while (at > 0 && isIdentChar(txt[at - 1]))
    --at;
  while (at > 0 && (txt[at - 1] == ' ' || txt[at - 1] == '\t'))
    --at;
  return at == 0 || txt[at - 1] == '\n';
}

struct Snippet {
  std::string_view label, detail, body;
};
constexpr std::array<Snippet, 4> kSnippets = {{
    {"approval", "approval block",
     "approval \"${1:title}\" {\n  assign ${2:Role}\n  due ${3:4h}\n  escalate after ${4:2h} to "
     "${5:Role}\n}"},
    {"task", "task block",
     "task \"${1:title}\" {\n  assign ${2:Role}\n  due ${3:1d}\n  escalate after ${4:4h} to "
     "${5:Role}\n  form { ${6:field}: ${7:string} }\n}"},
    {"workflow", "workflow declaration",
     "/// ${1:What it does.}\nworkflow ${2:Name}(${3:r}: ${4:Request}) -> ${5:Outcome} {\n  owner "
     "\"${6:team}\"\n  $0\n}"},
    {"test", "test block", "test \"${1:what it checks}\" {\n  $0\n}"},
}};

void addSymbolItems(const check::Program& program, const Index& index,
                    const std::unordered_map<std::string, check::Symbol>& names,
                    std::vector<CompletionItem>& out) {
  for (const auto& [name, sym] : names) {
    const auto loc = declaredAt(program, sym);
    const SymbolInfo* info = loc ? index.symbol(*loc) : nullptr;
    CompletionItem item{name, CompletionKind::kClass, "", "", "", false};
    if (info != nullptr) {
      item.kind = completionKind(info->kind);
      item.detail = info->signature.substr(0, info->signature.find('\n'));
      item.documentation = info->doc;
    } else if (sym.kind == check::SymbolKind::kModule) {
      item.kind = CompletionKind::kModule;
    }
    out.push_back(std::move(item));
  }
}

// Members of the object of a member access: fields, enum members, connector
// operations or a module's names.
void memberItems(const Analysis& a, const check::ExprFact& object,
                 std::vector<CompletionItem>& out) {
  const check::Program& p = a.result.program;
  const Index& index = a.index();
  const auto symbolItem = [&](const source::Location& loc, CompletionKind kind) {
    if (const SymbolInfo* s = index.symbol(loc))
      out.push_back({s->name, kind, s->signature, s->doc, "", false});
  };
  switch (object.ref) {
    case check::ExprRef::kEnumType:
      for (const auto& m : p.enums[object.a].members)
        symbolItem(m.location, CompletionKind::kEnumMember);
      return;
    case check::ExprRef::kConnector: {
      const auto& c = p.connectors[object.a];
      for (uint32_t i = 0; i < c.op_count; ++i)
        symbolItem(p.ops[c.first_op + i].location, CompletionKind::kMethod);
      return;
    }
    case check::ExprRef::kModule:
      addSymbolItems(p, index, p.modules[object.a].names, out);
      return;
    default:
      break;
  }
  const check::TypeId t = p.types.unwrap(object.type);
  if (p.types.kind(t) == check::TypeKind::kRecord) {
    for (const auto& f : p.records[p.types.get(t).decl].fields)
      out.push_back(
          {f.name, CompletionKind::kField, f.name + ": " + p.typeName(f.type), f.doc, "", false});
  } else if (p.types.kind(t) == check::TypeKind::kRun) {
    for (std::string_view f : kRunFields)
      out.push_back({std::string(f), CompletionKind::kField, "Run field", "", "", false});
  }
}

// `a.b.` before `end` (the dot's offset): the names of the chain, outermost first.
syntax::Path chainBefore(std::string_view text, uint32_t end) {
  syntax::Path path;
  uint32_t pos = end;
  while (true) {
    uint32_t b = pos;
    while (b > 0 && isIdentChar(text[b - 1]))
      --b;
    if (b == pos) break;
    path.insert(path.begin(), syntax::Ident{std::string(text.substr(b, pos - b)), {b, pos}});
    if (b == 0 || text[b - 1] != '.') break;
    pos = b - 1;
  }
  return path;
}

}  // namespace

std::vector<CompletionItem> LanguageService::completion(const std::string& path, uint32_t offset) {
  const std::string* t = text(path);
  if (t == nullptr) return {};
  const std::string text_copy = *t;
  std::string_view txt = text_copy;
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(txt.size()));
  uint32_t word = offset;
  while (word > 0 && isIdentChar(txt[word - 1]))
    --word;
  const std::string prefix(txt.substr(word, offset - word));
  std::vector<CompletionItem> out;

  if (word > 0 && txt[word - 1] == '.') {
    // After a dot: the member access as it checked, or as it checks with a name there.
    const Analysis& a = state_->current();
    const auto id = state_->fileOf(a, path);
    if (!id) return out;
    if (const MemberSite* site = a.index().memberAt(*id, word)) {
      memberItems(a, site->object, out);
      return out;
    }
    const syntax::Path chain = chainBefore(txt, word - 1);
    const check::ModuleInfo* module = moduleOfFile(a.result.program, *id);
    if (auto sym = lookup(a.result.program, module, chain)) {
      // Declarations by name: works where nothing checks (`mock wms.`, `expect called`).
      check::ExprFact object;
      object.type = a.result.program.types.error();
      if (sym->kind == check::SymbolKind::kEnum) object.ref = check::ExprRef::kEnumType;
      if (sym->kind == check::SymbolKind::kConnector) object.ref = check::ExprRef::kConnector;
      if (sym->kind == check::SymbolKind::kModule) object.ref = check::ExprRef::kModule;
      object.a = sym->index;
      if (object.ref != check::ExprRef::kNone) {
        memberItems(a, object, out);
        return out;
      }
    }
    std::string patched = text_copy;
    patched.insert(offset, "__rflow_completion");
    // `a` is replaced here; only `with` is used from now on.
    const Analysis& with = state_->analyseWith(normalizePath(path), patched);
    if (auto pid = state_->fileOf(with, path)) {
      if (const MemberSite* site = with.index().memberAt(*pid, word))
        memberItems(with, site->object, out);
    }
    return out;
  }

  const Analysis& a = state_->current();
  const auto id = state_->fileOf(a, path);
  const std::string_view before = wordBefore(txt, word);
  // `4h in |`: the word before `in` is a duration literal (digits, then a unit).
  const auto afterDuration = [&] {
    const std::string_view d = wordBefore(txt, static_cast<uint32_t>(before.data() - txt.data()));
    return !d.empty() && d.front() >= '0' && d.front() <= '9' && d.back() >= 'a' && d.back() <= 'z';
  };
  const bool calendars = id && before == "in" && afterDuration();
  if (id && (before == "classify" || before == "learn" || calendars)) {
    // Only a classifier (after classify, learn) or a calendar (after `4h in`) can follow:
    // its name and the first line of its declaration. The file's own module's by name, an
    // imported module's through its alias (as the checker resolves them); others cannot be
    // named from here.
    const check::Program& p = a.result.program;
    const auto offer = [&](std::string label, const check::Symbol& sym) {
      const auto wanted = calendars ? check::SymbolKind::kCalendar : check::SymbolKind::kClassifier;
      if (sym.kind != wanted || !label.starts_with(prefix)) return;
      const check::DeclHeader& h =
          calendars ? p.calendars[sym.index].header : p.classifiers[sym.index].header;
      const SymbolInfo* info = a.index().symbol(h.location);
      const CompletionKind kind = calendars ? CompletionKind::kConstant : CompletionKind::kClass;
      out.push_back({std::move(label), kind,
                     info ? info->signature.substr(0, info->signature.find('\n')) : "", h.doc,
                     "", false});
    };
    if (const check::ModuleInfo* m = moduleOfFile(p, *id)) {
      for (const auto& [name, sym] : m->names)
        offer(name, sym);
      for (const auto& [alias, imp] : m->imports)
        for (const auto& [name, sym] : p.modules[imp.module].names)
          offer(alias + "." + name, sym);
    }
    std::sort(out.begin(), out.end(),
              [](const CompletionItem& x, const CompletionItem& y) { return x.label < y.label; });
    return out;
  }
  if (id && wordBefore(txt, word) == "measure" && statementStart(txt, word)) {
    // `measure |` in a workflow: the measures it has (a statement replaces one); a new
    // name is typed freely.
    if (const WorkflowSite* w = a.index().workflowAt(*id, offset)) {
      for (const auto& [name, first] : w->measures) {
        // The name being typed is first named right here: not a measure (yet).
        if (!name.starts_with(prefix) || (first.file == *id && first.span.begin == word))
          continue;
        // The checker's symbol has the type; a body that does not parse has none.
        const SymbolInfo* info = a.index().symbol(first);
        out.push_back({name, CompletionKind::kField, info ? info->signature : "measure " + name,
                       info ? info->doc : "", "", false});
      }
      std::sort(out.begin(), out.end(), [](const CompletionItem& x, const CompletionItem& y) {
        return x.label < y.label;
      });
      return out;
    }
  }
  std::set<std::string> seen;
  if (id) {
    const auto bindings = a.index().bindingsAt(*id, offset);
    for (auto it = bindings.rbegin(); it != bindings.rend(); ++it) {
      if (!seen.insert((*it)->name).second) continue;
      const SymbolInfo* s = a.index().symbol((*it)->symbol);
      out.push_back({(*it)->name, CompletionKind::kVariable, s ? s->signature : "", "", "", false});
    }
    const check::Program& p = a.result.program;
    if (const check::ModuleInfo* m = moduleOfFile(p, *id)) {
      addSymbolItems(p, a.index(), m->names, out);
      for (const auto& [alias, imp] : m->imports)
        out.push_back({alias, CompletionKind::kModule, "import " + p.modules[imp.module].name, "",
                       "", false});
    }
    if (!p.modules.empty()) addSymbolItems(p, a.index(), p.modules[0].names, out);
  }
  for (const stdlib::Function& f : stdlib::kFunctions)
    out.push_back({std::string(f.name), CompletionKind::kFunction, stdlibSignature(f).text(),
                   std::string(f.doc), "", false});
  for (std::string_view k : kKeywords)
    out.push_back({std::string(k), CompletionKind::kKeyword, "keyword", "", "", false});
  for (std::string_view k : kLiterals)
    out.push_back({std::string(k), CompletionKind::kKeyword, "keyword", "", "", false});
  for (std::string_view k : kClauseWords)
    out.push_back({std::string(k), CompletionKind::kKeyword, "clause", "", "", false});
  for (const Snippet& s : kSnippets)
    out.push_back({std::string(s.label), CompletionKind::kSnippet, std::string(s.detail), "",
                   std::string(s.body), true});

  // Keep what matches the word typed so far; names before keywords.
  std::vector<CompletionItem> kept;
  std::set<std::pair<std::string, int>> unique;
  for (CompletionItem& item : out) {
    if (!item.label.starts_with(prefix)) continue;
    if (!unique.insert({item.label, static_cast<int>(item.kind)}).second) continue;
    kept.push_back(std::move(item));
  }
  return kept;
}

std::optional<SignatureHelp> LanguageService::signatureHelp(const std::string& path,
                                                            uint32_t offset) {
  const std::string* t = text(path);
  if (t == nullptr) return std::nullopt;
  std::string_view txt = *t;
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(txt.size()));
  // The innermost unclosed `(` before the cursor on the way back, counting commas.
  int depth = 0;
  uint32_t commas = 0;
  uint32_t open = UINT32_MAX;
  for (uint32_t i = offset; i > 0; --i) {
    const char c = txt[i - 1];
    if (c == ')' || c == ']' || c == '}') ++depth;
    if (c == '(' || c == '[' || c == '{') {
      if (depth == 0) {
        if (c == '(') open = i - 1;
        break;
      }
      --depth;
    }
    if (c == ',' && depth == 0) ++commas;
  }
  if (open == UINT32_MAX) return std::nullopt;
  const syntax::Path chain = chainBefore(txt, open);
  if (chain.empty()) return std::nullopt;

  SignatureHelp help;
  const auto finish = [&](std::string name, const std::vector<std::string>& params,
                          std::string result, std::string doc) {
    help.label = name + "(";
    for (size_t i = 0; i < params.size(); ++i) {
      if (i) help.label += ", ";
      const auto b = static_cast<uint32_t>(help.label.size());
      help.label += params[i];
      help.parameters.emplace_back(b, static_cast<uint32_t>(help.label.size()));
    }
    help.label += ")" + (result.empty() ? "" : " -> " + result);
    help.active_parameter = params.empty() ? 0 : std::min<uint32_t>(commas, params.size() - 1);
    help.documentation = std::move(doc);
    return help;
  };

  const Analysis& a = state_->current();
  const auto id = state_->fileOf(a, path);
  const check::Program& p = a.result.program;
  const check::ModuleInfo* module = id ? moduleOfFile(p, *id) : nullptr;
  const auto paramTexts = [&](const std::vector<check::ParamInfo>& ps) {
    std::vector<std::string> out;
    for (const auto& pi : ps)
      out.push_back(pi.name + ": " + p.typeName(pi.type));
    return out;
  };
  const auto resultText = [&](check::TypeId r) {
    return p.types.kind(r) == check::TypeKind::kVoid ? std::string() : p.typeName(r);
  };
  if (auto sym = lookup(p, module, chain)) {
    if (sym->kind == check::SymbolKind::kFunction) {
      const auto& f = p.functions[sym->index];
      return finish(f.header.short_name, paramTexts(f.params), resultText(f.result), f.header.doc);
    }
    if (sym->kind == check::SymbolKind::kWorkflow) {
      const auto& w = p.workflows[sym->index];
      return finish(w.header.short_name, paramTexts(w.params), resultText(w.result), w.header.doc);
    }
  }
  if (chain.size() >= 2) {
    const syntax::Path head(chain.begin(), chain.end() - 1);
    if (auto conn = lookup(p, module, head); conn && conn->kind == check::SymbolKind::kConnector) {
      const auto& c = p.connectors[conn->index];
      for (uint32_t i = 0; i < c.op_count; ++i) {
        const auto& op = p.ops[c.first_op + i];
        if (op.name == chain.back().text)
          return finish(c.header.short_name + "." + op.name, paramTexts(op.params),
                        resultText(op.result), op.doc);
      }
    }
  }
  if (chain.size() == 1) {
    if (const stdlib::Function* f = stdlib::findFunction(chain[0].text)) {
      StdlibSignature s = stdlibSignature(*f);
      return finish(std::move(s.name), s.params, std::move(s.result), std::string(f->doc));
    }
  }
  return std::nullopt;
}

}  // namespace rflow::lsp::service
