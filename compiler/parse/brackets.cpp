#include "parse/brackets.h"

#include "RFlowParser.h"

namespace rflow::parse {

using P = rflow::grammar::RFlowParser;

size_t closerOf(size_t type) {
  switch (type) {
    case P::LPAREN:
      return P::RPAREN;
    case P::LBRACK:
      return P::RBRACK;
    case P::LBRACE:
    case P::HEAD_LBRACE:
    case P::INTERP_OPEN:
      return P::RBRACE;
    default:
      return 0;
  }
}

bool isOpeningBracket(size_t type) {
  return closerOf(type) != 0;
}

bool isClosingBracket(size_t type) {
  return type == P::RPAREN || type == P::RBRACK || type == P::RBRACE;
}

namespace {

// The brackets opened by `ctx` itself and not closed within it, innermost last.
std::vector<antlr4::Token*> openIn(antlr4::ParserRuleContext* ctx) {
  std::vector<antlr4::Token*> open;
  for (antlr4::tree::ParseTree* child : ctx->children) {
    auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(child);
    if (terminal == nullptr) continue;
    antlr4::Token* token = terminal->getSymbol();
    const size_t type = token->getType();
    if (closerOf(type) != 0) {
      open.push_back(token);
    } else if (type == P::RPAREN || type == P::RBRACK || type == P::RBRACE) {
      for (size_t i = open.size(); i-- > 0;) {
        if (closerOf(open[i]->getType()) == type) {
          open.resize(i);
          break;
        }
      }
    }
  }
  return open;
}

antlr4::ParserRuleContext* parentOf(antlr4::ParserRuleContext* ctx) {
  return dynamic_cast<antlr4::ParserRuleContext*>(ctx->parent);
}

// Whether `block` comes right after a token of `type` among its parent's children.
bool follows(antlr4::ParserRuleContext* block, size_t type) {
  antlr4::ParserRuleContext* parent = parentOf(block);
  if (parent == nullptr) return false;
  antlr4::tree::ParseTree* previous = nullptr;
  for (antlr4::tree::ParseTree* child : parent->children) {
    if (child == block) break;
    previous = child;
  }
  auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(previous);
  return terminal != nullptr && terminal->getSymbol()->getType() == type;
}

}  // namespace

OpenBracket findOpenBracket(antlr4::ParserRuleContext* ctx, size_t closer) {
  for (; ctx != nullptr; ctx = parentOf(ctx)) {
    const auto open = openIn(ctx);
    for (size_t i = open.size(); i-- > 0;) {
      if (closerOf(open[i]->getType()) == closer) return {ctx, open[i]};
    }
  }
  return {};
}

bool closesOwnBracket(antlr4::ParserRuleContext* ctx, size_t closer) {
  const auto open = openIn(ctx);
  return !open.empty() && closerOf(open.back()->getType()) == closer;
}

std::vector<size_t> enclosingClosers(antlr4::ParserRuleContext* ctx) {
  std::vector<size_t> closers;
  for (; ctx != nullptr; ctx = parentOf(ctx)) {
    const auto open = openIn(ctx);
    for (size_t i = open.size(); i-- > 0;)
      closers.push_back(closerOf(open[i]->getType()));
  }
  return closers;
}

std::string describeBracketOwner(const OpenBracket& open) {
  antlr4::ParserRuleContext* ctx = open.owner;
  if (ctx == nullptr) return "block";
  antlr4::ParserRuleContext* parent = parentOf(ctx);
  const size_t parent_rule = parent != nullptr ? parent->getRuleIndex() : 0;
  switch (ctx->getRuleIndex()) {
    case P::RuleBlock:
      switch (parent_rule) {
        case P::RuleWorkflowDecl:
          return "workflow body";
        case P::RuleFnDecl:
          return "function body";
        case P::RuleTestDecl:
          return "test";
        case P::RulePolicyDecl:
          return "policy";
        case P::RuleIfStmt:
          return follows(ctx, P::KW_ELSE) ? "`else` block" : "`if` block";
        case P::RuleForStmt:
          return "`for` loop";
        case P::RuleWhileStmt:
          return "`while` loop";
        case P::RuleTryStmt:
          return follows(ctx, P::KW_TRY) ? "`try` block" : "`catch` block";
        case P::RuleHeaderClause:
          return "`on breach` block";
        case P::RuleMatchArm:
          return "match arm";
        default:
          return "block";
      }
    case P::RuleRecordDecl:
      return "record";
    case P::RuleEnumDecl:
      return "enum";
    case P::RuleSignalDecl:
      return "signal";
    case P::RuleConnectorDecl:
      return "connector";
    case P::RuleDecisionDecl:
      return "decision";
    case P::RuleMatchStmt:
      return "`match`";
    case P::RuleParallelStmt:
      return "`parallel` block";
    case P::RuleClauseBlock:
      return parent_rule == P::RuleTaskExpr ? "task" : "approval";
    case P::RuleClause:
      return "form";
    case P::RuleRecordLiteral:
      return "record literal";
    case P::RuleRecordBody:
      return parent_rule == P::RuleDecideStmt ? "`with` block" : "`data` block";
    case P::RuleMapLiteral:
      return "map literal";
    case P::RuleStringPart:
    case P::RuleStringLit:
      return "interpolation";
    default:
      return "block";
  }
}

}  // namespace rflow::parse
