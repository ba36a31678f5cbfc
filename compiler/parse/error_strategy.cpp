#include "parse/error_strategy.h"

#include <algorithm>

#include "RFlowParser.h"
#include "parse/brackets.h"
#include "parse/syntax_errors.h"
#include "parser_base.h"

namespace rflow::parse {

using P = rflow::grammar::RFlowParser;

namespace {

bool isOpener(size_t type) {
  return type == P::LPAREN || type == P::LBRACK || type == P::LBRACE || type == P::HEAD_LBRACE ||
         type == P::INTERP_OPEN;
}

bool isCloser(size_t type) { return type == P::RPAREN || type == P::RBRACK || type == P::RBRACE; }

bool closes(size_t opener, size_t closer) {
  if (opener == P::LPAREN) return closer == P::RPAREN;
  if (opener == P::LBRACK) return closer == P::RBRACK;
  return closer == P::RBRACE;
}

bool isLoopState(size_t state_type) {
  return state_type == antlr4::atn::ATNState::STAR_LOOP_ENTRY ||
         state_type == antlr4::atn::ATNState::STAR_LOOP_BACK ||
         state_type == antlr4::atn::ATNState::PLUS_LOOP_BACK;
}

}  // namespace

void SyntaxErrorStrategy::reportError(antlr4::Parser* parser, const antlr4::RecognitionException& e) {
  if (inErrorRecoveryMode(parser)) return;
  beginErrorCondition(parser);
  antlr4::Token* offending = e.getOffendingToken() != nullptr ? e.getOffendingToken() : parser->getCurrentToken();
  if (dynamic_cast<const grammar::NestingTooDeep*>(&e) != nullptr) {
    reportNestingTooDeep(session_, offending);
    return;
  }
  const antlr4::misc::IntervalSet expected =
      dynamic_cast<const antlr4::InputMismatchException*>(&e) != nullptr ? e.getExpectedTokens()
                                                                        : parser->getExpectedTokens();
  reportSyntaxError(session_, parser, offending, expected, SyntaxErrorKind::kMismatch);
}

void SyntaxErrorStrategy::reportUnwantedToken(antlr4::Parser* parser) {
  if (inErrorRecoveryMode(parser)) return;
  beginErrorCondition(parser);
  reportSyntaxError(session_, parser, parser->getCurrentToken(), getExpectedTokens(parser),
                    SyntaxErrorKind::kExtraneous);
}

void SyntaxErrorStrategy::reportMissingToken(antlr4::Parser* parser) {
  if (inErrorRecoveryMode(parser)) return;
  beginErrorCondition(parser);
  reportSyntaxError(session_, parser, parser->getCurrentToken(), getExpectedTokens(parser),
                    SyntaxErrorKind::kMissing);
}

antlr4::Token* SyntaxErrorStrategy::recoverInline(antlr4::Parser* parser) {
  // While recovering, conjuring or deleting tokens only does harm: the sync point we
  // skipped to belongs to an enclosing construct.
  if (inErrorRecoveryMode(parser)) throw antlr4::InputMismatchException(parser);
  return DefaultErrorStrategy::recoverInline(parser);
}

void SyntaxErrorStrategy::recover(antlr4::Parser* parser, std::exception_ptr) {
  antlr4::TokenStream* input = parser->getTokenStream();
  if (lastErrorIndex == static_cast<int>(input->index()) && lastErrorStates.contains(parser->getState()) &&
      input->LA(1) != antlr4::Token::EOF) {
    // Two errors at the same token in the same state: make progress (ANTLR's failsafe).
    parser->consume();
  }
  lastErrorIndex = static_cast<int>(input->index());
  lastErrorStates.add(parser->getState());
  skipToSyncPoint(parser, nullptr);
}

void SyntaxErrorStrategy::sync(antlr4::Parser* parser) {
  const antlr4::atn::ATN& atn = parser->getATN();
  antlr4::atn::ATNState* state = atn.states[parser->getState()];
  if (!isLoopState(state->getStateType())) {
    if (!inErrorRecoveryMode(parser)) DefaultErrorStrategy::sync(parser);
    return;
  }
  antlr4::TokenStream* input = parser->getTokenStream();
  const size_t la = input->LA(1);
  const antlr4::misc::IntervalSet& next = atn.nextTokens(state);
  if (next.contains(la)) return;
  antlr4::misc::IntervalSet expected = next;
  if (next.contains(antlr4::Token::EPSILON)) {
    expected = parser->getExpectedTokens();
    if (expected.contains(la)) return;
  }
  antlr4::Token* token = parser->getCurrentToken();
  const bool at_file_level = parser->getContext()->getRuleIndex() == P::RuleFile;
  // Let the enclosing construct report what is missing before these.
  if (la == antlr4::Token::EOF) return;
  if (!at_file_level && isTopLevelKeyword(la) && session_.startsLine(token->getTokenIndex())) return;
  if (!at_file_level && isCloser(la)) {
    const auto closers = enclosingClosers(parser->getContext());
    if (std::find(closers.begin(), closers.end(), la) != closers.end()) return;
  }
  if (!inErrorRecoveryMode(parser)) {
    beginErrorCondition(parser);
    reportSyntaxError(session_, parser, token, expected, SyntaxErrorKind::kJunk);
  }
  skipToSyncPoint(parser, &expected);
}

void SyntaxErrorStrategy::skipToSyncPoint(antlr4::Parser* parser, const antlr4::misc::IntervalSet* acceptable) {
  antlr4::TokenStream* input = parser->getTokenStream();
  const bool at_file_level = parser->getContext()->getRuleIndex() == P::RuleFile;
  const std::vector<size_t> closers = at_file_level ? std::vector<size_t>{} : enclosingClosers(parser->getContext());
  const bool in_parens = !closers.empty() && (closers.front() == P::RPAREN || closers.front() == P::RBRACK);
  std::vector<size_t> opened;  // brackets opened while skipping
  for (;;) {
    antlr4::Token* token = parser->getCurrentToken();
    const size_t type = token->getType();
    if (type == antlr4::Token::EOF) return;
    if (isTopLevelKeyword(type) && session_.startsLine(token->getTokenIndex())) return;
    if (opened.empty()) {
      if (acceptable != nullptr && acceptable->contains(type)) return;
      if (type == P::NEWLINE || type == P::SEMI) return;
      if (type == P::COMMA && in_parens) return;
      if (isCloser(type) && std::find(closers.begin(), closers.end(), type) != closers.end()) return;
    }
    if (isOpener(type)) {
      opened.push_back(type);
    } else if (isCloser(type) && !opened.empty()) {
      // Close the innermost matching bracket and anything left open inside it.
      for (size_t i = opened.size(); i-- > 0;) {
        if (closes(opened[i], type)) {
          opened.resize(i);
          break;
        }
      }
    } else if (type == P::NEWLINE) {
      // Inside parentheses a NEWLINE only appears where the lexer closed them.
      while (!opened.empty() && (opened.back() == P::LPAREN || opened.back() == P::LBRACK)) opened.pop_back();
      if (opened.empty()) return;
    }
    parser->consume();
    (void)input;
  }
}

}  // namespace rflow::parse
