// formatFile: refuse files with syntax errors, lay the tokens out, and prove the result
// has the same tokens before handing it out.
#include "format/format.h"

#include <fmt/format.h>

#include "format/layout.h"
#include "parse/parse.h"
#include "parse/tokens.h"

namespace rflow::format {

namespace {

bool hasErrors(const std::vector<diagnostics::Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics)
    if (d.severity == diagnostics::Severity::kError) return true;
  return false;
}

// The first place two token streams differ, or an empty string when they agree.
std::string compareTokens(std::string_view a_text, const std::vector<parse::Token>& a,
                          std::string_view b_text, const std::vector<parse::Token>& b) {
  for (size_t i = 0; i < a.size() || i < b.size(); ++i) {
    if (i >= a.size() || i >= b.size())
      return fmt::format("token count {} != {}", a.size(), b.size());
    const std::string_view x = tokenText(a_text, a[i]);
    const std::string_view y = tokenText(b_text, b[i]);
    if (a[i].cls != b[i].cls || x != y) {
      return fmt::format("token {} changed from `{}` to `{}`", i, x, y);
    }
  }
  return {};
}

}  // namespace

FormatResult formatFile(const source::SourceSet& sources, source::FileId file) {
  FormatResult result;
  const source::SourceFile& input = sources.file(file);
  diagnostics::DiagnosticCollector collector;
  (void)parse::parseFile(sources, file, collector);
  if (hasErrors(collector.diagnostics())) {
    result.diagnostics = collector.take();
    return result;
  }
  const std::vector<parse::Token> tokens = parse::lexTokens(input);
  for (const parse::Token& t : tokens) {
    // The parser accepted the file, so this cannot happen; refuse rather than guess.
    if (t.cls == parse::TokenClass::kError) {
      result.internal_error =
          fmt::format("{}: unexpected token at byte {}", input.path(), t.span.begin);
      return result;
    }
  }
  std::string text = layoutTokens(input.text(), tokens);

  // The invariant that makes formatting safe: the same tokens, and still a file
  // without syntax errors (the line structure, which the lexer's NEWLINEs follow, is
  // kept by construction).
  source::SourceSet check;
  const source::FileId id = check.add(input.path(), text);
  const std::vector<parse::Token> again = parse::lexTokens(check.file(id));
  if (std::string diff = compareTokens(input.text(), tokens, text, again); !diff.empty()) {
    result.internal_error =
        fmt::format("{}: formatting would change the code ({})", input.path(), diff);
    return result;
  }
  diagnostics::DiagnosticCollector recheck;
  (void)parse::parseFile(check, id, recheck);
  if (hasErrors(recheck.diagnostics())) {
    result.internal_error = fmt::format("{}: formatting would introduce a syntax error: {}",
                                        input.path(), recheck.diagnostics().front().message);
    return result;
  }
  result.text = std::move(text);
  return result;
}

FormatResult formatText(std::string path, std::string text) {
  source::SourceSet sources;
  const source::FileId id = sources.add(std::move(path), std::move(text));
  return formatFile(sources, id);
}

}  // namespace rflow::format
