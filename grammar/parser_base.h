// RFlowParserBase: the hand-written half of the generated RFlowParser.
//
// The generated parser is recursive descent, so nesting depth is C++ stack depth. The
// rules `expr`, `block`, `stmt` and `type` count themselves in @init (enterNesting) and
// `finally` (exitNesting), and their body starts with checkNesting(): past
// kMaxParserNesting that throws NestingTooDeep inside the rule's own try block, so ANTLR
// unwinds its context stack normally and the error strategy reports the error once and
// recovers like from any other syntax error. (Throwing from @init would skip exitRule.) The user-facing limit (kMaxNestingDepth in
// compiler/syntax/limits.h) is lower and is checked by the syntax tree builder; this one
// only has to keep hostile input from overflowing the stack.
#pragma once

#include <cstddef>

#include "antlr4-runtime.h"

namespace rflow::grammar {

// Guarded rule frames active at once. Each costs about a dozen generated-parser frames;
// see tests/unit/parse_limits_test.cpp for the stack this needs.
inline constexpr size_t kMaxParserNesting = 1024;

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
