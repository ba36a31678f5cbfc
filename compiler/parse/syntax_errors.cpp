#include "parse/syntax_errors.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "RFlowParser.h"
#include "base/suggest.h"
#include "parse/brackets.h"
#include "parser_base.h"

namespace rflow::parse {

using rflow::grammar::RFlowParser;
namespace diag = diagnostics::diag;
using P = RFlowParser;

bool isTopLevelKeyword(size_t type) {
  switch (type) {
    case P::KW_MODULE:
    case P::KW_IMPORT:
    case P::KW_RECORD:
    case P::KW_ENUM:
    case P::KW_CONST:
    case P::KW_ROLE:
    case P::KW_SIGNAL:
    case P::KW_CONNECTOR:
    case P::KW_FN:
    case P::KW_DECISION:
    case P::KW_POLICY:
    case P::KW_WORKFLOW:
    case P::KW_TEST:
    case P::KW_ON:
      return true;
    default:
      return false;
  }
}

namespace {

bool isReservedWord(size_t type) {
  return type >= P::KW_MODULE && type <= P::KW_MAP;
}
bool isContextualKeyword(size_t type) {
  return type >= P::KW_EVENT && type <= P::KW_CALENDAR;
}

bool isExpressionStart(size_t type) {
  switch (type) {
    case P::INT:
    case P::DECIMAL:
    case P::MONEY:
    case P::DURATION:
    case P::BAD_NUMBER:
    case P::BAD_MONEY:
    case P::SINGLE_QUOTED:
    case P::KW_TRUE:
    case P::KW_FALSE:
    case P::KW_NONE:
    case P::STR_OPEN:
    case P::LPAREN:
    case P::LBRACK:
    case P::KW_MAP:
    case P::KW_APPROVAL:
    case P::KW_TASK:
    case P::KW_AWAIT:
    case P::KW_START:
    case P::KW_SPAWN:
    case P::IDENT:
    case P::MINUS:
    case P::KW_NOT:
    case P::KW_IF:
      return true;
    default:
      return isContextualKeyword(type);
  }
}

// How a token type is written: "`=`", "a string", "the end of the file".
std::string spell(const antlr4::dfa::Vocabulary& vocabulary, size_t type) {
  switch (type) {
    case P::NEWLINE:
      return "a line break";
    case P::HEAD_LBRACE:
      return "`{`";
    case P::STR_OPEN:
      return "a string";
    case P::INT:
      return "a whole number";
    case P::DURATION:
      return "a duration";
    case P::IDENT:
      return "a name";
    case antlr4::Token::EOF:
      return "the end of the file";
    default:
      break;
  }
  const std::string literal = vocabulary.getLiteralName(type);
  if (literal.size() >= 2 && literal.front() == '\'') {
    return "`" + literal.substr(1, literal.size() - 2) + "`";
  }
  return "`" + vocabulary.getSymbolicName(type) + "`";
}

// What was found instead: "`x`", "the end of the line", "the end of the file".
std::string found(const antlr4::Token* token) {
  switch (token->getType()) {
    case P::NEWLINE:
    case P::STR_UNTERMINATED:
      return "the end of the line";
    case antlr4::Token::EOF:
      return "the end of the file";
    case P::STR_OPEN:
      return "a string";
    default:
      break;
  }
  std::string text = token->getText();
  if (text.size() > 24) text = text.substr(0, 21) + "...";
  return "`" + text + "`";
}

std::string joinWords(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

bool insideRule(antlr4::ParserRuleContext* ctx, std::initializer_list<size_t> rules) {
  for (; ctx != nullptr; ctx = dynamic_cast<antlr4::ParserRuleContext*>(ctx->parent)) {
    if (std::find(rules.begin(), rules.end(), ctx->getRuleIndex()) != rules.end()) return true;
  }
  return false;
}

// "an expression", "a statement", "`:` or `=`" …
std::string describeExpected(antlr4::Parser* parser, const antlr4::misc::IntervalSet& expected) {
  std::vector<size_t> types;
  for (ssize_t t : expected.toList()) {
    if (t >= 0 || t == static_cast<ssize_t>(antlr4::Token::EOF))
      types.push_back(static_cast<size_t>(t));
  }
  const auto has = [&](size_t type) {
    return std::find(types.begin(), types.end(), type) != types.end();
  };
  const auto expression_starts = std::count_if(types.begin(), types.end(), isExpressionStart);
  if (has(P::KW_LET) && has(P::KW_RETURN)) return "a statement";
  if (has(P::KW_RECORD) && has(P::KW_WORKFLOW)) return "a declaration";
  if (has(P::INT) && has(P::STR_OPEN) && has(P::LPAREN) && expression_starts >= 5)
    return "an expression";
  // Clause words are names too; only a clause list lacks the other contextual keywords.
  if (has(P::KW_ASSIGN) && has(P::KW_DUE) && has(P::KW_ESCALATE) && !has(P::KW_TIMES)) {
    return "a clause such as `assign`, `due` or `escalate`";
  }
  if (has(P::IDENT) && has(P::KW_LIST) && has(P::KW_MAP)) return "a type";
  if (has(P::IDENT) && has(P::INT) && has(P::STR_OPEN)) {
    return "a pattern (an enum member, a whole number, a string or `_`)";
  }
  if (has(P::IDENT)) {
    return insideRule(parser->getContext(), {P::RuleType, P::RuleTypeAtom}) ? "a type" : "a name";
  }
  // A list of tokens, leaving out line breaks when there is anything more telling.
  std::vector<std::string> words;
  for (size_t t : types) {
    if (t == P::NEWLINE && types.size() > 1) continue;
    if (t == P::HEAD_LBRACE && has(P::LBRACE)) continue;
    words.push_back(spell(parser->getVocabulary(), t));
  }
  if (words.empty()) return "something else";
  if (words.size() > 5) {
    words.resize(4);
    words.push_back("something else");
  }
  return joinWords(words);
}

// " after `=`" when the previous token is on the offending token's line (or the problem
// is the end of that line).
std::string afterPrevious(ParseSession& session, const antlr4::Token* offending) {
  const antlr4::Token* prev = session.previousSignificant(offending->getTokenIndex());
  if (prev == nullptr) return "";
  const bool same_line = prev->getLine() == offending->getLine() ||
                         offending->getType() == P::NEWLINE ||
                         offending->getType() == antlr4::Token::EOF;
  if (!same_line) return "";
  switch (prev->getType()) {
    case P::STR_CLOSE:
      return " after the string";
    case P::RBRACE:
      return " after `}`";
    default:
      break;
  }
  const std::string text = prev->getText();
  if (text.empty() || text.size() > 24) return "";
  return " after `" + text + "`";
}

// Statement keywords a misspelled first word is compared with.
constexpr std::array<std::string_view, 21> kStatementKeywords = {
    "let",  "var",     "if",       "match",   "for",    "while",    "return",
    "fail", "try",     "parallel", "sleep",   "note",   "notify",   "require",
    "mock", "advance", "expect",   "approve", "reject", "complete", "send"};
constexpr std::array<std::string_view, 14> kDeclarationKeywords = {
    "workflow", "record",   "enum",   "const", "role", "signal", "connector",
    "fn",       "decision", "policy", "test",  "on",   "module", "import"};

std::optional<std::string> misspelledKeyword(const antlr4::Token* token,
                                             std::span<const std::string_view> keywords) {
  if (token == nullptr || token->getType() != P::IDENT) return std::nullopt;
  const std::string text = token->getText();
  if (text.size() < 3) return std::nullopt;
  return base::closestMatch(text, keywords);
}

// The list a junk token was found in, as ("statement", ";").
std::pair<std::string_view, std::string_view> listConstruct(antlr4::ParserRuleContext* ctx) {
  for (; ctx != nullptr; ctx = dynamic_cast<antlr4::ParserRuleContext*>(ctx->parent)) {
    switch (ctx->getRuleIndex()) {
      case P::RuleStmtList:
        return {"statement", ";"};
      case P::RuleClauseBlock:
        return {"clause", ";"};
      case P::RuleFieldList:
      case P::RuleFieldInits:
        return {"field", ","};
      case P::RuleEnumDecl:
        return {"member", ","};
      case P::RuleDecisionDecl:
        return {"rule", ";"};
      case P::RuleMatchStmt:
        return {"match arm", ","};
      case P::RuleParallelStmt:
        return {"branch", ";"};
      case P::RuleMapLiteral:
        return {"entry", ","};
      case P::RuleConnectorDecl:
        return {"operation", ";"};
      default:
        break;
    }
  }
  return {"line", ";"};
}

bool isBinaryOperator(size_t type) {
  switch (type) {
    case P::PLUS:
    case P::MINUS:
    case P::STAR:
    case P::SLASH:
    case P::PERCENT:
    case P::EQ:
    case P::NE:
    case P::LT:
    case P::LE:
    case P::GT:
    case P::GE:
    case P::KW_IN:
    case P::KW_AND:
    case P::KW_OR:
    case P::QQ:
      return true;
    default:
      return false;
  }
}

bool isSeparatorOrOpener(size_t type) {
  switch (type) {
    case P::NEWLINE:
    case P::SEMI:
    case P::COMMA:
    case P::LBRACE:
    case P::HEAD_LBRACE:
    case P::LPAREN:
    case P::LBRACK:
      return true;
    default:
      return false;
  }
}

bool reportForeignOperator(ParseSession& session, const antlr4::Token* token) {
  std::string_view replacement;
  switch (token->getType()) {
    case P::AMP_AMP:
      replacement = "and";
      break;
    case P::PIPE_PIPE:
      replacement = "or";
      break;
    case P::BANG:
      replacement = "not";
      break;
    case P::COMPOUND_ASSIGN:
      replacement = "x = x + …";
      break;
    default:
      return false;
  }
  const source::Span span = session.span(token);
  const std::string text = token->getText();
  auto d = session.error(span, diag::ForeignOperator, text, replacement);
  if (token->getType() != P::COMPOUND_ASSIGN) {
    d.fix(fmt::format("replace `{}` with `{}`", text, replacement),
          {{session.location(span), std::string(replacement)}});
  }
  d.emit();
  return true;
}

// `10 usd`: a number followed on the same line by a short lowercase word.
bool reportLowercaseCurrency(ParseSession& session, const antlr4::Token* token) {
  if (token->getType() != P::IDENT) return false;
  const std::string text = token->getText();
  if (text.size() != 3 || !std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalpha(static_cast<unsigned char>(c));
      })) {
    return false;
  }
  const antlr4::Token* prev = session.previousSignificant(token->getTokenIndex());
  if (prev == nullptr || (prev->getType() != P::INT && prev->getType() != P::DECIMAL) ||
      prev->getLine() != token->getLine()) {
    return false;
  }
  std::string upper = text;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const source::Span span = session.span(token);
  session.error(span, diag::MoneyWithoutCurrency, prev->getText(), upper)
      .fix(fmt::format("write `{}`", upper), {{session.location(span), upper}})
      .emit();
  return true;
}

bool reportUnknownKeyword(ParseSession& session, const antlr4::Token* word,
                          std::span<const std::string_view> keywords) {
  const auto keyword = misspelledKeyword(word, keywords);
  if (!keyword) return false;
  const source::Span span = session.span(word);
  session.error(span, diag::UnknownKeyword, word->getText(), *keyword)
      .fix(fmt::format("replace `{}` with `{}`", word->getText(), *keyword),
           {{session.location(span), *keyword}})
      .emit();
  return true;
}

// When `token` is a line break followed by a `{`, or a `{` that starts a line: that `{`.
const antlr4::Token* braceOnNextLine(ParseSession& session, const antlr4::Token* token) {
  const auto isBrace = [](const antlr4::Token* t) {
    return t->getType() == P::LBRACE || t->getType() == P::HEAD_LBRACE;
  };
  if (isBrace(token) && session.startsLine(token->getTokenIndex())) return token;
  if (token->getType() != P::NEWLINE) return nullptr;
  const auto& tokens = session.tokens();
  for (size_t i = token->getTokenIndex() + 1; i < tokens.size(); ++i) {
    if (tokens[i]->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    return isBrace(tokens[i]) ? tokens[i] : nullptr;
  }
  return nullptr;
}

// Whether the last item parsed in `ctx` (a list) began at or before `token`, i.e. the
// item ran on from `token`'s line onto the next.
bool lastItemStartsBefore(antlr4::ParserRuleContext* ctx, const antlr4::Token* token) {
  for (auto it = ctx->children.rbegin(); it != ctx->children.rend(); ++it) {
    if (auto* item = dynamic_cast<antlr4::ParserRuleContext*>(*it)) {
      return item->getStart() != nullptr &&
             item->getStart()->getTokenIndex() <= token->getTokenIndex();
    }
  }
  return false;
}

// The first token of the line `token` is on (default channel), or null.
const antlr4::Token* lineStart(ParseSession& session, const antlr4::Token* token) {
  for (size_t i = token->getTokenIndex(); i-- > 0;) {
    const antlr4::Token* t = session.tokens()[i];
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    if (t->getType() == P::NEWLINE || t->getType() == P::LBRACE || t->getType() == P::HEAD_LBRACE) {
      return i + 1 < session.tokens().size() ? session.tokens()[i + 1] : nullptr;
    }
    if (t->getLine() != token->getLine()) return nullptr;
  }
  return nullptr;
}

bool reportUnclosed(ParseSession& session, antlr4::Parser* parser, const antlr4::Token* offending,
                    size_t closer) {
  const OpenBracket open = findOpenBracket(parser->getContext(), closer);
  if (open.token == nullptr) return false;
  // At the end of the line the bracket should have been closed on.
  source::Span at = session.reportSpan(offending);
  const antlr4::Token* preceding = session.previousSignificant(offending->getTokenIndex());
  if (preceding != nullptr && preceding->getLine() < offending->getLine()) {
    at = {session.span(preceding).end, session.span(preceding).end};
  }
  const source::LineCol where = session.file().lineCol(session.span(open.token).begin);
  if (closer == P::RBRACE) {
    session.error(at, diag::UnclosedBrace, describeBracketOwner(open), where.line)
        .note(session.location(session.span(open.token)), "the `{` is here")
        .emit();
  } else if (closer == P::RPAREN) {
    session.error(at, diag::UnclosedParen, where.line, where.column).emit();
  } else {
    session.error(at, diag::UnclosedBracket, where.line, where.column).emit();
  }
  return true;
}

}  // namespace

void reportNestingTooDeep(ParseSession& session, antlr4::Token* offending) {
  if (!session.takeNestingReport()) return;
  session.error(session.reportSpan(offending), diag::NestingTooDeep, grammar::kMaxParserNesting)
      .emit();
}

void reportSyntaxError(ParseSession& session, antlr4::Parser* parser, antlr4::Token* offending,
                       const antlr4::misc::IntervalSet& expected, SyntaxErrorKind kind) {
  const size_t type = offending->getType();
  const size_t index = offending->getTokenIndex();
  // The lexer's empty closers after an unterminated string: that string's error (from
  // the tree builder) is the one to report.
  if (session.span(offending).empty() && type != antlr4::Token::EOF && type != P::NEWLINE) return;

  if (reportForeignOperator(session, offending)) return;

  if ((type == P::RPAREN || type == P::RBRACK || type == P::RBRACE) && session.match(index) < 0 &&
      kind != SyntaxErrorKind::kMissing) {
    const std::string_view opener = type == P::RPAREN ? "(" : type == P::RBRACK ? "[" : "{";
    session.error(session.span(offending), diag::UnmatchedClosing, offending->getText(), opener)
        .emit();
    return;
  }

  if (reportLowercaseCurrency(session, offending)) return;

  // A construct cut short: by the end of the file, by a declaration keyword starting a
  // line, or (for parentheses, which ignore line breaks) by a line the lexer closed.
  const bool cut =
      type == antlr4::Token::EOF || (isTopLevelKeyword(type) && session.startsLine(index));
  // Inside an open brace, a declaration keyword starting a line (or the end of the file)
  // always means the brace was never closed, whatever else the parser expected there.
  if ((cut ||
       (kind == SyntaxErrorKind::kMissing && expected.contains(static_cast<size_t>(P::RBRACE)))) &&
      reportUnclosed(session, parser, offending, P::RBRACE)) {
    return;
  }

  // Parentheses ignore line breaks: a token on a later line than the one before it is
  // where a `)` was forgotten.
  const antlr4::Token* preceding = session.previousSignificant(index);
  const bool new_line = preceding != nullptr && preceding->getLine() < offending->getLine();
  if (expected.contains(static_cast<size_t>(P::RPAREN)) &&
      (cut || new_line || type == P::NEWLINE || type == P::RBRACE ||
       kind == SyntaxErrorKind::kMissing) &&
      reportUnclosed(session, parser, offending, P::RPAREN)) {
    return;
  }
  if (expected.contains(static_cast<size_t>(P::RBRACK)) &&
      (cut || new_line || type == P::NEWLINE || type == P::RBRACE ||
       kind == SyntaxErrorKind::kMissing) &&
      reportUnclosed(session, parser, offending, P::RBRACK)) {
    return;
  }

  // A reserved word where only a name fits (`let match = 1`); where an expression fits
  // too, "expected an expression" below says more.
  if (isReservedWord(type) && expected.contains(static_cast<size_t>(P::IDENT)) &&
      !expected.contains(static_cast<size_t>(P::INT))) {
    session.error(session.span(offending), diag::ReservedWordAsName, offending->getText()).emit();
    return;
  }

  if (kind == SyntaxErrorKind::kJunk) {
    if (type == P::KW_ELSE) {
      session.error(session.span(offending), diag::ElseWithoutIf).emit();
      return;
    }
    const antlr4::Token* prev = session.previousSignificant(index);
    const bool same_line = prev != nullptr && prev->getLine() == offending->getLine();
    if (parser->getContext()->getRuleIndex() == P::RuleFile) {
      if (same_line && prev->getType() != P::SEMI) {
        session
            .error(session.span(offending), diag::UnexpectedToken, found(offending),
                   " after the end of the declaration")
            .emit();
        return;
      }
      if (reportUnknownKeyword(session, offending, kDeclarationKeywords)) return;
      session.error(session.span(offending), diag::ExpectedDeclaration, found(offending)).emit();
      return;
    }
    // `total = a *` with the operand forgotten: the next line was read as the operand
    // and what follows it on that line makes no sense. The problem is the operator.
    if (const antlr4::Token* first = lineStart(session, offending)) {
      const antlr4::Token* before = session.previousSignificant(first->getTokenIndex());
      if (before != nullptr && before->getLine() < first->getLine() &&
          isBinaryOperator(before->getType()) &&
          lastItemStartsBefore(parser->getContext(), before)) {
        const uint32_t end = session.span(before).end;
        session
            .error({end, end}, diag::ExpectedSomething,
                   "an expression after `" + before->getText() + "`", "the end of the line")
            .emit();
        return;
      }
    }
    if (prev != nullptr && prev->getLine() == offending->getLine() &&
        !isSeparatorOrOpener(prev->getType())) {
      if (reportUnknownKeyword(session, lineStart(session, offending), kStatementKeywords)) return;
      if (insideRule(parser->getContext(),
                     {P::RuleArgList, P::RuleParamList, P::RuleListLiteral})) {
        session
            .error(session.reportSpan(offending), diag::ExpectedSomething,
                   describeExpected(parser, expected), found(offending))
            .emit();
        return;
      }
      const auto [construct, separator] = listConstruct(parser->getContext());
      session
          .error(session.span(offending), diag::MissingSeparator, construct, found(offending),
                 separator)
          .emit();
      return;
    }
    // At the start of a line: say what the list wanted there.
    if (prev == nullptr || !same_line) {
      session
          .error(session.span(offending), diag::ExpectedSomething,
                 describeExpected(parser, expected), found(offending))
          .emit();
      return;
    }
    session
        .error(session.span(offending), diag::UnexpectedToken, found(offending),
               afterPrevious(session, offending))
        .emit();
    return;
  }

  if ((kind == SyntaxErrorKind::kExtraneous || kind == SyntaxErrorKind::kUnfitting) &&
      (type == P::NEWLINE || type == antlr4::Token::EOF)) {
    // Something is missing, and ANTLR cannot say what: the construct just stops.
    session
        .error(session.reportSpan(offending), diag::ExpectedSomething,
               "more" + afterPrevious(session, offending), found(offending))
        .emit();
    return;
  }
  if (kind == SyntaxErrorKind::kExtraneous || kind == SyntaxErrorKind::kUnfitting) {
    session
        .error(session.span(offending), diag::UnexpectedToken, found(offending),
               afterPrevious(session, offending))
        .emit();
    return;
  }

  if (type == P::IDENT && session.startsLine(index) &&
      parser->getContext()->getRuleIndex() == P::RuleFile &&
      reportUnknownKeyword(session, offending, kDeclarationKeywords)) {
    return;
  }

  // `if ready` with the `{` on the next line.
  if (const antlr4::Token* brace = braceOnNextLine(session, offending)) {
    const antlr4::Token* before = session.previousSignificant(brace->getTokenIndex());
    const uint32_t end = before != nullptr ? session.span(before).end : 0;
    session.error({end, end}, diag::BraceOnNextLine)
        .fix("move the `{` up", {{session.location({end, session.span(brace).end}), " {"}})
        .emit();
    return;
  }
  // A construct left dangling at the end of a line (`let x = a +` and the next line
  // starts something else): the problem is at the end of that line.
  const antlr4::Token* prev = session.previousSignificant(index);
  if (prev != nullptr && session.startsLine(index) && prev->getLine() < offending->getLine()) {
    const uint32_t end = session.span(prev).end;
    session
        .error({end, end}, diag::ExpectedSomething,
               describeExpected(parser, expected) + " after `" + prev->getText() + "`",
               "the end of the line")
        .emit();
    return;
  }
  session
      .error(session.reportSpan(offending), diag::ExpectedSomething,
             describeExpected(parser, expected) + afterPrevious(session, offending),
             found(offending))
      .emit();
}

}  // namespace rflow::parse
