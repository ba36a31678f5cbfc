// Looking names up: locals, the module's declarations, import aliases, the prelude,
// built-in types and stdlib functions, innermost first (language.md §4 "Names").
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "base/suggest.h"
#include "check/checker.h"
#include "stdlib/functions.h"

namespace rflow::check {

namespace diag = diagnostics::diag;

namespace {

struct BuiltinType {
  std::string_view name;
  TypeId (TypeTable::*get)() const;
};

constexpr std::array<BuiltinType, 11> kBuiltinTypes = {{
    {"bool", &TypeTable::boolType},
    {"int", &TypeTable::intType},
    {"decimal", &TypeTable::decimalType},
    {"money", &TypeTable::moneyType},
    {"string", &TypeTable::stringType},
    {"duration", &TypeTable::durationType},
    {"time", &TypeTable::timeType},
    {"User", &TypeTable::userType},
    {"Role", &TypeTable::roleType},
    {"Assignee", &TypeTable::assigneeType},
    {"Calendar", &TypeTable::calendarType},
}};

}  // namespace

std::optional<TypeId> builtinTypeNamed(const TypeTable& types, std::string_view name) {
  for (const BuiltinType& b : kBuiltinTypes)
    if (b.name == name) return (types.*b.get)();
  return std::nullopt;
}

NameTarget Checker::lookup(std::string_view name, const Scope* scope, uint32_t module) {
  NameTarget target;
  bool crossed = false;
  for (const Scope* s = scope; s != nullptr; s = s->parent) {
    if (const Binding* b = s->find(name)) {
      target.kind = NameTarget::Kind::kLocal;
      target.local = const_cast<Binding*>(b);
      target.captured = crossed;
      return target;
    }
    if (s->boundary) crossed = true;
  }
  const ModuleInfo& m = program_.modules[module];
  if (auto it = m.names.find(std::string(name)); it != m.names.end()) {
    target.kind = NameTarget::Kind::kSymbol;
    target.symbol = it->second;
    target.module = module;
    return target;
  }
  if (auto it = m.imports.find(std::string(name)); it != m.imports.end()) {
    target.kind = NameTarget::Kind::kSymbol;
    target.symbol = {SymbolKind::kModule, it->second.module};
    target.module = module;
    return target;
  }
  if (!program_.modules.empty() && module != 0) {
    const ModuleInfo& prelude = program_.modules[0];
    if (auto it = prelude.names.find(std::string(name)); it != prelude.names.end()) {
      target.kind = NameTarget::Kind::kSymbol;
      target.symbol = it->second;
      target.module = 0;
      return target;
    }
  }
  if (const std::optional<TypeId> type = builtinTypeNamed(program_.types, name)) {
    target.kind = NameTarget::Kind::kBuiltinType;
    target.type = *type;
    return target;
  }
  if (stdlib::findFunction(name) != nullptr) {
    target.kind = NameTarget::Kind::kNative;
    target.native = name;
  }
  return target;
}

std::optional<std::pair<Symbol, size_t>> Checker::lookupPath(const syntax::Path& path,
                                                             uint32_t module) {
  if (path.empty()) return std::nullopt;
  const NameTarget first = lookup(path[0].text, nullptr, module);
  if (first.kind != NameTarget::Kind::kSymbol) return std::nullopt;
  if (first.symbol.kind != SymbolKind::kModule || path.size() == 1)
    return std::make_pair(first.symbol, size_t{1});
  const ModuleInfo& target = program_.modules[first.symbol.index];
  auto it = target.names.find(path[1].text);
  if (it == target.names.end()) return std::nullopt;
  return std::make_pair(it->second, size_t{2});
}

std::vector<std::string> Checker::visibleNames(uint32_t module, const Scope* scope) const {
  std::vector<std::string> names;
  for (const Scope* s = scope; s != nullptr; s = s->parent) {
    for (const Binding& b : s->bindings)
      names.push_back(b.name);
  }
  const ModuleInfo& m = program_.modules[module];
  for (const auto& [name, symbol] : m.names)
    names.push_back(name);
  for (const auto& [name, import] : m.imports)
    names.push_back(name);
  if (!program_.modules.empty()) {
    for (const auto& [name, symbol] : program_.modules[0].names)
      names.push_back(name);
  }
  for (const BuiltinType& b : kBuiltinTypes)
    names.emplace_back(b.name);
  for (const stdlib::Function& f : stdlib::kFunctions)
    names.emplace_back(f.name);
  // Deterministic suggestions whatever the hash maps' order.
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

void Checker::reportUnknownName(std::string_view name, Location location, uint32_t module,
                                const Scope* scope,
                                const diagnostics::DiagnosticDescriptor<std::string_view>& kind) {
  const std::vector<std::string> names = visibleNames(module, scope);
  std::vector<std::string_view> candidates(names.begin(), names.end());
  auto d = emitter_.build(location, kind, name);
  suggestClosest(d, name, candidates, location);
  d.emit();
}

std::string joinPath(const syntax::Path& path) {
  std::string out;
  for (const syntax::Ident& i : path)
    out += (out.empty() ? "" : ".") + i.text;
  return out;
}

void suggestClosest(diagnostics::DiagnosticBuilder& d, std::string_view name,
                    std::span<const std::string_view> candidates, Location location) {
  if (auto best = base::closestMatch(name, candidates)) {
    d.note(std::nullopt, fmt::format("did you mean `{}`?", *best));
    d.fix(fmt::format("replace `{}` with `{}`", name, *best), {{location, std::string(*best)}});
  }
}

}  // namespace rflow::check
