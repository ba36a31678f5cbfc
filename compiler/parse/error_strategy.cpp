#include "parse/error_strategy.h"

#include <algorithm>

#include "RFlowParser.h"
#include "parse/brackets.h"
#include "parse/syntax_errors.h"
#include "parser_base.h"

namespace rflow::parse {

using P = rflow::grammar::RFlowParser;

namespace {

// Rules whose loops are lists of items (statements, fields, arguments …). Junk in such
// a list is skipped item by item; in any other loop (a line break after an operator, a
// chain of `.field`) the construct itself reports what it expected.
bool isListRule(size_t rule) {
  switch (rule) {
    case P::RuleFile:
    case P::RuleFieldList:
    case P::RuleEnumDecl:
    case P::RuleConnectorDecl:
    case P::RuleParamList:
    case P::RuleDecisionDecl:
    case P::RuleStmtList:
    case P::RuleMatchStmt:
    case P::RuleParallelStmt:
    case P::RuleMockStmt:
    case P::RuleArgList:
    case P::RuleListLiteral:
    case P::RuleMapLiteral:
    case P::RuleFieldInits:
    case P::RuleClauseBlock:
    case P::RuleTypeAtom:
      return true;
    default:
      return false;
  }
}

// For the lists whose items are separated by line breaks: the rule of one item. A list
// decides whether another item follows by looking past the separators, so junk at the
// start of a line must be caught before that decision ends the list.
size_t lineListItemRule(size_t rule) {
  switch (rule) {
    case P::RuleStmtList:
      return P::RuleStmt;
    case P::RuleClauseBlock:
      return P::RuleClause;
    case P::RuleDecisionDecl:
      return P::RuleDecisionRule;
    case P::RuleParallelStmt:
      return P::RuleParallelBranch;
    case P::RuleConnectorDecl:
      return P::RuleConnectorOp;
    case P::RuleFieldList:
      return P::RuleFieldDecl;
    case P::RuleFieldInits:
      return P::RuleFieldInit;
    case P::RuleEnumDecl:
      return P::RuleEnumMember;
    case P::RuleMapLiteral:
      return P::RuleMapEntry;
    case P::RuleMatchStmt:
      return P::RuleMatchArm;
    default:
      return static_cast<size_t>(-1);
  }
}

// The rules the file's loop starts at a declaration keyword.
bool isDeclarationRule(size_t rule) {
  switch (rule) {
    case P::RuleTopLevel:
    case P::RuleModuleDecl:
    case P::RuleImportDecl:
    case P::RuleRecordDecl:
    case P::RuleEnumDecl:
    case P::RuleConstDecl:
    case P::RuleRoleDecl:
    case P::RuleSignalDecl:
    case P::RuleConnectorDecl:
    case P::RuleFnDecl:
    case P::RuleDecisionDecl:
    case P::RulePolicyDecl:
    case P::RuleTriggerDecl:
    case P::RuleWorkflowDecl:
    case P::RuleTestDecl:
      return true;
    default:
      return false;
  }
}

bool isListSeparator(size_t type) {
  return type == P::NEWLINE || type == P::SEMI || type == P::COMMA;
}

bool isLoopState(size_t state_type) {
  return state_type == antlr4::atn::ATNState::STAR_LOOP_ENTRY ||
         state_type == antlr4::atn::ATNState::STAR_LOOP_BACK ||
         state_type == antlr4::atn::ATNState::PLUS_LOOP_BACK;
}

}  // namespace

void SyntaxErrorStrategy::reportError(antlr4::Parser* parser,
                                      const antlr4::RecognitionException& e) {
  if (inErrorRecoveryMode(parser)) return;
  beginErrorCondition(parser);
  antlr4::Token* offending =
      e.getOffendingToken() != nullptr ? e.getOffendingToken() : parser->getCurrentToken();
  if (dynamic_cast<const grammar::NestingTooDeep*>(&e) != nullptr) {
    reportNestingTooDeep(session_, offending);
    return;
  }
  if (const auto* nva = dynamic_cast<const antlr4::NoViableAltException*>(&e)) {
    // Prediction looked past the decision point before it failed: the expected set of the
    // decision state says nothing about the token that did not fit.
    const size_t type = offending->getType();
    const bool cut = type == antlr4::Token::EOF ||
                     (isTopLevelKeyword(type) && session_.startsLine(offending->getTokenIndex()));
    if (nva->getStartToken() != offending && !cut) {
      reportSyntaxError(session_, parser, offending, {}, SyntaxErrorKind::kUnfitting);
      return;
    }
  }
  const antlr4::misc::IntervalSet expected =
      dynamic_cast<const antlr4::InputMismatchException*>(&e) != nullptr
          ? e.getExpectedTokens()
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

antlr4::Token* SyntaxErrorStrategy::singleTokenDeletion(antlr4::Parser* parser) {
  if (session_.startsLine(parser->getCurrentToken()->getTokenIndex())) return nullptr;
  return DefaultErrorStrategy::singleTokenDeletion(parser);
}

antlr4::Token* SyntaxErrorStrategy::recoverInline(antlr4::Parser* parser) {
  // While recovering, conjuring or deleting tokens only does harm: the sync point we
  // skipped to belongs to an enclosing construct.
  if (inErrorRecoveryMode(parser)) throw antlr4::InputMismatchException(parser);
  // Insertion before deletion (ANTLR tries them the other way round): `for in xs` is
  // missing a name rather than carrying an extra `in`.
  if (singleTokenInsertion(parser)) return getMissingSymbol(parser);
  if (antlr4::Token* matched = singleTokenDeletion(parser)) {
    parser->consume();
    return matched;
  }
  throw antlr4::InputMismatchException(parser);
}

bool SyntaxErrorStrategy::atHardStop(antlr4::Parser* parser) {
  antlr4::Token* token = parser->getCurrentToken();
  const size_t type = token->getType();
  if (type == antlr4::Token::EOF || type == P::NEWLINE || type == P::SEMI) return true;
  if (isTopLevelKeyword(type) && session_.startsLine(token->getTokenIndex())) return true;
  if (isClosingBracket(type)) {
    const auto closers = enclosingClosers(parser->getContext());
    return std::find(closers.begin(), closers.end(), type) != closers.end();
  }
  return false;
}

void SyntaxErrorStrategy::recover(antlr4::Parser* parser, std::exception_ptr) {
  antlr4::TokenStream* input = parser->getTokenStream();
  const int index = static_cast<int>(input->index());
  recoveries_here_ = index == lastErrorIndex ? recoveries_here_ + 1 : 0;
  // ANTLR's failsafe against recovering twice in one state without progress, except at
  // the tokens recovery stops at on purpose: those belong to an enclosing construct
  // that is still unwinding.
  const bool repeated = index == lastErrorIndex && lastErrorStates.contains(parser->getState());
  if (input->LA(1) != antlr4::Token::EOF &&
      ((repeated && !atHardStop(parser)) || recoveries_here_ > 100'000)) {
    parser->consume();
  }
  // A declaration that failed on its own first keyword (`on chedule …`) must get past
  // it: that keyword is a sync point only for what came before it, and the file's loop
  // would otherwise start the same declaration again forever.
  antlr4::Token* current = parser->getCurrentToken();
  if (isTopLevelKeyword(current->getType()) && parser->getContext()->getStart() == current &&
      isDeclarationRule(parser->getContext()->getRuleIndex())) {
    parser->consume();
  }
  lastErrorIndex = static_cast<int>(input->index());
  lastErrorStates.add(parser->getState());
  skipToSyncPoint(parser, nullptr);
  // A rule that failed inside its own brackets (`W(workflow: int)`) takes its closing
  // bracket along, so that what follows it (the body) is parsed rather than skipped.
  if (isClosingBracket(parser->getCurrentToken()->getType()) &&
      closesOwnBracket(parser->getContext(), parser->getCurrentToken()->getType())) {
    parser->consume();
  }
}

void SyntaxErrorStrategy::sync(antlr4::Parser* parser) {
  const antlr4::atn::ATN& atn = parser->getATN();
  antlr4::atn::ATNState* state = atn.states[parser->getState()];
  if (!isLoopState(state->getStateType())) {
    if (!inErrorRecoveryMode(parser)) DefaultErrorStrategy::sync(parser);
    return;
  }
  const size_t rule = parser->getContext()->getRuleIndex();
  if (!isListRule(rule)) return;
  if (syncAfterSeparators(parser, rule)) return;
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
  if (!at_file_level && isTopLevelKeyword(la) && session_.startsLine(token->getTokenIndex()))
    return;
  if (!at_file_level && isClosingBracket(la)) {
    const auto closers = enclosingClosers(parser->getContext());
    if (std::find(closers.begin(), closers.end(), la) != closers.end()) return;
  }
  if (!inErrorRecoveryMode(parser)) {
    beginErrorCondition(parser);
    reportSyntaxError(session_, parser, token, expected, SyntaxErrorKind::kJunk);
  }
  // Skip to the next separator of this list, not to the next token that could start an
  // item: that would resume in the middle of the broken one.
  antlr4::misc::IntervalSet separators;
  for (size_t t : {static_cast<size_t>(P::NEWLINE), static_cast<size_t>(P::SEMI),
                   static_cast<size_t>(P::COMMA)}) {
    if (expected.contains(t)) separators.add(t);
  }
  skipToSyncPoint(parser, &separators);
}

bool SyntaxErrorStrategy::syncAfterSeparators(antlr4::Parser* parser, size_t rule) {
  const size_t item_rule = lineListItemRule(rule);
  antlr4::TokenStream* input = parser->getTokenStream();
  if (item_rule == static_cast<size_t>(-1) || !isListSeparator(input->LA(1))) return false;
  ssize_t k = 2;
  while (isListSeparator(input->LA(k)))
    ++k;
  antlr4::Token* next = input->LT(k);
  const size_t type = next->getType();
  if (type == antlr4::Token::EOF || type == P::RBRACE) return true;
  if (isTopLevelKeyword(type) && session_.startsLine(next->getTokenIndex())) return true;
  const antlr4::atn::ATN& atn = parser->getATN();
  if (atn.nextTokens(atn.ruleToStartState[item_rule]).contains(type)) return true;
  if (isClosingBracket(type)) {
    const auto closers = enclosingClosers(parser->getContext());
    if (std::find(closers.begin(), closers.end(), type) != closers.end()) return true;
  }
  // Junk at the start of a line: report it, step over the separators and skip the line.
  if (!inErrorRecoveryMode(parser)) {
    beginErrorCondition(parser);
    reportSyntaxError(session_, parser, next, atn.nextTokens(atn.ruleToStartState[item_rule]),
                      SyntaxErrorKind::kJunk);
  }
  for (ssize_t i = 1; i < k; ++i)
    parser->consume();
  skipToSyncPoint(parser, nullptr);
  return true;
}

void SyntaxErrorStrategy::skipToSyncPoint(antlr4::Parser* parser,
                                          const antlr4::misc::IntervalSet* acceptable) {
  const bool at_file_level = parser->getContext()->getRuleIndex() == P::RuleFile;
  const std::vector<size_t> closers =
      at_file_level ? std::vector<size_t>{} : enclosingClosers(parser->getContext());
  const bool in_parens =
      !closers.empty() && (closers.front() == P::RPAREN || closers.front() == P::RBRACK);
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
      if (isClosingBracket(type) &&
          std::find(closers.begin(), closers.end(), type) != closers.end())
        return;
    }
    if (isOpeningBracket(type)) {
      opened.push_back(type);
    } else if (isClosingBracket(type) && !opened.empty()) {
      // Close the innermost matching bracket and anything left open inside it.
      for (size_t i = opened.size(); i-- > 0;) {
        if (closerOf(opened[i]) == type) {
          opened.resize(i);
          break;
        }
      }
    } else if (type == P::NEWLINE) {
      // Inside parentheses a NEWLINE only appears where the lexer closed them.
      while (!opened.empty() && (opened.back() == P::LPAREN || opened.back() == P::LBRACK))
        opened.pop_back();
      if (opened.empty()) return;
    }
    parser->consume();
  }
}

}  // namespace rflow::parse
