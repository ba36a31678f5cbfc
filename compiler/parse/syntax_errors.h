// Syntax errors in plain words: the one place that turns what ANTLR knows at an error
// (the offending token, the expected token set, the rule stack) into an rflow
// diagnostic. ANTLR's own messages ("mismatched input … expecting {…}") never reach a
// user.
//
// Each function emits exactly one diagnostic. The error strategy decides when to call
// them (at most once per error, never while recovering).
#pragma once

#include "antlr4-runtime.h"
#include "parse/session.h"

namespace rflow::parse {

enum class SyntaxErrorKind {
  kMissing,     // a token is missing before the current one (ANTLR inserts it)
  kMismatch,    // the current token cannot continue the construct
  kExtraneous,  // the current token is extra (ANTLR deletes it)
  kJunk,        // the current token cannot start the next item of a list
  kUnfitting,   // the current token fits none of the alternatives (no expected set)
};

void reportSyntaxError(ParseSession& session, antlr4::Parser* parser, antlr4::Token* offending,
                       const antlr4::misc::IntervalSet& expected, SyntaxErrorKind kind);

void reportNestingTooDeep(ParseSession& session, antlr4::Token* offending);

// Whether `type` is a keyword that starts a top-level declaration. At the start of a line
// such a keyword ends whatever was left open before it.
bool isTopLevelKeyword(size_t type);

}  // namespace rflow::parse
