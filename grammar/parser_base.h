// RFlowParserBase: the hand-written half of the generated RFlowParser.
//
// The generated parser is recursive descent, so nesting depth is C++ stack depth. The
// rules `expr`, `block`, `matchStmt` and `type` (every recursive path goes through one of
// them) count themselves in @init (enterNesting) and
// `finally` (exitNesting), and their body starts with checkNesting(): past
// kMaxParserNesting that throws NestingTooDeep inside the rule's own try block, so ANTLR
// unwinds its context stack normally and the error strategy reports the error once and
// recovers like from any other syntax error. (Throwing from @init would skip exitRule.)
#pragma once

#include <cstddef>

#include "antlr4-runtime.h"

namespace rflow::grammar {

// Guarded rule frames active at once: nested blocks, matches, types and expressions
// (parentheses, arguments, list elements …). The same number as the syntax tree's
// kMaxNestingDepth (compiler/syntax/limits.h, which parse.cpp checks): each level costs
// about a dozen frames of the generated parser and of the tree builder, some kilobytes
// of stack in all, so 256 levels stay well inside a thread's default 8 MiB.
inline constexpr size_t kMaxParserNesting = 256;

// Thrown (inside ANTLR's own exception handling) when the nesting guard trips.
class NestingTooDeep : public antlr4::RecognitionException {
 public:
  NestingTooDeep(antlr4::Parser* parser, antlr4::ParserRuleContext* context);
};

class RFlowParserBase : public antlr4::Parser {
 public:
  explicit RFlowParserBase(antlr4::TokenStream* input);

 protected:
  void enterNesting() { ++nesting_; }
  void checkNesting();
  void exitNesting() { --nesting_; }

 private:
  size_t nesting_ = 0;
};

}  // namespace rflow::grammar

using RFlowParserBase = rflow::grammar::RFlowParserBase;
