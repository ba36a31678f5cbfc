// The shaped token stream of RFlowLexer (grammar/lexer_base.h): line breaks, head braces,
// interpolation and lexical problems.
#include <gtest/gtest.h>

#include "RFlowLexer.h"

namespace rflow::grammar {
namespace {

struct Lexed {
  std::string tokens;  // default-channel token names, space separated
  std::vector<LexProblem> problems;
};

Lexed lex(const std::string& text) {
  antlr4::ANTLRInputStream input(text);
  RFlowLexer lexer(&input);
  lexer.removeErrorListeners();
  antlr4::CommonTokenStream stream(&lexer);
  stream.fill();
  Lexed out;
  for (antlr4::Token* t : stream.getTokens()) {
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL || t->getType() == antlr4::Token::EOF)
      continue;
    if (!out.tokens.empty()) out.tokens += ' ';
    out.tokens += lexer.getVocabulary().getSymbolicName(t->getType());
  }
  out.problems = lexer.problems();
  return out;
}

TEST(Lexer, NewlineRunsCollapseAndLeadingOnesVanish) {
  EXPECT_EQ(lex("\n\n a\n\n\n b \n").tokens, "IDENT NEWLINE IDENT NEWLINE");
}

TEST(Lexer, NewlinesVanishInsideParenthesesAndCountAgainInsideBraces) {
  EXPECT_EQ(lex("f(a,\n b)\n").tokens, "IDENT LPAREN IDENT COMMA IDENT RPAREN NEWLINE");
  EXPECT_EQ(lex("[1,\n2]").tokens, "LBRACK INT COMMA INT RBRACK");
  EXPECT_EQ(lex("f(R {\n a: 1\n})").tokens,
            "IDENT LPAREN IDENT LBRACE NEWLINE IDENT COLON INT NEWLINE RBRACE RPAREN");
}

TEST(Lexer, StatementKeywordAtLineStartClosesOpenParentheses) {
  EXPECT_EQ(lex("x = f(a,\nlet y = 1").tokens,
            "IDENT ASSIGN IDENT LPAREN IDENT COMMA NEWLINE KW_LET IDENT ASSIGN INT");
  // `if` may start a line inside parentheses (a conditional expression): no effect.
  EXPECT_EQ(lex("f(\nif a then 1 else 2)").tokens,
            "IDENT LPAREN KW_IF IDENT KW_THEN INT KW_ELSE INT RPAREN");
}

TEST(Lexer, HeadBracesEndConditionsOfIfWhileForMatchAndWhen) {
  EXPECT_EQ(lex("if x == Foo { }").tokens, "KW_IF IDENT EQ IDENT HEAD_LBRACE RBRACE");
  EXPECT_EQ(lex("while a { }").tokens, "KW_WHILE IDENT HEAD_LBRACE RBRACE");
  EXPECT_EQ(lex("for x in xs { }").tokens, "KW_FOR IDENT KW_IN IDENT HEAD_LBRACE RBRACE");
  EXPECT_EQ(lex("match c { }").tokens, "KW_MATCH IDENT HEAD_LBRACE RBRACE");
  // Inside parentheses a brace is a record literal again.
  EXPECT_EQ(lex("if (R { a: 1 }) == r { }").tokens,
            "KW_IF LPAREN IDENT LBRACE IDENT COLON INT RBRACE RPAREN EQ IDENT HEAD_LBRACE RBRACE");
  // `then` ends a conditional expression's head, `=>` a decision rule's.
  EXPECT_EQ(lex("x = if a then R { b: 1 } else c").tokens,
            "IDENT ASSIGN KW_IF IDENT KW_THEN IDENT LBRACE IDENT COLON INT RBRACE KW_ELSE IDENT");
  EXPECT_EQ(lex("when a => R { b: 1 }").tokens,
            "KW_WHEN IDENT FAT_ARROW IDENT LBRACE IDENT COLON INT RBRACE");
  // else-if heads, and an if inside a block inside a head.
  EXPECT_EQ(lex("} else if a { }").tokens, "RBRACE KW_ELSE KW_IF IDENT HEAD_LBRACE RBRACE");
}

TEST(Lexer, InterpolationNestsStringsAndBraces) {
  EXPECT_EQ(
      lex(R"("a {join(xs, "-")} b")").tokens,
      "STR_OPEN STR_TEXT INTERP_OPEN IDENT LPAREN IDENT COMMA STR_OPEN STR_TEXT STR_CLOSE RPAREN "
      "RBRACE STR_TEXT STR_CLOSE");
  EXPECT_EQ(
      lex(R"("{R { a: "}" }.a}")").tokens,
      "STR_OPEN INTERP_OPEN IDENT LBRACE IDENT COLON STR_OPEN STR_TEXT STR_CLOSE RBRACE DOT IDENT "
      "RBRACE STR_CLOSE");
  EXPECT_EQ(lex(R"("a } b \{ \n")").tokens,
            "STR_OPEN STR_TEXT STR_ESCAPE STR_TEXT STR_ESCAPE STR_CLOSE");
}

TEST(Lexer, UnterminatedStringsEndAtTheLineBreak) {
  EXPECT_EQ(lex("x = \"abc\ny").tokens,
            "IDENT ASSIGN STR_OPEN STR_TEXT STR_UNTERMINATED NEWLINE IDENT");
  EXPECT_EQ(lex("x = \"a {f(1,\ny").tokens,
            "IDENT ASSIGN STR_OPEN STR_TEXT INTERP_OPEN IDENT LPAREN INT COMMA RPAREN RBRACE "
            "STR_UNTERMINATED NEWLINE IDENT");
  EXPECT_EQ(lex("\"abc").tokens, "STR_OPEN STR_TEXT STR_UNTERMINATED");
}

TEST(Lexer, NumbersMoneyAndDurations) {
  EXPECT_EQ(lex("1_000 0.075 1_000.00 USD 25 EUR 500ms 3d").tokens,
            "INT DECIMAL MONEY MONEY DURATION DURATION");
  EXPECT_EQ(lex("3days 1.5h 10USD").tokens, "BAD_NUMBER BAD_NUMBER BAD_NUMBER");
  EXPECT_EQ(lex("10 USDX 10 Us").tokens, "BAD_MONEY BAD_MONEY");
  EXPECT_EQ(lex("10 usd").tokens, "INT IDENT");
  // A line break never joins an amount and a currency.
  EXPECT_EQ(lex("x = 10\nUSD").tokens, "IDENT ASSIGN INT NEWLINE IDENT");
}

TEST(Lexer, GenericsNeedNoShiftToken) {
  EXPECT_EQ(lex("list<list<int>>").tokens, "KW_LIST LT KW_LIST LT IDENT GT GT");
}

TEST(Lexer, CommentsAreHiddenAndMultilineBlockCommentsBreakLines) {
  EXPECT_EQ(lex("a // c\n/// d\nb").tokens, "IDENT NEWLINE IDENT");
  EXPECT_EQ(lex("a /* x\n y */ b").tokens, "IDENT NEWLINE IDENT");
  EXPECT_EQ(lex("a /* x */ b").tokens, "IDENT IDENT");
}

TEST(Lexer, StrayCharactersAndOpenCommentsAreProblemsNotTokens) {
  const Lexed stray = lex("a # b");
  EXPECT_EQ(stray.tokens, "IDENT IDENT");
  ASSERT_EQ(stray.problems.size(), 1u);
  EXPECT_EQ(stray.problems[0].kind, LexProblem::Kind::kStrayCharacter);
  EXPECT_EQ(stray.problems[0].start, 2u);
  const Lexed open = lex("a /* never closed");
  EXPECT_EQ(open.tokens, "IDENT");
  ASSERT_EQ(open.problems.size(), 1u);
  EXPECT_EQ(open.problems[0].kind, LexProblem::Kind::kUnterminatedComment);
}

TEST(Lexer, StrayClosingBraceDoesNotThrow) {
  EXPECT_EQ(lex("} } )").tokens, "RBRACE RBRACE RPAREN");
}

}  // namespace
}  // namespace rflow::grammar
