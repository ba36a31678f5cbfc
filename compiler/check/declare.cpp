// Pass 1: modules, their top-level names, imports and import cycles (language.md §1).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <functional>
#include <set>
#include <unordered_set>

#include "base/suggest.h"
#include "check/checker.h"

namespace rflow::check {

namespace diag = diagnostics::diag;

namespace {

source::Span pathSpan(const syntax::Path& path) {
  return path.empty() ? source::Span{} : path.front().span.to(path.back().span);
}

constexpr std::array<std::string_view, 45> kReservedWords = {
    "module",    "import",   "as",       "record", "enum",     "const", "role",     "signal",
    "connector", "fn",       "decision", "policy", "workflow", "on",    "start",    "spawn",
    "test",      "let",      "var",      "if",     "then",     "else",  "match",    "for",
    "in",        "while",    "return",   "fail",   "try",      "catch", "parallel", "await",
    "sleep",     "approval", "task",     "when",   "require",  "and",   "or",       "not",
    "true",      "false",    "none",     "list",   "map"};

}  // namespace

// Names of built-in types, which no declaration may take.
bool isBuiltinTypeName(std::string_view name) {
  static constexpr std::array<std::string_view, 11> kNames = {
      "bool", "int",  "decimal", "money",    "string", "duration",
      "time", "User", "Role",    "Assignee", "Run"};
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

void Checker::declareModules() {
  std::unordered_map<std::string, uint32_t> by_name;
  for (source::FileId f = 0; f < files_.size(); ++f) {
    const syntax::File& file = files_[f];
    if (file.module.empty()) continue;  // the parser reported the missing `module` line
    ModuleInfo module;
    module.name = joinPath(file.module);
    module.file = f;
    module.syntax = &file;
    if (auto it = by_name.find(module.name); it != by_name.end()) {
      const ModuleInfo& first = program_.modules[it->second];
      emitter_
          .build(at(f, pathSpan(file.module)), diag::DuplicateModule, module.name,
                 sources_.file(first.file).path())
          .note(at(first.file, files_[first.file].module_span), "the other file declaring it")
          .emit();
      continue;
    }
    by_name.emplace(module.name, static_cast<uint32_t>(program_.modules.size()));
    program_.modules.push_back(std::move(module));
  }
}

void Checker::declareNames(uint32_t m) {
  ModuleInfo& module = program_.modules[m];
  const syntax::File& file = *module.syntax;
  file_ = module.file;
  const auto qualified = [&](const std::string& name) {
    return module.name == "rflow" ? "rflow." + name : module.name + "." + name;
  };
  const auto headerFor = [&](const syntax::Decl& decl) {
    DeclHeader h;
    h.name = qualified(decl.name.text);
    h.short_name = decl.name.text;
    h.module = m;
    h.doc = decl.doc;
    h.location = at(decl.name.span.empty() ? decl.span : decl.name.span);
    h.decl = &decl;
    return h;
  };
  // Enters `name` in the module's scope unless it is taken.
  const auto declare = [&](const syntax::Decl& decl, Symbol symbol) {
    const std::string& name = decl.name.text;
    if (name.empty()) return;
    if (isBuiltinTypeName(name) && m != 0) {
      emitter_.emit(at(decl.name.span), diag::BuiltinNameTaken, name);
      return;
    }
    if (auto it = module.names.find(name); it != module.names.end()) {
      emitter_
          .build(at(decl.name.span), diag::DuplicateDeclaration, name,
                 lineOf(header(it->second).location))
          .note(header(it->second).location, "the first declaration")
          .emit();
      return;
    }
    module.names.emplace(name, symbol);
  };

  for (const syntax::Decl& decl : file.decls) {
    std::visit(
        syntax::Overloaded{
            [&](const syntax::RecordDecl&) {
              RecordInfo info{headerFor(decl), RecordKind::kRecord, {}};
              if (m == 0) info.kind = RecordKind::kBuiltin;
              program_.records.push_back(std::move(info));
              declare(decl,
                      {SymbolKind::kRecord, static_cast<uint32_t>(program_.records.size() - 1)});
            },
            [&](const syntax::SignalDecl&) {
              program_.records.push_back({headerFor(decl), RecordKind::kSignal, {}});
              declare(decl,
                      {SymbolKind::kRecord, static_cast<uint32_t>(program_.records.size() - 1)});
            },
            [&](const syntax::EnumDecl& e) {
              EnumInfo info{headerFor(decl), {}};
              for (const syntax::EnumMember& member : e.members) {
                if (info.memberIndex(member.name.text) >= 0) {
                  emitter_.emit(at(member.name.span), diag::DuplicateMember, member.name.text,
                                fmt::format("a member of `{}`", decl.name.text));
                  continue;
                }
                info.members.push_back({member.name.text, member.doc, at(member.name.span)});
              }
              program_.enums.push_back(std::move(info));
              declare(decl, {SymbolKind::kEnum, static_cast<uint32_t>(program_.enums.size() - 1)});
            },
            [&](const syntax::ConstDecl&) {
              program_.consts.push_back(
                  {headerFor(decl), types().error(), std::nullopt, ResolveState::kPending});
              declare(decl,
                      {SymbolKind::kConst, static_cast<uint32_t>(program_.consts.size() - 1)});
            },
            [&](const syntax::RoleDecl& r) {
              RoleInfo info{headerFor(decl), decl.name.text};
              if (r.title) {
                if (const auto* s = r.title->as<syntax::StringExpr>();
                    s && s->parts.size() == 1 && !s->parts[0].expr) {
                  info.title = s->parts[0].text;
                }
              }
              program_.roles.push_back(std::move(info));
              declare(decl, {SymbolKind::kRole, static_cast<uint32_t>(program_.roles.size() - 1)});
            },
            [&](const syntax::ConnectorDecl& c) {
              ConnectorInfo info{headerFor(decl), static_cast<uint32_t>(program_.ops.size()), 0};
              std::unordered_set<std::string> seen;
              for (const syntax::ConnectorOp& op : c.ops) {
                if (!seen.insert(op.name.text).second) {
                  emitter_.emit(at(op.name.span), diag::DuplicateMember, op.name.text,
                                fmt::format("an operation of `{}`", decl.name.text));

                  continue;
                }
                program_.ops.push_back(
                    {op.name.text, {}, types().voidType(), op.doc, at(op.name.span)});
                ++info.op_count;
              }
              program_.connectors.push_back(std::move(info));
              declare(decl, {SymbolKind::kConnector,
                             static_cast<uint32_t>(program_.connectors.size() - 1)});
            },
            [&](const syntax::FnDecl&) {
              program_.functions.push_back(
                  {headerFor(decl), FunctionKind::kFn, {}, types().voidType(), 0});
              declare(decl, {SymbolKind::kFunction,
                             static_cast<uint32_t>(program_.functions.size() - 1)});
            },
            [&](const syntax::DecisionDecl&) {
              program_.functions.push_back(
                  {headerFor(decl), FunctionKind::kDecision, {}, types().error(), 0});
              declare(decl, {SymbolKind::kFunction,
                             static_cast<uint32_t>(program_.functions.size() - 1)});
            },
            [&](const syntax::PolicyDecl& p) {
              PolicyInfo info{
                  headerFor(decl),
                  p.kind == syntax::PolicyKind::kTask ? PolicyKind::kTask : PolicyKind::kApproval,
                  0};
              program_.policies.push_back(std::move(info));
              declare(decl,
                      {SymbolKind::kPolicy, static_cast<uint32_t>(program_.policies.size() - 1)});
            },
            [&](const syntax::WorkflowDecl&) {
              WorkflowInfo info;
              info.header = headerFor(decl);
              info.result = types().voidType();
              program_.workflows.push_back(std::move(info));
              declare(decl, {SymbolKind::kWorkflow,
                             static_cast<uint32_t>(program_.workflows.size() - 1)});
            },
            [&](const syntax::TriggerDecl& t) {
              TriggerInfo info;
              info.header = headerFor(decl);
              info.schedule = t.schedule;
              if (t.schedule) {
                info.header.location = at(t.cron ? t.cron->span : decl.span);
                if (t.cron) {
                  if (const auto* s = t.cron->as<syntax::StringExpr>(); s && s->parts.size() == 1) {
                    info.header.name = s->parts[0].text;
                  }
                }
              }
              program_.triggers.push_back(std::move(info));
            },
            [&](const syntax::TestDecl& t) {
              TestInfo info;
              info.header = headerFor(decl);
              info.header.location = at(t.title ? t.title->span : decl.span);
              // A test is named by its title alone (`rflow test` prints it), not by module.
              info.header.name.clear();
              if (t.title) {
                if (const auto* s = t.title->as<syntax::StringExpr>()) {
                  for (const auto& part : s->parts)
                    info.header.name += part.text;
                }
              }
              program_.tests.push_back(std::move(info));
            },
            [&](const syntax::ClassifierDecl&) {
              // The record type of its result shares the classifier's name and symbol.
              program_.records.push_back({headerFor(decl), RecordKind::kClassification, {}});
              ClassifierInfo info{headerFor(decl),
                                  static_cast<uint32_t>(program_.records.size() - 1), std::nullopt,
                                  *base::Decimal::parse(kDefaultThreshold)};
              program_.classifiers.push_back(std::move(info));
              declare(decl, {SymbolKind::kClassifier,
                             static_cast<uint32_t>(program_.classifiers.size() - 1)});
            },
            [&](const syntax::CalendarDecl&) {
              program_.calendars.push_back({headerFor(decl), {}, false});
              declare(decl, {SymbolKind::kCalendar,
                             static_cast<uint32_t>(program_.calendars.size() - 1)});
            },
        },
        decl.data);
  }
}

void Checker::resolveImports(uint32_t m) {
  ModuleInfo& module = program_.modules[m];
  file_ = module.file;
  for (const syntax::ImportDecl& import : module.syntax->imports) {
    const std::string name = joinPath(import.path);
    const source::Span span = pathSpan(import.path);
    uint32_t target = 0;
    bool found = false;
    std::vector<std::string> names;
    for (uint32_t i = 1; i < program_.modules.size(); ++i) {
      if (program_.modules[i].name == name) {
        target = i;
        found = true;
      }
      names.push_back(program_.modules[i].name);
    }
    if (!found) {
      std::vector<std::string_view> candidates(names.begin(), names.end());
      auto d = emitter_.build(at(span), diag::UnknownModule, name);
      if (auto best = base::closestMatch(name, candidates)) {
        d.fix(fmt::format("import `{}`", *best), {{at(span), *best}});
      }
      d.emit();
      continue;
    }
    std::string alias;
    source::Span alias_span = import.path.back().span;
    if (import.alias) {
      alias = import.alias->text;
      alias_span = import.alias->span;
    } else {
      alias = import.path.back().text;
      if (std::find(kReservedWords.begin(), kReservedWords.end(), alias) != kReservedWords.end()) {
        const std::string suggestion = alias + "_";
        emitter_.build(at(span), diag::ImportNeedsAlias, name, alias, name, suggestion)
            .fix(fmt::format("add `as {}`", suggestion),
                 {{at({span.end, span.end}), " as " + suggestion}})
            .emit();
        continue;
      }
    }
    if (module.names.count(alias) != 0) {
      emitter_.emit(at(alias_span), diag::ImportShadowsDeclaration, alias);
      continue;
    }
    if (auto it = module.imports.find(alias); it != module.imports.end()) {
      emitter_.build(at(alias_span), diag::DuplicateDeclaration, alias, lineOf(it->second.location))
          .note(it->second.location, "the first import with this name")
          .emit();
      continue;
    }
    module.imports.emplace(alias, ImportInfo{target, at(import.span)});
  }
}

void Checker::checkImportCycles() {
  // Each import that lies on a cycle is reported with the cycle it closes. The shortest
  // way back from the imported module explains the cycle best.
  const size_t n = program_.modules.size();
  std::vector<std::vector<std::pair<uint32_t, Location>>> edges(n);
  for (uint32_t m = 0; m < n; ++m) {
    for (const auto& [alias, import] : program_.modules[m].imports)
      edges[m].push_back({import.module, import.location});
    std::sort(edges[m].begin(), edges[m].end(), [](const auto& a, const auto& b) {
      return a.second.span.begin < b.second.span.begin;
    });
  }
  const auto pathBack = [&](uint32_t from, uint32_t to) -> std::vector<uint32_t> {
    std::vector<int64_t> previous(n, -1);
    std::vector<uint32_t> queue{from};
    previous[from] = from;
    for (size_t i = 0; i < queue.size(); ++i) {
      const uint32_t at_module = queue[i];
      if (at_module == to) break;
      for (const auto& [next, location] : edges[at_module]) {
        if (previous[next] >= 0) continue;
        previous[next] = at_module;
        queue.push_back(next);
      }
    }
    if (previous[to] < 0) return {};
    std::vector<uint32_t> path{to};
    while (path.back() != from)
      path.push_back(static_cast<uint32_t>(previous[path.back()]));
    std::reverse(path.begin(), path.end());
    return path;
  };
  // One cycle is one mistake: report it at its first import only, not once per module.
  std::set<std::vector<uint32_t>> reported;
  for (uint32_t m = 0; m < n; ++m) {
    for (const auto& [target, location] : edges[m]) {
      const std::vector<uint32_t> back = pathBack(target, m);
      if (back.empty()) continue;
      std::vector<uint32_t> members = back;
      std::sort(members.begin(), members.end());
      if (!reported.insert(members).second) continue;

      std::string cycle = program_.modules[m].name;
      for (uint32_t step : back)
        cycle += " → " + program_.modules[step].name;
      file_ = program_.modules[m].file;
      emitter_.build(location, diag::ImportCycle, program_.modules[target].name, cycle)
          .note(std::nullopt,
                "modules may not import each other in a circle; move what they share into a "
                "module of its own")
          .emit();
    }
  }
}

}  // namespace rflow::check
