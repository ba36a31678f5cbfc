// Building a project with `const` values replaced (const_override.h).
#include "driver/const_override.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/suggest.h"
#include "source/source_set.h"

namespace rflow::compiler {

namespace {

// The constant `name` (qualified, or declared when that is unambiguous) of `program`.
std::variant<const check::ConstInfo*, std::string> findConst(const check::Program& program,
                                                             std::string_view name) {
  std::vector<const check::ConstInfo*> found;
  std::vector<std::string_view> names;
  for (const check::ConstInfo& c : program.consts) {
    if (c.header.decl == nullptr || c.header.location.file == 0) continue;  // the prelude's
    names.push_back(c.header.short_name);
    if (c.header.name == name || c.header.short_name == name) found.push_back(&c);
  }
  if (found.size() == 1) return found[0];
  if (found.size() > 1)
    return fmt::format("`{}` names {} constants; write its qualified name (`{}`, `{}`…)", name,
                       found.size(), found[0]->header.name, found[1]->header.name);
  std::string message = fmt::format("there is no constant `{}` in the project", name);
  if (auto best = base::closestMatch(name, names))
    message += fmt::format("; did you mean `{}`?", *best);
  else if (names.empty())
    message += " (it declares no constants)";
  return message;
}

}  // namespace

std::optional<ConstSetting> parseSetting(std::string_view text) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  const auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ')
      s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ')
      s.remove_suffix(1);
    return std::string(s);
  };
  ConstSetting s{trim(text.substr(0, eq)), trim(text.substr(eq + 1))};
  if (s.name.empty()) return std::nullopt;
  return s;
}

std::variant<OverrideBuild, std::string> buildWithConstants(
    const std::vector<std::string>& paths, const std::vector<ConstSetting>& settings) {
  source::SourceSet sources;
  for (const source::LoadProblem& p : source::loadSources(paths, sources))
    return fmt::format("cannot read the project at `{}`{}{}", p.path, p.detail.empty() ? "" : ": ",
                       p.detail);
  compiler::CheckResult checked = checkSources(sources);
  OverrideBuild out;
  if (!checked.ok()) {
    out.built.check = std::move(checked);
    return out;
  }
  // The replacements, per file (FileIds of `checked` count the prelude as file 0).
  struct Replacement {
    source::FileId file;
    source::Span span;
    const ConstSetting* setting;
    std::string qualified;
    std::string type;
  };
  std::vector<Replacement> replacements;
  for (const ConstSetting& s : settings) {
    auto found = findConst(checked.program, s.name);
    if (auto* problem = std::get_if<std::string>(&found)) return *problem;
    const check::ConstInfo& c = *std::get<const check::ConstInfo*>(found);
    const auto* decl = c.header.decl->as<syntax::ConstDecl>();
    if (decl == nullptr || !decl->value) return fmt::format("`{}` has no value to replace", s.name);
    const std::string type = checked.program.typeName(c.type);
    if (s.value.empty())
      return fmt::format("`{}` is a constant of type `{}`: give a value after `=`", s.name, type);
    for (const Replacement& r : replacements)
      if (r.qualified == c.header.name) return fmt::format("`{}` is set twice", s.name);
    replacements.push_back({c.header.location.file, decl->value->span, &s, c.header.name, type});
    const source::SourceFile& f = checked.sources.file(c.header.location.file);
    out.changed.push_back(
        fmt::format("{}: {} -> {}", c.header.short_name, f.text(decl->value->span), s.value));
  }
  // Rebuild the project's files (without the prelude, which buildSources adds) with the
  // values in place, last span first so earlier offsets stay valid.
  std::sort(replacements.begin(), replacements.end(), [](const auto& a, const auto& b) {
    return a.file != b.file ? a.file < b.file : a.span.begin > b.span.begin;
  });
  source::SourceSet changed;
  for (source::FileId id = CheckResult::kFirstUserFile; id < checked.sources.size(); ++id) {
    std::string text(checked.sources.file(id).text());
    for (const Replacement& r : replacements)
      if (r.file == id) text.replace(r.span.begin, r.span.size(), r.setting->value);
    changed.add(checked.sources.file(id).path(), std::move(text));
  }
  out.built = buildSources(changed);
  const check::Program& program = out.built.check.program;
  for (const Replacement& r : replacements) {
    const auto wrong = [&](const std::string& why) {
      return fmt::format("--set {}={}: `{}` is a constant of type `{}`; {}", r.setting->name,
                         r.setting->value, r.setting->name, r.type, why);
    };
    const check::ConstInfo* now = nullptr;
    for (const check::ConstInfo& c : program.consts)
      if (c.header.name == r.qualified) now = &c;
    const syntax::ConstDecl* decl = now != nullptr && now->header.decl != nullptr
                                        ? now->header.decl->as<syntax::ConstDecl>()
                                        : nullptr;
    if (decl == nullptr || !decl->value || decl->value->span.begin != r.span.begin ||
        decl->value->span.size() != r.setting->value.size())
      return wrong(
          fmt::format("`{}` is not one value as the language writes it", r.setting->value));
    // The first error inside the value says what is wrong with it.
    for (const diagnostics::Diagnostic& d : out.built.check.diagnostics) {
      if (d.severity != diagnostics::Severity::kError || !d.location || d.location->file != r.file)
        continue;
      const source::Span at = d.location->span;
      if (at.begin >= r.span.begin && at.begin <= r.span.begin + r.setting->value.size())
        return wrong(d.message);
    }
    if (!now->value || program.typeName(now->type) != r.type)
      return wrong(fmt::format("`{}` is a `{}`", r.setting->value, program.typeName(now->type)));
  }
  return out;
}

}  // namespace rflow::compiler
