#include "parser_base.h"

namespace rflow::grammar {

NestingTooDeep::NestingTooDeep(antlr4::Parser* parser, antlr4::ParserRuleContext* context)
    : antlr4::RecognitionException("nesting too deep", parser, parser->getInputStream(), context,
                                   parser->getCurrentToken()) {}

RFlowParserBase::RFlowParserBase(antlr4::TokenStream* input) : antlr4::Parser(input) {}

void RFlowParserBase::checkNesting() {
  if (nesting_ > kMaxParserNesting) throw NestingTooDeep(this, getContext());
}

}  // namespace rflow::grammar
