// The rflow formatter: one canonical layout for .rflow source (`rflow fmt`, and the
// language server's formatting requests).
//
// The formatter works on the token stream, not the tree: it keeps every token (string
// literals, numbers and comments verbatim, only trailing blanks of a comment dropped)
// and the author's line breaks, and rewrites everything between tokens:
//  - indentation is two spaces per open bracket whose line has ended, plus one level
//    for a line that continues an expression (after a binary operator, `=`, `=>`, `->`,
//    `then` or `else`, or after the `,` between the names of a `track` clause);
//  - inside a line: one space between words and around binary operators, `=`, `=>` and
//    `->`; none inside `( )` and `[ ]`, before `,` `;` `:` `?`, around `.` and `?.`,
//    between a name and its `(` or `[`, after a unary `-`, or inside `list<int>`;
//    `{ a }` with spaces but `{}` empty, and a map literal's braces hug (`map{"a": 1}`);
//    one space before a trailing comment;
//  - in runs of neighbouring lines (same indentation, no blank line between) the `=>`
//    of decision rules line up, and so do comments at the ends of lines, one space
//    after the longest line of the run (gofmt's rule);
//  - at most one blank line in a row, none after an opening or before a closing
//    bracket, none at the start; the file ends in exactly one "\n"; "\r\n" becomes "\n".
//
// Invariants: formatting never changes the token sequence (checked on every run by
// lexing the result again: a mismatch refuses instead of returning text), so it never
// changes meaning; the line structure is kept, so formatting only moves lines when
// blank lines collapse; format(format(x)) == format(x). A file with syntax errors is
// refused with its diagnostics, never rewritten.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "diagnostics/diagnostic.h"
#include "source/source_set.h"

namespace rflow::format {

struct FormatResult {
  // The formatted text; empty when the file was refused.
  std::optional<std::string> text;
  // Why it was refused: the file's syntax errors ...
  std::vector<diagnostics::Diagnostic> diagnostics;
  // ... or, should the formatter ever break its own invariant, what went wrong.
  std::string internal_error;

  bool ok() const { return text.has_value(); }
};

// Formats file `file` of `sources` (parsed on its own; other files are not needed).
FormatResult formatFile(const source::SourceSet& sources, source::FileId file);

// Convenience for callers that hold text only (tests, the language server).
FormatResult formatText(std::string path, std::string text);

}  // namespace rflow::format
