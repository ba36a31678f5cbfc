// A readable, deterministic text form of the syntax tree, for golden tests and
// `rflow check --dump-ast`.
//
// One line per declaration, member, clause and statement, indented two spaces per
// level; expressions as S-expressions: `(+ a (* b 2))`, `(call wms.allocate r.store n)`.
// Doc comments print as `/// …` lines above what they document; a declaration with a
// syntax error is marked `!syntax-error`. Spans are left out so that editing one line
// of a golden file does not change the whole dump.
#pragma once

#include <string>

#include "syntax/ast.h"

namespace rflow::syntax {

std::string dumpFile(const File& file);
std::string dumpExpr(const Expr& expr);
std::string dumpType(const TypeRef& type);

// `1h30m`, `500ms`, `2d`: the compact form the language prints durations in.
std::string formatDuration(int64_t millis);

}  // namespace rflow::syntax
